import { describe, expect, test } from 'vitest';
import { mergeShards } from '../../src/report/merge.js';
import { UsageError } from '../../src/result/errors.js';
import type { ResultFile } from '../../src/result/schema.js';
import { validateResultFile } from '../../src/result/schema.js';
import { makeResult, standardCells } from '../fixtures/make-result.js';

function shard(
  index: number,
  count: number,
  scenario: string,
  tweak: (r: ResultFile) => void = () => {},
): { path: string; file: ResultFile } {
  const file = makeResult({ seed: index, cells: standardCells(['node'], [scenario]), runId: `r${index}` });
  file.config.shard = { index, count };
  tweak(file);
  return { path: `shard-${index}.json`, file };
}

describe('merge', () => {
  test('joins complementary shards of one run into a valid result without a shard', () => {
    const { result } = mergeShards([shard(2, 2, 'workers'), shard(1, 2, 'eager-tasks')]);
    expect(validateResultFile(result)).toBe(result);
    expect(result.config.shard).toBeUndefined();
    expect(new Set(result.results.map((e) => e.scenario))).toEqual(new Set(['eager-tasks', 'workers']));
    expect(result.run.id).toBe('r1+r2');
  });

  test('keeps a shared run id', () => {
    const { result } = mergeShards([
      shard(1, 2, 'eager-tasks', (r) => {
        r.run.id = 'ci-42';
      }),
      shard(2, 2, 'workers', (r) => {
        r.run.id = 'ci-42';
      }),
    ]);
    expect(result.run.id).toBe('ci-42');
  });

  test('shards placed differently against earlier runs (each by its own cells) are one run; the merged file keeps no placement', () => {
    const { result } = mergeShards([
      shard(1, 2, 'eager-tasks', (r) => {
        r.config.earlierRuns = { files: ['a.json'], ratio: 1.2, cells: 4 };
      }),
      shard(2, 2, 'workers', (r) => {
        r.config.earlierRuns = { files: ['a.json'], ratio: 0.9, cells: 2 };
      }),
    ]);
    expect(result.config.earlierRuns).toBeUndefined();
    expect(validateResultFile(result)).toBe(result);
  });

  test('notes shards that ran on different machines', () => {
    const { notes } = mergeShards([
      shard(1, 2, 'eager-tasks'),
      shard(2, 2, 'workers', (r) => {
        r.machine.cores = 64;
      }),
    ]);
    expect(notes.join()).toMatch(/different machines/);
  });

  test('shards of one machine whose page-fault probes read differently are one machine', () => {
    const { notes } = mergeShards([
      shard(1, 2, 'eager-tasks', (r) => {
        r.machine.pageFaultUs = 12.9;
      }),
      shard(2, 2, 'workers', (r) => {
        r.machine.pageFaultUs = 13.4;
      }),
    ]);
    expect(notes.join()).not.toMatch(/different machines/);
  });

  const refusals: [string, () => { path: string; file: ResultFile }[], RegExp][] = [
    ['a missing shard', () => [shard(1, 3, 'eager-tasks'), shard(3, 3, 'workers')], /shard 2 of 3 missing/],
    ['a shard twice', () => [shard(1, 2, 'eager-tasks'), shard(1, 2, 'workers')], /both shard 1\/2/],
    ['different shard counts', () => [shard(1, 2, 'eager-tasks'), shard(2, 3, 'workers')], /of 2 shards/],
    [
      'different commits',
      () => [
        shard(1, 2, 'eager-tasks'),
        shard(2, 2, 'workers', (r) => {
          r.git = { commit: 'feedface', branch: 'x', dirty: false };
        }),
      ],
      /commit feedface.*not shards of one run/,
    ],
    [
      'different configs',
      () => [
        shard(1, 2, 'eager-tasks'),
        shard(2, 2, 'workers', (r) => {
          r.config.forks = 99;
        }),
      ],
      /different configs/,
    ],
    [
      'a file that is not a shard',
      () => [shard(1, 2, 'eager-tasks', (r) => void delete r.config.shard), shard(2, 2, 'workers')],
      /not a shard/,
    ],
    ['overlapping entries', () => [shard(1, 2, 'eager-tasks'), shard(2, 2, 'eager-tasks')], /in both/],
    [
      'different runtime versions',
      () => [
        shard(1, 2, 'eager-tasks'),
        shard(2, 2, 'workers', (r) => {
          r.runtimes[0].version = '0.0.1';
        }),
      ],
      /runtime 'node' is/,
    ],
  ];
  for (const [what, shards, message] of refusals)
    test(`refuses ${what} with a one-line UsageError`, () => {
      expect(() => mergeShards(shards())).toThrow(UsageError);
      expect(() => mergeShards(shards())).toThrow(message);
    });
});
