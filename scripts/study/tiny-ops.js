#!/usr/bin/env node
// Sub-100 ns ops: asyncbench against mitata run on its own (issue 10's goal: within 10%). The two
// sides run in rounds, side by side in time and on the same CPU: each round is one `asyncbench run`
// of the ops with one fork (pinned where asyncbench pins), then two processes of standalone mitata
// per runtime and op (the README's wrapped bench and the op benched directly; tiny-ops-mitata.mjs),
// pinned to that same CPU. A shared host's phases (docs/architecture.md,
// "Stable forks") then fall on both sides of a round alike, and the ratio is taken round by round.
//
//   node scripts/study/tiny-ops.js [--runtime node,deno,bun] [--rounds 5] [-- extra asyncbench run args]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { medianOf, root } from './common.js';
import { TINY_OPS } from './tiny-ops-shared.mjs';

const { values, positionals } = parseArgs({
  options: { runtime: { type: 'string', default: 'node,deno,bun' }, rounds: { type: 'string', default: '5' } },
  allowPositionals: true,
});
const bin = join(root, 'node_modules/.bin');
const here = join(root, 'scripts/study');
const command = { node: [join(bin, 'node')], deno: [join(bin, 'deno'), 'run', '-A'], bun: [join(bin, 'bun')] };
const runtimes = values.runtime.split(',');
const dir = mkdtempSync(join(tmpdir(), 'tiny-ops-'));

/** One asyncbench fork of every (runtime, op): { 'rt op': fork median }, and the CPU it pinned. */
function asyncbenchRound(round) {
  const json = join(dir, `round-${round}.json`);
  const args = ['run', join(here, 'tiny-ops.ts'), '--runtime', values.runtime, '--forks', '1', '--json', json];
  execFileSync(process.execPath, [join(root, 'bin/asyncbench.js'), ...args, ...positionals], { stdio: 'ignore' });
  const result = JSON.parse(readFileSync(json, 'utf8'));
  const medians = Object.fromEntries(
    result.results.map((e) => [`${e.runtime} ${e.case}`, medianOf(e.forks[0].samples)]),
  );
  return { medians, cpu: result.config.pinCpu };
}

/** Standalone mitata's median for one op in a fresh process (`form`: see tiny-ops-mitata.mjs), on `cpu` when asyncbench pinned. */
function mitataAlone(rt, op, cpu, form) {
  const [cmd, ...pre] = command[rt];
  const argv = [...pre, join(here, 'tiny-ops-mitata.mjs'), op, form];
  const [file, args] = cpu === undefined ? [cmd, argv] : ['taskset', ['-c', String(cpu), cmd, ...argv]];
  return Number(execFileSync(file, args, { cwd: root }).toString());
}

const rows = new Map(); // 'rt op' -> { wrapped: [], direct: [], harness: [] }
for (let round = 0; round < Number(values.rounds); round++) {
  console.error(`round ${round + 1}/${values.rounds}`);
  const { medians, cpu } = asyncbenchRound(round);
  for (const rt of runtimes)
    for (const op of Object.keys(TINY_OPS)) {
      const row = rows.get(`${rt} ${op}`) ?? { wrapped: [], direct: [], harness: [] };
      row.harness.push(medians[`${rt} ${op}`]);
      row.wrapped.push(mitataAlone(rt, op, cpu, 'wrapped'));
      row.direct.push(mitataAlone(rt, op, cpu, 'direct'));
      rows.set(`${rt} ${op}`, row);
    }
}

const range = (xs, digits = 1) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
const cell = (xs) => `${medianOf(xs).toFixed(1)} ns (${range(xs)})`;
/** asyncbench against one reference, round by round: the median ratio (range) */
const ratio = (harness, reference) => {
  const ratios = harness.map((h, i) => h / reference[i]);
  return `${medianOf(ratios).toFixed(2)} (${range(ratios, 2)})`;
};
const n = values.rounds;
console.log(
  `| runtime | op | mitata alone, wrapped, median of ${n} (range) | mitata alone, direct | asyncbench, median of ${n} forks (range) | ratio to wrapped, median over rounds (range) | ratio to direct |`,
);
console.log('|---|---|--:|--:|--:|--:|--:|');
for (const [key, { wrapped, direct, harness }] of rows) {
  const [rt, op] = key.split(' ');
  console.log(
    `| ${rt} | ${op} | ${cell(wrapped)} | ${cell(direct)} | ${cell(harness)} | ${ratio(harness, wrapped)} | ${ratio(harness, direct)} |`,
  );
}
