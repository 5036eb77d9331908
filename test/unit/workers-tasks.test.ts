import { describe, expect, it } from 'vitest';
import { denoFlags } from '../../src/runtimes/deno.js';
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

  it('object payloads are the fewest records whose JSON is the asked size or more', () => {
    for (const size of [64, 65536, 1048576]) {
      const records = payloadRecords(size);
      expect(JSON.stringify(records).length).toBeGreaterThanOrEqual(size);
      expect(JSON.stringify(records.slice(0, -1)).length).toBeLessThan(size);
    }
  });
});

describe('runner job output', () => {
  const lines = (n: number, context = (i: number) => i) =>
    Array.from({ length: n }, (_, i) => `result ${i} ${runnerJobResult(i)} ${context(i)}`);
  it('accepts every job once with the right hash and the context of the jobs before it', () => {
    expect(checkRunnerOutput([...lines(3), ''], 3)).toBeUndefined();
  });
  it('reports a missing job or a wrong hash', () => {
    expect(checkRunnerOutput(lines(2), 3)).toMatch(/expected 3/);
    expect(checkRunnerOutput(['result 0 1 0'], 1)).toMatch(/wrong result/);
  });
  it('reports jobs that did not find the earlier jobs in the context (a fresh process per job, posing as reuse)', () => {
    expect(
      checkRunnerOutput(
        lines(3, () => 0),
        3,
      ),
    ).toMatch(/job 1 found 0 earlier jobs .* not preserved/);
    expect(
      checkRunnerOutput(
        lines(2, (i) => i + 1),
        2,
      ),
    ).toMatch(/job 0 found 1/);
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

describe('denoFlags', () => {
  it('records the V8 flags of DENO_V8_FLAGS but does not give them again to a child, which inherits them', () => {
    const seeded = denoFlags(['--random-seed=7', '--hash-seed=7'], true, ['net', 'read']);
    expect(seeded.recorded).toEqual([
      '--v8-flags=--random-seed=7,--hash-seed=7,--expose-gc',
      '--allow-net',
      '--allow-read',
    ]);
    expect(seeded.launch).toEqual(['--v8-flags=--expose-gc', '--allow-net', '--allow-read']);
    // --expose-gc in the environment already: no --v8-flags at all for the child
    const inherited = denoFlags(['--expose-gc', '--expose-gc'], true, []);
    expect(inherited).toEqual({ recorded: ['--v8-flags=--expose-gc'], launch: [] });
  });

  it("gives a child deno 2's --node-modules-dir=manual, which finds npm packages from an installed asyncbench, and records only what it can see", () => {
    const flags = denoFlags([], true, ['read'], true);
    expect(flags.launch).toEqual(['--node-modules-dir=manual', '--v8-flags=--expose-gc', '--allow-read']);
    expect(flags.recorded).toEqual(['--v8-flags=--expose-gc', '--allow-read']);
  });
});
