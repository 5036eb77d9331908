#!/usr/bin/env node
/**
 * Makes a result file the new baseline and files it in the history (layout: results/README.md):
 *   results/baseline.json          what `asyncbench compare` in CI measures against
 *   results/history/<commit>.json  one per commit, the input of the trend charts
 *
 * Usage: node scripts/refresh-baseline.js RESULT [--history-only] [--allow-dirty]
 * Refuses results that are incomplete, made with --quick, made outside git or from a dirty tree
 * (unless --allow-dirty): a baseline must be a full run of a known commit.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

function fail(message) {
  console.error(`refresh-baseline: ${message}`);
  process.exit(2);
}

function copyAtomic(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  copyFileSync(from, tmp);
  renameSync(tmp, to);
  console.log(`wrote ${to}`);
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) fail('usage: node scripts/refresh-baseline.js RESULT [--history-only] [--allow-dirty]');
let result;
try {
  result = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  fail(`cannot read ${file}: ${error.message}`);
}
if (result.schema !== 'asyncbench/result@1') fail(`${file} is not an asyncbench/result@1 file`);
if (!result.run?.complete) fail(`${file} is of an interrupted run`);
if (result.config?.quick) fail(`${file} was made with --quick: too few samples for a baseline`);
if (!result.git?.commit) fail(`${file} was not made in a git checkout: no commit to file it under`);
if (result.git.dirty && !args.includes('--allow-dirty'))
  fail(`${file} was made from a tree with uncommitted changes (--allow-dirty to accept)`);

copyAtomic(file, join(RESULTS, 'history', `${result.git.commit}.json`));
if (!args.includes('--history-only')) copyAtomic(file, join(RESULTS, 'baseline.json'));
