// The default earlier runs of `run`: the latest runs of the same setup beside the new file, grouped by code.
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSessions, RECENT_RUNS, recentSessions, type ThisRun } from '../../src/cli/sessions.js';
import type { ResultFile } from '../../src/result/schema.js';
import { makeResult, REALISTIC_NOISE, standardCells } from '../fixtures/make-result.js';
import { writeResult } from '../fixtures/result-files.js';
import { tempDir } from '../support/temp.js';

const MACHINE = 'machine-under-test';
const CELLS = standardCells(['node'], ['eager-tasks']);
const NOISE = { ...REALISTIC_NOISE, forks: 3 };

function runOf(seed: number, change: Partial<ResultFile['run']> = {}): ResultFile {
  const result = makeResult({ seed, cells: CELLS, noise: NOISE, runId: `run-${seed}` });
  result.machine.id = MACHINE;
  result.run = { ...result.run, ...change };
  return result;
}

/** The new run: what every file of `runOf` was measured with. */
const sample = runOf(0);
const NOW: ThisRun = { machineId: MACHINE, config: sample.config, git: sample.git, runtimes: sample.runtimes };

/** A run of `runOf` with one thing of its measurement changed. */
function changed(seed: number, change: (run: ResultFile) => void): ResultFile {
  const run = runOf(seed);
  change(run);
  return run;
}

/** Writes the files in order, each one second newer than the one before (the first at `from` s). */
function writeInOrder(dir: string, files: [string, ResultFile | string][], from = 1_700_000_000): void {
  files.forEach(([name, content], i) => {
    const path = writeResult(dir, name, content);
    utimesSync(path, from + i, from + i);
  });
}

