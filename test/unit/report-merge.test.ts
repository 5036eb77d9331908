import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import merge from '../../src/cli/merge.js';
import { shardCells } from '../../src/harness/plan.js';
import { formatParams } from '../../src/report/format.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { mergeShards } from '../../src/report/merge.js';
import { UsageError } from '../../src/result/errors.js';
import type { ResultFile } from '../../src/result/schema.js';
import { validateResultFile } from '../../src/result/schema.js';
import { makeResult, standardCells } from '../fixtures/make-result.js';
import { writeResult } from '../fixtures/result-files.js';
import { tempDir } from '../support/temp.js';

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

  test('a run one of whose shards was made from a changed working tree is dirty, whichever shard is first', () => {
    const dirtyAt = (index: number) => (r: ResultFile) => {
      if (r.git) r.git.dirty = r.config.shard?.index === index;
    };
    for (const index of [1, 2]) {
      const { result } = mergeShards([
        shard(1, 2, 'eager-tasks', dirtyAt(index)),
        shard(2, 2, 'workers', dirtyAt(index)),
      ]);
      expect(result.git?.dirty, `shard ${index} dirty`).toBe(true);
    }
    const { result } = mergeShards([shard(1, 2, 'eager-tasks'), shard(2, 2, 'workers')]);
    expect(result.git?.dirty).toBe(false);
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

  test("keeps the run's order of cells: the tables list cases as an unsharded run does", () => {
    // the planned order (src/harness/plan.ts): scenario, params, case, then runtime
    const cells = standardCells(['node', 'bun'], ['eager-tasks', 'workers']).sort(
      (a, b) =>
        a.scenario.localeCompare(b.scenario) ||
        formatParams(a.params).localeCompare(formatParams(b.params)) ||
        a.case.localeCompare(b.case),
    );
    const whole = makeResult({ seed: 1, cells, runId: 'r' });
    const grouped = whole.results.map((e) => ({ e, group: e.key.slice(0, e.key.lastIndexOf('/')) }));
    const shards = [1, 2, 3].map((index) => {
      const file = structuredClone(whole);
      file.results = shardCells(grouped, { index, count: 3 }).map((c) => c.e);
      file.config.shard = { index, count: 3 };
      return { path: `shard-${index}.json`, file };
    });
    const { result } = mergeShards(shards.reverse());
    expect(result.results.map((e) => e.key)).toEqual(whole.results.map((e) => e.key));
    expect(renderMarkdown([result])).toBe(renderMarkdown([whole]));
  });

  test('the merged run starts at the earliest instant a shard started and ends at the latest one ended, whatever UTC offset each wrote', () => {
    const { result } = mergeShards([
      shard(1, 2, 'eager-tasks', (r) => {
        // 05:00Z to 05:30Z: first to start, first to end, though its text sorts after shard 2's
        r.run.startedAt = '2026-01-01T10:00:00+05:00';
        r.run.finishedAt = '2026-01-01T10:30:00+05:00';
      }),
      shard(2, 2, 'workers', (r) => {
        r.run.startedAt = '2026-01-01T06:00:00Z';
        r.run.finishedAt = '2026-01-01T06:10:00Z';
      }),
    ]);
    expect(result.run.startedAt).toBe('2026-01-01T10:00:00+05:00');
    expect(result.run.finishedAt).toBe('2026-01-01T06:10:00Z');
  });

  test('shards that started their own services, and lost different ones, are one run; every failure is kept', () => {
    const { result } = mergeShards([
      shard(1, 2, 'eager-tasks', (r) => {
        r.config.services = { http: { url: 'http://127.0.0.1:4001', runtime: 'node', startupMs: 80 } };
      }),
      shard(2, 2, 'workers', (r) => {
        r.config.services = { http: { url: 'http://127.0.0.1:4002', runtime: 'node', startupMs: 95 } };
        r.config.unavailable = { postgres: 'initdb failed' };
      }),
    ]);
    expect(result.config.services).toEqual({ http: { url: 'http://127.0.0.1:4001', runtime: 'node', startupMs: 80 } });
    expect(result.config.unavailable).toEqual({ postgres: 'initdb failed' });
  });

  test('shards that took their spread from different earlier runs are one run: the files of all, no shift, a note', () => {
    const spread = { variance: 0.001, df: 2, runs: 3, cells: 4 };
    const { result, notes } = mergeShards([
      shard(1, 2, 'eager-tasks', (r) => {
        r.config.sessions = { files: ['b.json', 'a.json'], spread, shift: { ratio: 1.1, cells: 4, beyond: false } };
      }),
      shard(2, 2, 'workers', (r) => {
        r.config.sessions = { files: ['shard-1.json', 'b.json', 'a.json'], spread: { ...spread, runs: 4 } };
      }),
    ]);
    expect(result.config.sessions).toEqual({ files: ['a.json', 'b.json', 'shard-1.json'], spread });
    expect(notes.join()).toMatch(/different earlier runs/);
    // the same earlier runs: kept as they are
    const same = { files: ['a.json'], spread };
    const alike = mergeShards([
      shard(1, 2, 'eager-tasks', (r) => void Object.assign(r.config, { sessions: same })),
      shard(2, 2, 'workers', (r) => void Object.assign(r.config, { sessions: same })),
    ]);
    expect(alike.result.config.sessions).toEqual(same);
    expect(alike.notes.join()).not.toMatch(/different earlier runs/);
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
    [
      'a count no set of files could fill',
      () => [shard(1, 1e9, 'eager-tasks')],
      /^999999999 shards of 1000000000 missing$/,
    ],
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
      /different configs \(forks\)/,
    ],
    [
      'different params (a difference inside the config, not only at its top)',
      () => [
        shard(1, 2, 'eager-tasks', (r) => {
          r.config.params = { tasks: ['1000'] };
        }),
        shard(2, 2, 'workers', (r) => {
          r.config.params = { tasks: ['100'] };
        }),
      ],
      /different configs \(params\)/,
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
    [
      'a shard run with another --runtime list',
      () => [
        shard(1, 2, 'eager-tasks'),
        shard(2, 2, 'workers', (r) => {
          const dropped = r.runtimes.pop()?.label;
          r.results = r.results.filter((e) => e.runtime !== dropped);
        }),
      ],
      /ran .*: not shards of one run/,
    ],
    [
      'a shard whose runner had another build of a version spec',
      () => [
        shard(1, 2, 'eager-tasks'),
        shard(2, 2, 'workers', (r) => {
          const [node] = r.runtimes;
          for (const e of r.results) if (e.runtime === node.label) e.runtime = 'node@22.22.0';
          Object.assign(node, { label: 'node@22.22.0', version: '22.22.0' });
        }),
      ],
      /ran .*node@22\.22\.0 22\.22\.0.*: not shards of one run/,
    ],
  ];
  for (const [what, shards, message] of refusals)
    test(`refuses ${what} with a one-line UsageError`, () => {
      expect(() => mergeShards(shards())).toThrow(UsageError);
      expect(() => mergeShards(shards())).toThrow(message);
    });
});

describe('asyncbench merge', () => {
  test('refuses an --out that is one of the shards: the shard is kept, and the merged file would replace it', async () => {
    const dir = tempDir('merge-out');
    const [one, two] = [shard(1, 2, 'eager-tasks'), shard(2, 2, 'workers')].map((s) =>
      writeResult(dir, s.path, s.file),
    );
    const text = readFileSync(one, 'utf8');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      // another name of the same file too
      for (const out of [one, join(dir, '..', basename(dir), 'shard-1.json')])
        await expect(merge.run([one, two, '--out', out])).rejects.toThrow(
          /^--out .*shard-1\.json is one of the shards to join: writing there would replace it$/,
        );
      expect(readFileSync(one, 'utf8')).toBe(text);
      expect(await merge.run([one, two, '--out', join(dir, 'merged.json')])).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
  });

  test('refuses an existing --out, as run --json does, unless --overwrite says it is meant', async () => {
    const dir = tempDir('merge-existing');
    const shards = [shard(1, 2, 'eager-tasks'), shard(2, 2, 'workers')].map((s) => writeResult(dir, s.path, s.file));
    const earlier = writeResult(
      dir,
      'earlier-run.json',
      makeResult({ seed: 9, cells: standardCells(['node'], ['db-pool']) }),
    );
    const text = readFileSync(earlier, 'utf8');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await expect(merge.run([...shards, '--out', earlier])).rejects.toThrow(
        /^--out .*earlier-run\.json exists: give --out another path, or add --overwrite to replace it$/,
      );
      expect(readFileSync(earlier, 'utf8')).toBe(text);
      expect(await merge.run([...shards, '--out', earlier, '--overwrite'])).toBe(0);
      expect(readFileSync(earlier, 'utf8')).not.toBe(text);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
