// The five worker and process scenarios end to end through the CLI, narrowed to a few cells each,
// on node, deno and bun: every cell must measure and pass its verify (nothing failed or timed out).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResult, runCli, tempDir } from '../support/cli.js';

const SCENARIOS = ['workers', 'worker-messaging', 'event-loop-lag', 'runner', 'graceful-shutdown'];
const CASES = [
  'pool',
  'child-processes',
  'startup',
  'transfer',
  'shared',
  'timer',
  'cold-start',
  'reused',
  'sigterm',
  'sigint',
];

describe('worker and process scenarios', () => {
  it('measure and verify on node, deno and bun', { timeout: 600_000 }, async () => {
    const out = join(tempDir('workers'), 'r.json');
    const run = await runCli([
      'run',
      ...SCENARIOS,
      '--quick',
      '--duration',
      '0.5',
      '--case',
      CASES.join(','),
      '--param',
      'workers=1',
      '--param',
      'payload=64',
      '--param',
      'K=1',
      '--param',
      'inFlight=100',
      '--runtime',
      'node,deno,bun',
      '--json',
      out,
    ]);
    const result = readResult(out);
    const notOk = result.results.filter((e) => e.status !== 'ok').map((e) => `${e.key}: ${e.status} ${e.reason ?? ''}`);
    expect(notOk).toEqual([]);
    expect(run.code).toBe(0);
    // 2 + 3 + 1 + 2 + 2 cases, each on three runtimes
    expect(result.results).toHaveLength(30);
    for (const e of result.results.filter((x) => x.scenario === 'workers')) {
      expect(e.metric.unit).toBe('tasks/s');
      expect(e.extra?.['tasks checked']?.value).toBeGreaterThan(0);
    }
    for (const e of result.results.filter((x) => x.scenario === 'event-loop-lag')) {
      expect(Object.keys(e.extra ?? {})).toEqual(expect.arrayContaining(['lag p50', 'lag p99', 'cpu tasks/s']));
      // its tables lead with the p99 lag (SCENARIOS.md's headline), not ticks/s
      expect(e.headline).toEqual({ figure: 'lag p99', name: 'p99 loop lag', unit: 'ms', better: 'lower' });
    }
    // a worker start is ranked apart from the round trips
    for (const e of result.results.filter((x) => x.scenario === 'worker-messaging'))
      expect(e.metric.name).toBe(e.case === 'startup' ? 'time per worker start' : 'round-trip time');
    for (const e of result.results.filter((x) => x.scenario === 'graceful-shutdown')) {
      // each shutdown leaves 20 ms of work per held request: no exit can come sooner
      expect(e.stats?.min).toBeGreaterThanOrEqual(20);
    }
  });
});
