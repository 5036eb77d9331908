#!/usr/bin/env node
// The worker scaling table (SCENARIOS.md, headline chart 2): runs the `workers` scenario across its
// matrix and prints, per runtime and case, tasks/s by worker count, the speedup over one worker and
// the efficiency against the ideal (speedup / min(workers, cores)), so the figures can be reproduced
// on a larger machine. Usage: USAGE below (--help). Build first (npm run build).
//
// Bad input (an unknown flag, which `asyncbench run` refuses; a --from file that is missing, corrupt,
// invalid or holds no workers entry) is one line and exit 2, as in the CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runScript } from './project-modules.js';

const USAGE = `Usage: node scripts/worker-scaling.js [--runtime node,deno,bun] [--forks N] [--duration S] [--quick]
       node scripts/worker-scaling.js --from RESULT.json      (only print the table of an earlier run)
  Other flags are passed on to \`asyncbench run workers\` (asyncbench run --help).`;

/** the result of `asyncbench run workers ...args`, or the exit code to leave with when it gave none */
function runWorkers(args, readResultFile) {
  const dir = mkdtempSync(join(tmpdir(), 'asyncbench-scaling-'));
  const json = join(dir, 'workers.json');
  try {
    const cli = join(ROOT, 'bin/asyncbench.js');
    const run = spawnSync(process.execPath, [cli, 'run', 'workers', '--json', json, ...args], { stdio: 'inherit' });
    // exit code 1 (a failed cell) still leaves a result file worth printing; 2 (bad usage) was one
    // line of asyncbench's own
    if (run.status === 2) return 2;
    if (run.status !== 0 && run.status !== 1) {
      console.error(
        `worker-scaling: asyncbench run ${run.signal ? `was killed by ${run.signal}` : `exited ${run.status}`}`,
      );
      return run.status ?? 1;
    }
    return readResultFile(json);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 'cores' and '2xcores' as numbers on the machine that ran them; anything else is no worker count */
function workerCount(value, cores, UsageError) {
  if (value === 'cores') return cores;
  if (value === '2xcores') return 2 * cores;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`a workers entry has workers=${JSON.stringify(value)}: not a worker count`);
  return n;
}

function scalingRows(result, UsageError) {
  const cores = result.machine.cores;
  const groups = new Map();
  for (const entry of result.results.filter((e) => e.scenario === 'workers')) {
    const key = `${entry.runtime}\t${entry.case}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({
      workers: workerCount(entry.params.workers, cores, UsageError),
      label: String(entry.params.workers),
      entry,
    });
  }
  const rows = [];
  for (const [key, cells] of groups) {
    const [runtime, caseName] = key.split('\t');
    cells.sort((a, b) => a.workers - b.workers);
    const one = cells.find((c) => c.workers === 1 && c.entry.stats)?.entry.stats.median;
    for (const { workers, label, entry } of cells) {
      const tasks = entry.stats?.median;
      const speedup = tasks !== undefined && one ? tasks / one : undefined;
      const efficiency = speedup !== undefined ? speedup / Math.min(workers, cores) : undefined;
      rows.push({
        runtime,
        caseName,
        workers: label === String(workers) ? label : `${label} (${workers})`,
        tasks,
        speedup,
        efficiency,
        status: entry.status,
        reason: entry.reason,
      });
    }
  }
  return { cores, rows };
}

/**
 * The table, then one line per cell that did not run with its whole reason: a reason is a sentence
 * (often with the runtime's error in it), and cut to fit a column it lost its end and widened the
 * tasks/s column to its own length.
 */
function printTable({ cores, rows }) {
  const fmt = (value, digits, suffix = '') => (value === undefined ? '-' : `${value.toFixed(digits)}${suffix}`);
  const lines = [['runtime', 'case', 'workers', 'tasks/s', 'speedup', 'efficiency']];
  const reasons = [];
  for (const r of rows) {
    if (r.status !== 'ok') {
      lines.push([r.runtime, r.caseName, r.workers, r.status, '', '']);
      reasons.push(`${r.runtime} ${r.caseName} workers=${r.workers}: ${r.status}: ${r.reason ?? 'no reason recorded'}`);
    } else
      lines.push([
        r.runtime,
        r.caseName,
        r.workers,
        fmt(r.tasks, 0),
        fmt(r.speedup, 2, 'x'),
        fmt(r.efficiency === undefined ? undefined : r.efficiency * 100, 0, '%'),
      ]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  console.log(`\nworker scaling on ${cores} cores (ideal: speedup = min(workers, cores), efficiency 100%)`);
  for (const line of lines)
    console.log(
      line
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
  if (reasons.length > 0) console.log(`\n${reasons.join('\n')}`);
}

await runScript('worker-scaling', ({ parseFlags, readResultFile, UsageError }) => {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let result;
  if (argv.some((a) => a === '--from' || a.startsWith('--from='))) {
    // printing an earlier run's table takes nothing but the file
    const { values } = parseFlags(argv, { from: { type: 'string' } }, false);
    result = readResultFile(values.from);
    if (!result.results.some((e) => e.scenario === 'workers'))
      throw new UsageError(`${values.from} has no entry of the workers scenario: no table to print`);
  } else {
    result = runWorkers(argv, readResultFile);
    if (typeof result === 'number') return result;
  }
  printTable(scalingRows(result, UsageError));
  return 0;
});
