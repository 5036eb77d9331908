// The default earlier runs of `run`: the latest runs of this machine and engine beside the new file.
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECENT_RUNS, recentSessions } from '../../src/cli/sessions.js';
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

/** Writes the files in order, each one second newer than the one before. */
function writeInOrder(dir: string, files: [string, ResultFile | string][]): void {
  files.forEach(([name, content], i) => {
    const path = writeResult(dir, name, content);
    utimesSync(path, 1_700_000_000 + i, 1_700_000_000 + i);
  });
}

describe('recentSessions', () => {
  it(`takes the latest ${RECENT_RUNS} complete runs of this machine and engine, and passes over the rest`, () => {
    const dir = tempDir();
    const ours = Array.from({ length: RECENT_RUNS + 2 }, (_, i): [string, ResultFile] => [`ours-${i}.json`, runOf(i)]);
    const otherMachine = runOf(100);
    otherMachine.machine.id = 'another-machine';
    const otherEngine = runOf(101);
    otherEngine.config.engine = 'tinybench';
    writeInOrder(dir, [
      ...ours,
      ['other-machine.json', otherMachine],
      ['other-engine.json', otherEngine],
      ['interrupted.json', runOf(102, { complete: false })],
      ['package.json', '{"name": "not a result file"}'],
      ['cut-short.json', '{"schema": "asyncbench/result@1", "run": {'],
      ['new.json', runOf(103)],
    ]);
    const recent = recentSessions(join(dir, 'new.json'), MACHINE, 'mitata');
    // newest first; the new run's own file is not an earlier run
    expect(recent?.sessions.files).toEqual(
      ours
        .slice(2)
        .map(([name]) => name)
        .reverse(),
    );
    expect(recent?.sessions.spread).toMatchObject({ runs: RECENT_RUNS, df: RECENT_RUNS - 1, cells: CELLS.length });
    expect(recent?.history.size).toBe(CELLS.length);
  });

  it('counts a merged run once, not again for each of its shards', () => {
    const dir = tempDir();
    writeInOrder(dir, [
      ['first.json', runOf(1)],
      ['shard-1.json', runOf(2, { id: 'a' })],
      ['shard-2.json', runOf(3, { id: 'b' })],
      ['merged.json', runOf(4, { id: 'a+b' })],
    ]);
    expect(recentSessions(join(dir, 'new.json'), MACHINE, 'mitata')?.sessions.files).toEqual([
      'merged.json',
      'first.json',
    ]);
  });

  it('lends nothing with fewer than two earlier runs of a multi-fork cell, or no directory', () => {
    const dir = tempDir();
    writeInOrder(dir, [['only.json', runOf(1)]]);
    expect(recentSessions(join(dir, 'new.json'), MACHINE, 'mitata')).toBeUndefined();
    expect(recentSessions(join(dir, 'nowhere', 'new.json'), MACHINE, 'mitata')).toBeUndefined();
    expect(recentSessions(join(dir, 'new.json'), undefined, 'mitata')).toBeUndefined();
  });
});
