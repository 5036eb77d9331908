#!/usr/bin/env node
// Coverage of the printed 95% interval over real repeated runs (issue 10, docs/architecture.md
// "Honest intervals"). Runs the same cells R times with F forks each; for run r the truth of a cell
// is its centre over every *other* run (study-runs.mjs).
//
//   node scripts/study/coverage.js --out DIR [--reps 20] [--forks 3] [-- extra asyncbench run args]
//   node scripts/study/coverage.js --out DIR --table
//
// Each run writes into DIR, so by default it includes the run-to-run spread of the runs before it
// there (docs/architecture.md, "Run-to-run spread"); `-- --sessions none` measures the forks-only
// intervals, `-- --sessions OTHER` a fixed history. scripts/study/intervals.ts sets the printed
// intervals against the forks-only ones of the same runs.
//
// Build first (npm run build).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, STUDY_CELLS } from './common.js';
import { logTruth, studyRuns } from './study-runs.mjs';

const { values, positionals } = parseArgs({
  options: {
    out: { type: 'string' },
    reps: { type: 'string', default: '20' },
    forks: { type: 'string', default: '3' },
    table: { type: 'boolean' },
  },
  allowPositionals: true,
});
if (!values.out) throw new Error('--out DIR is required');
mkdirSync(values.out, { recursive: true });

if (!values.table)
  for (let rep = 0; rep < Number(values.reps); rep++) {
    const json = join(values.out, `rep-${String(rep).padStart(2, '0')}.json`);
    if (existsSync(json)) continue;
    console.error(`repetition ${rep + 1}/${values.reps}`);
    const args = ['run', ...STUDY_CELLS, '--forks', values.forks, '--json', json, ...positionals];
    try {
      execFileSync(process.execPath, [join(root, 'bin/asyncbench.js'), ...args], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch (error) {
      if (error.status !== 1) throw error;
    }
  }

const runs = studyRuns(values.out);
let covered = 0;
let total = 0;
const byRuntime = {};
for (const [r, run] of runs.entries())
  for (const e of run.results) {
    if (e.status !== 'ok') continue;
    const log = logTruth(runs, r, e.key);
    if (log === undefined) continue;
    const truth = Math.exp(log);
    const hit = e.stats.ci.low <= truth && truth <= e.stats.ci.high;
    covered += hit ? 1 : 0;
    total++;
    const t = byRuntime[e.runtime] ?? { covered: 0, total: 0 };
    t.covered += hit ? 1 : 0;
    t.total++;
    byRuntime[e.runtime] = t;
  }
console.log(`${runs.length} runs x ${runs[0]?.results.length ?? 0} entries, ${runs[0]?.config.forks} forks each`);
for (const [rt, t] of Object.entries(byRuntime)) console.log(`  ${rt}: ${t.covered} of ${t.total} intervals covered`);
console.log(
  `coverage: ${covered} of ${total} (${((100 * covered) / Math.max(total, 1)).toFixed(1)}%) of the printed 95% intervals`,
);
