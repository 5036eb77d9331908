import { describe, expect, it } from 'vitest';
import { scriptArgs } from '../../src/runtimes/spawn-script.js';
import { hashChain } from '../../src/workers/cpu-kernel.js';
import { checksum, hasPattern, patternBytes, payloadRecords } from '../../src/workers/messaging-payload.js';
import { checkRunnerOutput, runnerJobResult } from '../../src/workers/runner-job-result.js';

describe('hashChain (the workers task)', () => {
  it('is deterministic, depends on seed and rounds, and stays a uint32', () => {
    expect(hashChain(1, 1000)).toBe(hashChain(1, 1000));
    expect(hashChain(1, 1000)).not.toBe(hashChain(2, 1000));
    expect(hashChain(1, 1000)).not.toBe(hashChain(1, 1001));
    const h = hashChain(7, 5000);
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
  });
});

describe('worker-messaging payloads', () => {
  it('recognises its pattern and nothing else', () => {
    const bytes = patternBytes(1000);
    expect(hasPattern(bytes, 1000)).toBe(true);
    expect(hasPattern(bytes, 999)).toBe(false);
    bytes[500] ^= 1;
    expect(hasPattern(bytes, 1000)).toBe(false);
  });

  it('checksum sees order and content', () => {
    expect(checksum(Uint8Array.of(1, 2, 3))).not.toBe(checksum(Uint8Array.of(3, 2, 1)));
    expect(checksum(patternBytes(64))).toBe(checksum(patternBytes(64)));
  });

  it('object payloads are about the asked JSON size', () => {
    for (const size of [64, 65536, 1048576]) {
      const json = JSON.stringify(payloadRecords(size)).length;
      expect(json / size).toBeGreaterThan(0.5);
      expect(json / size).toBeLessThan(2);
    }
  });
});

describe('runner job output', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `result ${i} ${runnerJobResult(i)}`);
  it('accepts every job once with the right hash', () => {
    expect(checkRunnerOutput([...lines(3), ''], 3)).toBeUndefined();
  });
  it('reports a missing job or a wrong hash', () => {
    expect(checkRunnerOutput(lines(2), 3)).toMatch(/expected 3/);
    expect(checkRunnerOutput(['result 0 1'], 1)).toMatch(/wrong result/);
  });
});

describe('scriptArgs', () => {
  it('puts the runtime flags before the script and `run` first on deno', () => {
    expect(scriptArgs({ name: 'node', flags: ['--expose-gc'] }, '/x/a.js', ['1'])).toEqual([
      '--expose-gc',
      '/x/a.js',
      '1',
    ]);
    expect(scriptArgs({ name: 'deno', flags: ['--allow-net'] }, new URL('file:///x/a%20b.js'))).toEqual([
      'run',
      '--allow-net',
      '/x/a b.js',
    ]);
  });
});
