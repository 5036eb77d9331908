#!/usr/bin/env node
// The worker scaling table (SCENARIOS.md, headline chart 2): runs the `workers` scenario across its
// matrix and prints, per runtime and case, tasks/s by worker count, the speedup over one worker and
// the efficiency against the ideal (speedup / min(workers, cores)), so the figures can be reproduced
// on a larger machine.
//
//   node scripts/worker-scaling.js [--runtime node,deno,bun] [--forks N] [--duration S] [--quick]
//   node scripts/worker-scaling.js --from RESULT.json      (only print the table of an earlier run)
//
// Build first (npm run build). Other flags are passed on to `asyncbench run`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function runWorkers(args) {
  const dir = mkdtempSync(join(tmpdir(), 'asyncbench-scaling-'));
  const json = join(dir, 'workers.json');
  try {
    // exit code 1 (a failed cell) still leaves a result file worth printing
    try {
      execFileSync(process.execPath, [join(root, 'bin/asyncbench.js'), 'run', 'workers', '--json', json, ...args], {
        stdio: 'inherit',
      });
    } catch (error) {
      if (error.status !== 1) throw error;
    }
    return JSON.parse(readFileSync(json, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 'cores' and '2xcores' as numbers on the machine that ran them */
function workerCount(value, cores) {
  if (value === 'cores') return cores;
  if (value === '2xcores') return 2 * cores;
  return Number(value);
}

function scalingRows(result) {
  const cores = result.machine.cores;
  const groups = new Map();
  for (const entry of result.results.filter((e) => e.scenario === 'workers')) {
    const key = `${entry.runtime}\t${entry.case}`;
    if (!groups.has(key)) groups.set(key, []);
    groups
      .get(key)
      .push({ workers: workerCount(entry.params.workers, cores), label: String(entry.params.workers), entry });
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

function printTable({ cores, rows }) {
  const fmt = (value, digits, suffix = '') => (value === undefined ? '-' : `${value.toFixed(digits)}${suffix}`);
  const lines = [['runtime', 'case', 'workers', 'tasks/s', 'speedup', 'efficiency']];
  for (const r of rows) {
    if (r.status !== 'ok')
      lines.push([r.runtime, r.caseName, r.workers, `${r.status}: ${(r.reason ?? '').slice(0, 60)}`, '', '']);
    else
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
  for (const line of lines) console.log(line.map((cell, i) => cell.padEnd(widths[i])).join('  '));
}

const argv = process.argv.slice(2);
const from = argv.indexOf('--from');
const result = from >= 0 ? JSON.parse(readFileSync(argv[from + 1], 'utf8')) : runWorkers(argv);
printTable(scalingRows(result));
