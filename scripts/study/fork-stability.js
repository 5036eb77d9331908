#!/usr/bin/env node
// The fork-stability study (issue 10, docs/architecture.md "Stable forks"): the between-fork CV of
// the study's micro cells (common.js) under several ways of starting the measuring process, the
// conditions interleaved repetition by repetition so a machine's drift falls on all of them alike.
//
//   node scripts/study/fork-stability.js --out DIR [--forks 5] [--reps 2] [--conditions a,b,...]
//   node scripts/study/fork-stability.js --out DIR --table        (print the table of an earlier study)
//
// Prints, per condition and runtime, the median over cells of the between-fork CV, and keeps every
// result file in DIR. Build first (npm run build).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { medianOf, root, STUDY_CELLS } from './common.js';

/**
 * How each condition starts the measuring processes: run options and environment of the
 * orchestrator. `baseline` is the harness before pinning became its default; the others change
 * one thing against it.
 */
const UNPINNED = ['--pin-cpu', 'off'];
export const CONDITIONS = {
  baseline: { args: UNPINNED },
  'seed-fixed': { args: UNPINNED, env: { ASYNCBENCH_SEED: '42' } },
  'seed-rotate': { args: UNPINNED, env: { ASYNCBENCH_SEED: 'rotate' } },
  'aslr-off': { args: UNPINNED, env: { ASYNCBENCH_CHILD_PREFIX: 'setarch -R' } },
  'pin-cpu': { args: ['--pin-cpu', '1'] },
  'pin-cpu0': { args: ['--pin-cpu', '0'] },
  'warmup-500ms': { args: UNPINNED, env: { ASYNCBENCH_WARMUP_MS: '500' } },
  // pinned, with the batched sample of 0.5 ms it had before 0.1 ms became the default
  'pin-cpu-sample-0.5ms': { args: ['--pin-cpu', '1'], env: { ASYNCBENCH_SAMPLE_MS: '0.5' } },
};

function run(condition, rep, forks, out, extra) {
  const json = join(out, `${condition}-${rep}.json`);
  if (existsSync(json)) return;
  const { args: options = [], env = {} } = CONDITIONS[condition];
  const args = ['run', ...STUDY_CELLS, '--forks', String(forks), '--json', json, ...options, ...extra];
  console.error(`${condition} #${rep}`);
  try {
    execFileSync(process.execPath, [join(root, 'bin/asyncbench.js'), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...env },
    });
  } catch (error) {
    if (error.status !== 1) throw error;
  }
}

function table(out) {
  const rows = new Map();
  for (const f of readdirSync(out).filter((f) => f.endsWith('.json'))) {
    const condition = f.replace(/-\d+\.json$/, '');
    const result = JSON.parse(readFileSync(join(out, f), 'utf8'));
    for (const e of result.results) {
      if (e.status !== 'ok' || e.stats?.betweenForkCv === undefined) continue;
      const key = `${condition}\t${e.runtime}`;
      rows.set(key, [...(rows.get(key) ?? []), e.stats.betweenForkCv]);
    }
  }
  const runtimes = ['node', 'deno', 'bun'];
  console.log(`| condition | ${runtimes.join(' | ')} |\n|---|${runtimes.map(() => '--:').join('|')}|`);
  for (const condition of Object.keys(CONDITIONS)) {
    const cells = runtimes.map((r) => rows.get(`${condition}\t${r}`));
    if (cells.every((c) => !c)) continue;
    const fmt = (c) => (c ? `${(100 * medianOf(c)).toFixed(1)}% (${c.length})` : '—');
    console.log(`| ${condition} | ${cells.map(fmt).join(' | ')} |`);
  }
  console.log('\nmedian over cells of the between-fork CV (cells counted in brackets)');
}

const { values, positionals } = parseArgs({
  options: {
    out: { type: 'string' },
    forks: { type: 'string', default: '5' },
    reps: { type: 'string', default: '1' },
    conditions: { type: 'string', default: Object.keys(CONDITIONS).join(',') },
    table: { type: 'boolean' },
  },
  allowPositionals: true,
});
if (!values.out) throw new Error('--out DIR is required');
mkdirSync(values.out, { recursive: true });
if (!values.table) {
  const conditions = values.conditions.split(',');
  for (let rep = 0; rep < Number(values.reps); rep++)
    for (let i = 0; i < conditions.length; i++) {
      // rotate the order each repetition: no condition always runs first or last
      run(conditions[(i + rep) % conditions.length], rep, Number(values.forks), values.out, positionals);
    }
}
table(values.out);