describe('recentSessions', () => {
  it(`takes the latest ${RECENT_RUNS} complete runs of the same setup, and passes over the rest`, () => {
    const dir = tempDir();
    const ours = Array.from({ length: RECENT_RUNS + 2 }, (_, i): [string, ResultFile] => [`ours-${i}.json`, runOf(i)]);
    writeInOrder(dir, [
      // older than ours: another revision counts only among the latest runs
      ['other-commit.json', changed(104, (r) => Object.assign(r.git ?? {}, { commit: 'f'.repeat(40) }))],
      ['dirty.json', changed(105, (r) => Object.assign(r.git ?? {}, { dirty: true }))],
      ...ours,
      ['other-machine.json', changed(100, (r) => Object.assign(r.machine, { id: 'another-machine' }))],
      ['other-engine.json', changed(101, (r) => Object.assign(r.config, { engine: 'tinybench' }))],
      ['other-duration.json', changed(102, (r) => Object.assign(r.config, { durationS: 1 }))],
      ['other-pin.json', changed(103, (r) => Object.assign(r.config, { pinCpu: 1 }))],
      ['other-node.json', changed(106, (r) => Object.assign(r.runtimes[0], { version: '22.0.0' }))],
      ['interrupted.json', runOf(107, { complete: false })],
      ['package.json', '{"name": "not a result file"}'],
      ['cut-short.json', '{"schema": "asyncbench/result@1", "run": {'],
      ['new.json', runOf(108)],
    ]);
    const recent = recentSessions(join(dir, 'new.json'), NOW);
    // newest first; the new run's own file is not an earlier run
    expect(recent?.sessions?.files).toEqual(
      ours
        .slice(2)
        .map(([name]) => name)
        .reverse(),
    );
    expect(recent?.sessions?.spread).toMatchObject({ runs: RECENT_RUNS, df: RECENT_RUNS - 1, cells: CELLS.length });
    expect(recent?.own?.history.centres.size).toBe(CELLS.length);
    expect(recent?.own?.history.runs).toBe(RECENT_RUNS);
    // a runtime this run does not measure is no reason to pass a file over
    expect(recentSessions(join(dir, 'new.json'), { ...NOW, runtimes: [] })?.sessions?.files).toContain(
      'other-node.json',
    );
  });

  it('groups runs by their code: the first runs after a commit borrow the spread of the runs before it', () => {
    const dir = tempDir();
    const otherCommit = (seed: number) => changed(seed, (r) => Object.assign(r.git ?? {}, { commit: 'b'.repeat(40) }));
    const dirty = (seed: number) => changed(seed, (r) => Object.assign(r.git ?? {}, { dirty: true }));
    writeInOrder(dir, [
      ['b-1.json', otherCommit(1)],
      ['b-2.json', otherCommit(2)],
      ['b-3.json', otherCommit(3)],
      ['dirty-1.json', dirty(4)],
    ]);
    // no run of this code yet: the spread is b's, and there is nothing to place the new run against
    const first = recentSessions(join(dir, 'new.json'), NOW);
    expect(first?.sessions?.files).toEqual(['b-3.json', 'b-2.json', 'b-1.json']);
    expect(first?.sessions?.spread).toMatchObject({ runs: 3, df: 2 });
    expect(first?.sessions?.spread.revisions).toBeUndefined();
    expect(first?.own).toBeUndefined();
    writeInOrder(
      dir,
      [
        ['ours-1.json', runOf(5)],
        ['ours-2.json', runOf(6)],
      ],
      1_800_000_000,
    );
    const third = recentSessions(join(dir, 'new.json'), NOW);
    expect(third?.sessions?.files).toEqual(['ours-2.json', 'ours-1.json', 'b-3.json', 'b-2.json', 'b-1.json']);
    expect(third?.sessions?.spread).toMatchObject({ runs: 5, df: 3, revisions: 2 });
    expect(third?.own?.history.runs).toBe(2);
  });

  it("takes a user's edited scenario file for another revision, not for the machine's spread", () => {
    const dir = tempDir();
    const version = (digest: string) => (seed: number) =>
      changed(seed, (r) => Object.assign(r.config, { scenarioFiles: { 'my-scenario': digest } }));
    const [oldFile, editedFile] = [version('aaaaaaaaaaaa'), version('bbbbbbbbbbbb')];
    writeInOrder(dir, [
      ['before-1.json', oldFile(1)],
      ['before-2.json', oldFile(2)],
      ['before-3.json', oldFile(3)],
    ]);
    const edited = { ...NOW, config: { ...NOW.config, scenarioFiles: { 'my-scenario': 'bbbbbbbbbbbb' } } };
    // the edited file's first run borrows the old version's spread, and is placed against none of its runs
    const first = recentSessions(join(dir, 'new.json'), edited);
    expect(first?.sessions?.spread).toMatchObject({ runs: 3 });
    expect(first?.own).toBeUndefined();
    writeInOrder(dir, [['after-1.json', editedFile(4)]], 1_800_000_000);
    expect(recentSessions(join(dir, 'new.json'), edited)?.own?.history.runs).toBe(1);
    // asyncbench's own scenarios are not a user's file: its runs are this code's
    expect(recentSessions(join(dir, 'new.json'), NOW)?.own).toBeUndefined();
  });

  it('counts a merged run once, not again for each of its shards', () => {
    const dir = tempDir();
    writeInOrder(dir, [
      ['first.json', runOf(1)],
      ['shard-1.json', runOf(2, { id: 'a' })],
      ['shard-2.json', runOf(3, { id: 'b' })],
      ['merged.json', runOf(4, { id: 'a+b' })],
    ]);
    expect(recentSessions(join(dir, 'new.json'), NOW)?.sessions?.files).toEqual(['merged.json', 'first.json']);
  });

  it('lends nothing with fewer than two earlier runs of a multi-fork cell, or no directory', () => {
    const dir = tempDir();
    writeInOrder(dir, [['other.json', changed(2, (r) => Object.assign(r.git ?? {}, { commit: 'c'.repeat(40) }))]]);
    expect(recentSessions(join(dir, 'new.json'), NOW)).toBeUndefined();
    // one run of this code: no spread, but its centres still place the new run
    writeInOrder(dir, [['only.json', runOf(1)]], 1_800_000_000);
    const one = recentSessions(join(dir, 'new.json'), NOW);
    expect(one?.sessions).toBeUndefined();
    expect(one?.own?.files).toEqual(['only.json']);
    expect(one?.own?.history).toMatchObject({ runs: 1 });
    expect(one?.own?.history.centres.size).toBe(CELLS.length);
    expect(recentSessions(join(dir, 'nowhere', 'new.json'), NOW)).toBeUndefined();
    expect(recentSessions(join(dir, 'new.json'), { ...NOW, machineId: undefined })).toBeUndefined();
  });
});

describe('loadSessions (--sessions PATH)', () => {
  it('counts a run once, however often it is named: a path twice, or a copy of its file', () => {
    const dir = tempDir();
    writeInOrder(dir, [
      ['a.json', runOf(1)],
      ['b.json', runOf(2)],
      ['copy-of-b.json', runOf(2)],
    ]);
    const [a, b, copy] = ['a.json', 'b.json', 'copy-of-b.json'].map((name) => join(dir, name));
    const once = loadSessions([a, b], MACHINE, join(dir, 'new.json'));
    const repeated = loadSessions([a, b, b, copy], MACHINE, join(dir, 'new.json'));
    expect(repeated?.sessions?.files).toEqual(['a.json', 'b.json']);
    expect(repeated?.sessions?.spread).toEqual(once?.sessions?.spread);
  });
});
