#!/usr/bin/env node
// Sub-100 ns ops: asyncbench against mitata run on its own (issue 10's goal: within 10%). For each
// runtime and op, 5 fresh processes of standalone mitata (their median), then `asyncbench run` of
// the same ops with 5 forks (its centre, the geometric mean of fork medians).
//
//   node scripts/study/tiny-ops.js [--runtime node,deno,bun] [-- extra asyncbench run args]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { medianOf, root } from './common.js';
import { TINY_OPS } from './tiny-ops-shared.mjs';

const { values, positionals } = parseArgs({
  options: { runtime: { type: 'string', default: 'node,deno,bun' }, processes: { type: 'string', default: '5' } },
  allowPositionals: true,
});
const bin = join(root, 'node_modules/.bin');
const here = join(root, 'scripts/study');
const command = { node: [join(bin, 'node')], deno: [join(bin, 'deno'), 'run', '-A'], bun: [join(bin, 'bun')] };
const runtimes = values.runtime.split(',');

const json = join(mkdtempSync(join(tmpdir(), 'tiny-ops-')), 'r.json');
const args = [
  'run',
  join(here, 'tiny-ops.ts'),
  '--runtime',
  values.runtime,
  '--forks',
  values.processes,
  '--json',
  json,
];
execFileSync(process.execPath, [join(root, 'bin/asyncbench.js'), ...args, ...positionals], { stdio: 'ignore' });
const result = JSON.parse(readFileSync(json, 'utf8'));

console.log(
  '| runtime | op | mitata alone, median of 5 (range) | asyncbench (fork medians) | ratio |\n|---|---|--:|--:|--:|',
);
for (const rt of runtimes)
  for (const op of Object.keys(TINY_OPS)) {
    const alone = Array.from({ length: Number(values.processes) }, () => {
      const [cmd, ...pre] = command[rt];
      return Number(execFileSync(cmd, [...pre, join(here, 'tiny-ops-mitata.mjs'), op], { cwd: root }).toString());
    });
    const e = result.results.find((x) => x.runtime === rt && x.case === op);
    const forks = e.forks.map((f) => medianOf(f.samples));
    const range = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
    const ratio = e.stats.median / medianOf(alone);
    console.log(
      `| ${rt} | ${op} | ${medianOf(alone).toFixed(1)} ns (${range(alone)}) | ${e.stats.median.toFixed(1)} ns (${range(forks)}) | ${ratio.toFixed(2)} |`,
    );
  }
