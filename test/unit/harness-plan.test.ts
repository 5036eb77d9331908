import { describe, expect, it } from 'vitest';
import type { ScenarioInfo } from '../../src/harness/catalog.js';
import { expandMatrix, planCells, scheduleJobs } from '../../src/harness/plan.js';
import { UsageError } from '../../src/result/errors.js';
import type { RuntimeExecutable } from '../../src/runtimes/discover.js';

const runtime = (name: 'node' | 'deno' | 'bun'): RuntimeExecutable => ({
  label: name,
  name,
  executable: `/bin/${name}`,
  version: '1',
  engine: { name: name === 'bun' ? 'jsc' : 'v8', version: '1' },
  flags: [],
  notes: [],
  env: {},
  default: true,
});
const RUNTIMES = [runtime('node'), runtime('deno'), runtime('bun')];

const scenario: ScenarioInfo = {
  id: 'demo',
  title: 'Demo',
  pattern: 'x',
  kind: 'micro',
  params: { hitRatio: [0, 0.5, 1], tasks: [100, 1000], mode: ['a', 'b'] },
  defaults: { tasks: [1000] },
  quick: { hitRatio: [0, 1] },
  cases: ['eager', 'lazy'],
  requires: [],
  metric: { name: 'time per op', unit: 'ns', better: 'lower' },
  module: 'file:///demo.js',
};

describe('expandMatrix', () => {
  it('yields every combination in declaration order', () => {
    expect(expandMatrix({ a: [1, 2], b: ['x', 'y'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
    expect(expandMatrix({})).toEqual([{}]);
  });
});

describe('planCells', () => {
  const base = { cases: [], params: {}, quick: false };
  it('crosses the default matrix, cases and runtimes', () => {
    const cells = planCells([scenario], RUNTIMES, base);
    expect(cells).toHaveLength(3 * 1 * 2 * 2 * 3);
    expect(cells.every((c) => c.params.tasks === 1000)).toBe(true);
  });
  it('uses the quick values over the defaults under --quick', () => {
    const cells = planCells([scenario], RUNTIMES, { ...base, quick: true });
    expect(new Set(cells.map((c) => c.params.hitRatio))).toEqual(new Set([0, 1]));
    expect(cells).toHaveLength(2 * 1 * 2 * 2 * 3);
  });
  it('crosses the whole grid under --full, with --quick too', () => {
    expect(planCells([scenario], RUNTIMES, { ...base, full: true })).toHaveLength(3 * 2 * 2 * 2 * 3);
    expect(planCells([scenario], RUNTIMES, { ...base, full: true, quick: true })).toHaveLength(3 * 2 * 2 * 2 * 3);
  });
  it('narrows by case and param, coercing values to the declared type, numbers also beyond the declared', () => {
    const cells = planCells([scenario], RUNTIMES, { ...base, cases: ['lazy'], params: { tasks: ['64'], mode: ['b'] } });
    expect(cells.every((c) => c.caseName === 'lazy' && c.params.tasks === 64 && c.params.mode === 'b')).toBe(true);
    expect(cells).toHaveLength(3 * 3);
    // a value given twice, as written or as the same number, is one cell
    const once = planCells([scenario], RUNTIMES, {
      ...base,
      cases: ['lazy'],
      params: { tasks: ['64', '64.0', ' 64'], hitRatio: ['0', '-0'] },
    });
    // -0 too: its key is `hitRatio=0`, and one cell was measured twice under it
    expect(once).toHaveLength(3 * 2);
  });
  it('rejects unknown cases, params and ill-typed values with the closest names first', () => {
    expect(() => planCells([scenario], RUNTIMES, { ...base, cases: ['eagre'] })).toThrow(
      /unknown case 'eagre'; valid: eager, lazy/,
    );
    expect(() => planCells([scenario], RUNTIMES, { ...base, params: { task: ['1'] } })).toThrow(/valid: tasks/);
    expect(() => planCells([scenario], RUNTIMES, { ...base, params: { tasks: ['many'] } })).toThrow(UsageError);
    // a word the scenario does not declare would run whichever branch it falls into
    expect(() => planCells([scenario], RUNTIMES, { ...base, params: { mode: ['B'] } })).toThrow(
      /mode=B: not a value of demo's mode; valid: a, b/,
    );
  });
  it('takes whole numbers, and none below the least declared floor, where the declared values are counts', () => {
    const plan = (params: Record<string, string[]>) => () => planCells([scenario], RUNTIMES, { ...base, params });
    expect(plan({ tasks: ['-5'] })).toThrow(/--param tasks=-5: demo takes whole numbers from 1 up for tasks/);
    expect(plan({ tasks: ['0'] })).toThrow(/whole numbers from 1 up/);
    expect(plan({ tasks: ['2.5'] })).toThrow(/whole numbers from 1 up/);
    // beyond 2^53 the number read is not the one given (99999999999999999999 became 1e20)
    expect(plan({ tasks: ['99999999999999999999'] })).toThrow(
      /--param tasks=99999999999999999999: demo takes whole numbers up to 9007199254740991 for tasks/,
    );
    expect(plan({ tasks: ['9007199254740991'] })).not.toThrow();
    expect(plan({ hitRatio: ['-0.5'] })).toThrow(/--param hitRatio=-0.5: demo takes numbers from 0 up for hitRatio/);
    // beyond the declared ones, a value of the same kind is taken
    expect(plan({ tasks: ['1', '123456'], hitRatio: ['0.25', '0'] })).not.toThrow();
    // in decimal, as the flags take numbers: tasks=0x10 measured tasks=16 under config.params' '0x10'
    for (const odd of ['0x10', '1e3', '0b11', 'Infinity', '.', '+'])
      expect(plan({ tasks: [odd] })).toThrow(`--param tasks=${odd}: demo takes numbers for tasks`);
    expect(plan({ hitRatio: ['.5', '1.', '+0.25'] })).not.toThrow();
  });
  it('splits the matrix into disjoint shards that cover it', () => {
    const all = planCells([scenario], RUNTIMES, base).map((c) => c.key);
    const shards = [1, 2, 3].map((index) =>
      planCells([scenario], RUNTIMES, { ...base, shard: { index, count: 3 } }).map((c) => c.key),
    );
    expect(shards.flat().sort()).toEqual([...all].sort());
    expect(new Set(shards.flat()).size).toBe(all.length);
    // cut by cell group, not by cell: a group's runtimes share a shard, group i on shard (i mod 3) + 1
    const group = (key: string) => key.slice(0, key.lastIndexOf('/'));
    const groups = [...new Set(all.map(group))];
    expect(groups).toHaveLength(12);
    for (const [k, shard] of shards.entries())
      expect(shard).toEqual(all.filter((key) => groups.indexOf(group(key)) % 3 === k));
  });
});

describe('scheduleJobs', () => {
  it('runs every cell once per fork and rotates the runtime order from fork to fork', () => {
    const cells = planCells([scenario], RUNTIMES, {
      cases: ['eager'],
      params: { hitRatio: ['0'], tasks: ['100'], mode: ['a'] },
      quick: false,
    });
    const jobs = scheduleJobs(cells, 3);
    expect(jobs).toHaveLength(9);
    const order = (fork: number) => jobs.filter((j) => j.fork === fork).map((j) => j.cell.runtime.label);
    expect(order(0)).toEqual(['node', 'deno', 'bun']);
    expect(order(1)).toEqual(['deno', 'bun', 'node']);
    expect(order(2)).toEqual(['bun', 'node', 'deno']);
  });
});
