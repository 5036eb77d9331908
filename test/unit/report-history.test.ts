import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';
import report from '../../src/cli/report.js';
import { workerCores, workerScalingChart } from '../../src/report/charts/headline.js';
import { combineParts, inTimeOrder } from '../../src/report/history.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { makeResult, REALISTIC_NOISE, standardCells } from '../fixtures/make-result.js';
import { writeResult } from '../fixtures/result-files.js';
import { tempDir } from '../support/temp.js';

test('separate runs of different scenarios are reported as one file', () => {
  const full = makeResult({ seed: 1 });
  const part = (scenario: string, startedAt: string) => ({
    ...full,
    run: { ...full.run, id: scenario, startedAt },
    config: { ...full.config, scenarios: [scenario] },
    results: full.results.filter((e) => e.scenario === scenario),
  });
  const combined = combineParts([part('eager-tasks', '2025-01-01'), part('workers', '2025-01-02')]);
  expect(combined).toHaveLength(1);
  expect(new Set(combined[0].results.map((e) => e.scenario))).toEqual(new Set(['eager-tasks', 'workers']));
  expect(combined[0].config.scenarios).toEqual(['eager-tasks', 'workers']);
  expect(combined[0].run.id).toBe('workers');
});

test('a runtime label that ran another version in one part says which, in the runtimes table', () => {
  const full = makeResult({ seed: 1 });
  const part = (scenario: string, startedAt: string, version: string) => ({
    ...full,
    run: { ...full.run, id: scenario, startedAt },
    runtimes: full.runtimes.map((r) => (r.label === 'node' ? { ...r, version } : r)),
    results: full.results.filter((e) => e.scenario === scenario),
  });
  const [combined] = combineParts([
    part('eager-tasks', '2025-01-01', '24.1.0'),
    part('workers', '2025-01-02', '24.2.0'),
  ]);
  const node = combined.runtimes.filter((r) => r.label === 'node');
  expect(node.map((r) => r.version)).toEqual(['24.2.0']);
  expect(node[0].notes).toContain('24.1.0 measured eager-tasks (run of 2025-01-01)');
  expect(renderMarkdown([combined])).toContain('24.1.0 measured eager-tasks (run of 2025-01-01)');
  expect(combined.runtimes.find((r) => r.label !== 'node')?.notes.join()).not.toContain('measured');
});

test('files reported as one keep the machine of each entry, so the tables do not test cells of two machines', () => {
  const part = (seed: number, machine: string, startedAt: string) => {
    const file = makeResult({ seed, cells: standardCells([seed === 1 ? 'node' : 'bun'], ['eager-tasks']), startedAt });
    // a file from before entries named their machine: its entries are on the file's
    return { ...file, machine: { ...file.machine, id: machine } };
  };
  const [combined] = combineParts([part(1, 'ci-a', '2025-01-01'), part(2, 'ci-b', '2025-01-02')]);
  expect(new Set(combined.results.map((e) => `${e.runtime} ${e.machine}`))).toEqual(new Set(['node ci-a', 'bun ci-b']));
  expect(renderTerminal(combined, { color: false })).toContain('? beside cells measured on different machines');
});

test('parts reported as one: interrupted or uncommitted if any part was, and cells of other machines said so', () => {
  const part = (seed: number, machine: string, startedAt: string, complete: boolean, dirty: boolean) => {
    const file = makeResult({ seed, cells: standardCells([seed === 1 ? 'node' : 'bun'], ['eager-tasks']), startedAt });
    return {
      ...file,
      run: { ...file.run, complete },
      git: { commit: 'aaa', branch: 'main', dirty },
      machine: { ...file.machine, id: machine },
    };
  };
  const [combined] = combineParts([
    part(1, 'ci-a', '2025-01-01', false, true),
    part(2, 'ci-b', '2025-01-02', true, false),
  ]);
  expect(combined.run.complete).toBe(false);
  expect(combined.git?.dirty).toBe(true);
  const markdown = renderMarkdown([combined]);
  expect(markdown).toMatch(/\*\*Machine:\*\* .*\(\*\*\d+ of \d+ cells ran on 1 other machine\*\*\)/);
  expect(markdown).toContain('(uncommitted changes)');
  expect(markdown).toContain('(**interrupted**)');
});

test('a worker chart of cells from another machine than the file names draws no ideal line of the wrong core count', () => {
  const workers = makeResult({ seed: 3, cells: standardCells(['node'], ['workers']), startedAt: '2025-01-01' });
  const other = makeResult({ seed: 4, cells: standardCells(['node'], ['eager-tasks']), startedAt: '2025-01-02' });
  const on = (file: typeof workers, id: string, cores: number) => ({
    ...file,
    machine: { ...file.machine, id, cores },
  });
  const alone = on(workers, 'two-cores', 2);
  expect(workerScalingChart(alone.results, workerCores(alone)).caption).toContain('ideal on this 2-core machine');
  const [combined] = combineParts([alone, on(other, 'many-cores', 64)]);
  expect(workerCores(combined)).toBeUndefined();
  const chart = workerScalingChart(combined.results, workerCores(combined));
  expect(chart.caption).toContain('no ideal line');
  expect(JSON.stringify(chart.spec)).not.toContain('"series":"ideal"');
});

