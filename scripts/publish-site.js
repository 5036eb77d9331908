#!/usr/bin/env node
/**
 * Builds the publishable report site from the history (results/history/*.json, see
 * results/README.md): OUT/index.html (self-contained, no script, no CDN), OUT/svg/*.svg and
 * OUT/results.md. Upload OUT to GitHub Pages (docs/github-workflow.yml does) or any static host.
 *
 * Usage: node scripts/publish-site.js [--out DIR] [--history DIR] [--last N]
 *   --out DIR       where to write the site (default: site)
 *   --history DIR   where the result files are (default: results/history)
 *   --last N        only the N newest runs feed the trend charts (default: 30)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const out = option('--out', 'site');
const historyDir = option('--history', join(ROOT, 'results', 'history'));
const last = Number(option('--last', '30'));

let files;
try {
  files = readdirSync(historyDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(historyDir, f));
} catch (error) {
  console.error(`publish-site: cannot list ${historyDir}: ${error.code ?? error.message}`);
  process.exit(2);
}
if (files.length === 0) {
  console.error(`publish-site: no result files in ${historyDir} (scripts/refresh-baseline.js files them there)`);
  process.exit(2);
}
const startedAt = (f) => JSON.parse(readFileSync(f, 'utf8')).run?.startedAt ?? '';
const newest = files
  .map((f) => [startedAt(f), f])
  .sort()
  .slice(-last)
  .map(([, f]) => f);

const cli = join(ROOT, 'bin', 'asyncbench.js');
const args = [cli, 'report', ...newest, '--html', out, '--svg', join(out, 'svg'), '--md', join(out, 'results.md')];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(run.status ?? 1);
