/**
 * The intervals of a coverage study (coverage.js) two ways: as printed (with the run-to-run spread
 * when the runs had `--sessions`) and recomputed from the same forks alone. For each, how many
 * covered the centre of the other runs (coverage.js's truth) and the median half-width; then each
 * run's spread as its result file recorded it, its shift against the result files in DIR of its own
 * code that started before it (with the spread pooled within each revision, as a run writing into
 * DIR gets by default) and how many of its intervals covered (docs/architecture.md, "Run-to-run
 * spread").
 *
 *   npx esbuild --bundle --format=esm --platform=node scripts/study/intervals.ts --outfile=.tmp/intervals.mjs
 *   node .tmp/intervals.mjs DIR       (DIR: the --out of coverage.js)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  estimateCentre,
  historyOf,
  type RunCells,
  runCells,
  runShift,
  sessionSpread,
} from '../../src/result/estimator.js';
import { type ConfidenceInterval, codeOf, type ResultEntry, type ResultFile } from '../../src/result/schema.js';
import { median } from '../../src/result/stats.js';
import { isStudyRun, logTruth, studyRuns } from './study-runs.mjs';

const dir = process.argv[2];
const runs = studyRuns(dir);
/** Every result file of DIR, the study's runs and any earlier ones it was given, as its cells' centres. */
const everyFile = [
  ...runs,
  ...readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !isStudyRun(f))
    .map((f): ResultFile => JSON.parse(readFileSync(join(dir, f), 'utf8'))),
].map((file) => ({ startedAt: file.run.startedAt, code: codeOf(file.git, file.config), cells: runCells(file) }));

/** The run against the files of DIR that started before it: the spread within each revision, the shift against its own. */
function shiftOf(run: ResultFile): string {
  const groups = new Map<string, RunCells[]>();
  for (const f of everyFile.filter((f) => f.startedAt < run.run.startedAt))
    groups.set(f.code, [...(groups.get(f.code) ?? []), f.cells]);
  const spread = sessionSpread([...groups.values()]);
  const own = groups.get(codeOf(run.git, run.config)) ?? [];
  const shift = spread && own.length > 0 && runShift(run.results, historyOf(own), spread);
  return shift ? `, shift ${shift.ratio.toFixed(2)}x${shift.beyond ? ' BEYOND the spread' : ''}` : '';
}

const samplesOf = (e: ResultEntry) => e.forks.filter((f) => f.status === 'ok').map((f) => f.samples);

const tally = {
  printed: { covered: 0, widths: [] as number[] },
  'forks only': { covered: 0, widths: [] as number[] },
};
let total = 0;
for (const [r, run] of runs.entries()) {
  const before = { total, printed: tally.printed.covered, forks: tally['forks only'].covered };
  for (const e of run.results) {
    const log = e.status === 'ok' && e.stats ? logTruth(runs, r, e.key) : undefined;
    if (log === undefined || !e.stats) continue;
    const truth = Math.exp(log);
    total++;
    const both: [keyof typeof tally, ConfidenceInterval][] = [
      ['printed', e.stats.ci],
      ['forks only', estimateCentre(samplesOf(e)).ci],
    ];
    for (const [name, ci] of both) {
      tally[name].covered += ci.low <= truth && truth <= ci.high ? 1 : 0;
      tally[name].widths.push((ci.high - ci.low) / 2 / e.stats.median);
    }
  }
  const s = run.config.sessions;
  const spread = s
    ? `spread ${(100 * Math.sqrt(s.spread.variance)).toFixed(1)}% (${s.spread.runs} runs)`
    : 'no --sessions';
  const covered = `covered ${tally.printed.covered - before.printed}/${total - before.total} (forks only ${tally['forks only'].covered - before.forks})`;
  console.log(`run ${r + 1} (${run.run.startedAt}): ${spread}${shiftOf(run)}; ${covered}`);
}
for (const [name, t] of Object.entries(tally))
  console.log(
    `${name}: ${t.covered} of ${total} (${((100 * t.covered) / Math.max(total, 1)).toFixed(1)}%) covered, median half-width ±${(100 * median(t.widths)).toFixed(1)}%`,
  );