test("a later part of an earlier commit joins that commit's point, which keeps its place and says when it began", () => {
  const run = (commit: string, scenario: string, startedAt: string) => {
    const file = makeResult({ seed: startedAt.length, cells: standardCells(['node'], [scenario]), startedAt });
    return { ...file, git: { commit, branch: 'main', dirty: false } };
  };
  const points = combineParts([
    run('a', 'eager-tasks', '2025-01-01T10:00:00Z'),
    run('b', 'eager-tasks', '2025-01-02T10:00:00Z'),
    run('a', 'workers', '2025-01-03T10:00:00Z'),
  ]);
  // the history table lists each point by its start: commit a's, then b's, in time order
  expect(points.map((p) => [p.git?.commit, p.run.startedAt])).toEqual([
    ['a', '2025-01-01T10:00:00Z'],
    ['b', '2025-01-02T10:00:00Z'],
  ]);
  expect(new Set(points[0].results.map((e) => e.scenario))).toEqual(new Set(['eager-tasks', 'workers']));
});

test('runs that share entries stay a history', () => {
  const history = [makeResult({ seed: 1 }), makeResult({ seed: 2, startedAt: '2025-02-01T10:00:00.000Z' })];
  expect(combineParts(history)).toHaveLength(2);
});

test("in a history, the parts of one commit's run (a file per CI job) are one point: the newest has every job", () => {
  const job = (runtime: string, commit: string, startedAt: string) => {
    const file = makeResult({
      seed: startedAt.length + runtime.length,
      cells: standardCells([runtime], ['eager-tasks']),
      startedAt,
    });
    return { ...file, git: { commit, branch: 'main', dirty: false } };
  };
  const points = combineParts([
    job('node', 'aaa', '2025-01-01T10:00:00Z'),
    job('bun', 'aaa', '2025-01-01T10:01:00Z'),
    job('node', 'bbb', '2025-01-02T10:00:00Z'),
    // a re-run of bbb's node job: a point of its own, not bbb's node cells twice
    job('bun', 'bbb', '2025-01-02T10:01:00Z'),
    job('node', 'bbb', '2025-01-02T11:00:00Z'),
  ]);
  const runtimesOf = (f: (typeof points)[number]) => [...new Set(f.results.map((e) => e.runtime))].sort();
  expect(points.map(runtimesOf)).toEqual([['bun', 'node'], ['bun', 'node'], ['node']]);
});

test('files of runs with different --forks, reported as one, say so, and each interval how it was made', () => {
  const cells = (scenario: string) => standardCells(['node'], [scenario]);
  const three = makeResult({
    seed: 1,
    cells: cells('eager-tasks'),
    noise: { ...REALISTIC_NOISE, forks: 3 },
    startedAt: '2025-01-01T00:00:00Z',
  });
  const one = makeResult({ seed: 2, cells: cells('workers'), noise: { ...REALISTIC_NOISE, forks: 1 } });
  const [combined] = combineParts([three, one]);
  const out = renderTerminal(combined, { color: false });
  expect(out).toMatch(
    /1 to 3 forks per cell \(files of runs with different --forks\); 95% CI: .*Student's t.*; in other cells, .*within-process only/,
  );
  expect(out).toContain('Cells with 1 fork: CIs are within-process only');
  expect(renderMarkdown([combined])).toContain('1 to 3 forks per cell');
  // one run: its own count, whatever the newest file's config says
  expect(renderTerminal(three, { color: false })).toMatch(/^3 forks per cell; 95% CI: Student's t/m);
});

test('files are ordered by the instant their runs started, whatever UTC offset each was written with', () => {
  const at = (path: string, startedAt: string) => ({ path, file: makeResult({ seed: 1, startedAt }) });
  // 02:00Z written with +23:00 reads later as text than 07:53Z, and is earlier
  const order = inTimeOrder([at('a.json', '2026-12-06T07:53:00.000Z'), at('b.json', '2026-12-07T01:00:00+23:00')]);
  expect(order.map((l) => l.path)).toEqual(['b.json', 'a.json']);
});

test('one run named twice, by one path or by a copy, is reported as one run, not a history of two', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const dir = tempDir();
  const run = makeResult({ seed: 1, cells: standardCells(['node'], ['eager-tasks']) });
  const file = writeResult(dir, 'baseline.json', run);
  const copy = writeResult(dir, 'history-0123.json', run);
  const md = join(dir, 'r.md');
  expect(await report.run([file, copy, file, '--md', md])).toBe(0);
  expect(readFileSync(md, 'utf8')).not.toContain('## History');
  // two runs of one history stay two, and the shards of one run (one id, no entry in common) one report
  const later = writeResult(
    dir,
    'later.json',
    makeResult({ seed: 2, cells: standardCells(['node'], ['eager-tasks']), startedAt: '2025-02-01T00:00:00Z' }),
  );
  expect(await report.run([file, copy, later, '--md', md])).toBe(0);
  expect(readFileSync(md, 'utf8').match(/^\| run-\d \|/gm)).toEqual(['| run-1 |', '| run-2 |']);
  const shard2 = writeResult(dir, 'shard-2.json', makeResult({ seed: 1, cells: standardCells(['node'], ['workers']) }));
  expect(await report.run([file, shard2, '--md', md])).toBe(0);
  expect(readFileSync(md, 'utf8')).toMatch(/## eager-tasks[\s\S]*## workers/);
  vi.restoreAllMocks();
});
