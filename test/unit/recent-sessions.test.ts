// The default earlier runs of `run`: the latest runs of the same measurement beside the new file.
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECENT_RUNS, recentSessions, type ThisRun } from '../../src/cli/sessions.js';
import type { ResultFile } from '../../src/result/schema.js';
import { makeResult, REALISTIC_NOISE, standardCells } from '../fixtures/make-result.js';
import { tempDir, writeResult } from '../fixtures/result-files.js';

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

/** Writes the files in order, each one second newer than the one before. */
function writeInOrder(dir: string, files: [string, ResultFile | string][]): void {
  files.forEach(([name, content], i) => {
    const path = writeResult(dir, name, content);
    utimesSync(path, 1_700_000_000 + i, 1_700_000_000 + i);
  });
}

describe('recentSessions', () => {
  it(`takes the latest ${RECENT_RUNS} complete runs of the same measurement, and passes over the rest`, () => {
    const dir = tempDir();
    const ours = Array.from({ length: RECENT_RUNS + 2 }, (_, i): [string, ResultFile] => [`ours-${i}.json`, runOf(i)]);
    writeInOrder(dir, [
      ...ours,
      ['other-machine.json', changed(100, (r) => Object.assign(r.machine, { id: 'another-machine' }))],
      ['other-engine.json', changed(101, (r) => Object.assign(r.config, { engine: 'tinybench' }))],
      ['other-duration.json', changed(102, (r) => Object.assign(r.config, { durationS: 1 }))],
      ['other-pin.json', changed(103, (r) => Object.assign(r.config, { pinCpu: 1 }))],
      ['other-commit.json', changed(104, (r) => Object.assign(r.git ?? {}, { commit: 'f'.repeat(40) }))],
      ['dirty.json', changed(105, (r) => Object.assign(r.git ?? {}, { dirty: true }))],
      ['other-node.json', changed(106, (r) => Object.assign(r.runtimes[0], { version: '22.0.0' }))],
      ['interrupted.json', runOf(107, { complete: false })],
      ['package.json', '{"name": "not a result file"}'],
      ['cut-short.json', '{"schema": "asyncbench/result@1", "run": {'],
      ['new.json', runOf(108)],
    ]);
    const recent = recentSessions(join(dir, 'new.json'), NOW);
    // newest first; the new run's own file is not an earlier run
    expect(recent?.sessions.files).toEqual(
      ours
        .slice(2)
        .map(([name]) => name)
        .reverse(),
    );
    expect(recent?.sessions.spread).toMatchObject({ runs: RECENT_RUNS, df: RECENT_RUNS - 1, cells: CELLS.length });
    expect(recent?.history.size).toBe(CELLS.length);
    // a runtime this run does not measure is no reason to pass a file over
    expect(recentSessions(join(dir, 'new.json'), { ...NOW, runtimes: [] })?.sessions.files).toContain(
      'other-node.json',
    );
  });

  it('counts a merged run once, not again for each of its shards', () => {
    const dir = tempDir();
    writeInOrder(dir, [
      ['first.json', runOf(1)],
      ['shard-1.json', runOf(2, { id: 'a' })],
      ['shard-2.json', runOf(3, { id: 'b' })],
      ['merged.json', runOf(4, { id: 'a+b' })],
    ]);
    expect(recentSessions(join(dir, 'new.json'), NOW)?.sessions.files).toEqual(['merged.json', 'first.json']);
  });

  it('lends nothing with fewer than two earlier runs of a multi-fork cell, or no directory', () => {
    const dir = tempDir();
    writeInOrder(dir, [['only.json', runOf(1)]]);
    expect(recentSessions(join(dir, 'new.json'), NOW)).toBeUndefined();
    expect(recentSessions(join(dir, 'nowhere', 'new.json'), NOW)).toBeUndefined();
    expect(recentSessions(join(dir, 'new.json'), { ...NOW, machineId: undefined })).toBeUndefined();
  });
});
