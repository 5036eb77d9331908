// The runs of a coverage study (coverage.js writes DIR/rep-NN.json) and the truth each run's
// intervals are judged against: the centre of the same cell over every *other* run (the geometric
// mean of their fork medians, the estimator's own definition), so no run is judged against itself.
// Shared by coverage.js, intervals.ts and moderated-t.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { medianOf } from './common.js';

/** Whether a file name is one of the study's runs (the other files of DIR are earlier runs it was given). */
export const isStudyRun = (name) => /^rep-\d+\.json$/.test(name);

/** The result files of the study's runs, in run order. */
export function studyRuns(dir) {
  return readdirSync(dir)
    .filter(isStudyRun)
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

/** The log of each ok fork's median. */
export function logForkMedians(entry) {
  return entry.forks.filter((f) => f.status === 'ok').map((f) => Math.log(medianOf(f.samples)));
}

/** The truth for run r's cell `key`, on the log scale; undefined with fewer than 3 other forks. */
export function logTruth(runs, r, key) {
  const others = runs.flatMap((run, i) =>
    i === r ? [] : run.results.filter((e) => e.key === key && e.status === 'ok').flatMap(logForkMedians),
  );
  return others.length < 3 ? undefined : others.reduce((s, x) => s + x, 0) / others.length;
}
