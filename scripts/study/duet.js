#!/usr/bin/env node
// Duet pairs against process pairs, A/A (issue 11; docs/ci.md, "Next"): for each micro cell of the
// CI suite, R rounds of one duet process (both builds in one process, batch by batch:
// duet-child.mjs) and one process pair (each build alone, back to back, in random order), all on
// one CPU. Prints the spread (sd) of the log ratio A/B over the rounds for both designs: what a
// paired test in `compare --base` has to see through.
//
//   node scripts/study/duet.js ROOT_A ROOT_B [--rounds 8] [--cpu N]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './common.js';

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '8' }, cpu: { type: 'string', default: '1' } },
  allowPositionals: true,
});
const [rootA, rootB] = positionals;
if (!rootB) throw new Error('usage: duet.js ROOT_A ROOT_B [--rounds 8] [--cpu N]');
const bin = join(root, 'node_modules/.bin');
const command = { node: [join(bin, 'node')], deno: [join(bin, 'deno'), 'run', '-A'], bun: [join(bin, 'bun')] };
const CELLS = [
  ['node', 'eager-tasks', 'eager', { hitRatio: 0.5, tasks: 100 }],
  ['bun', 'eager-tasks', 'eager', { hitRatio: 0.5, tasks: 100 }],
  ['bun', 'async-generators', 'async generator', { pageSize: 10 }],
  ['deno', 'async-tree', 'eager', { leaf: 'none' }],
  ['deno', 'fan-out', 'TaskGroup', { tasks: 1000, failAt: 'none' }],
  ['node', 'resources', 'withResource', { nesting: 3 }],
];

function child(rt, mode, scenario, caseName, params) {
  const [cmd, ...pre] = command[rt];
  const args = [...pre, join(root, 'scripts/study/duet-child.mjs'), mode, rootA, rootB, scenario, caseName];
  const out = execFileSync('taskset', ['-c', values.cpu, cmd, ...args, JSON.stringify(params)], { cwd: root });
  return Number(out.toString().trim());
}

const sd = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
console.log('| cell | runtime | duet: sd of log(A/B) | process pairs: sd of log(A/B) |\n|---|---|--:|--:|');
for (const [rt, scenario, caseName, params] of CELLS) {
  const duet = [];
  const pairs = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    duet.push(child(rt, 'duet', scenario, caseName, params));
    const first = Math.random() < 0.5 ? 'A' : 'B';
    const a = first === 'A' ? child(rt, 'A', scenario, caseName, params) : undefined;
    const b = child(rt, 'B', scenario, caseName, params);
    pairs.push(Math.log((a ?? child(rt, 'A', scenario, caseName, params)) / b));
  }
  console.log(`| ${scenario}/${caseName} | ${rt} | ${sd(duet).toFixed(3)} | ${sd(pairs).toFixed(3)} |`);
}
