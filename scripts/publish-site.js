#!/usr/bin/env node
/**
 * Builds the publishable report site from the history (results/history/*.json, see
 * results/README.md): OUT/index.html (self-contained, no script, no CDN), OUT/svg/*.svg and
 * OUT/results.md. Upload OUT to GitHub Pages (docs/github-workflow.yml does) or any static host.
 *
 * Usage: USAGE below (--help). Every history file is read as the CLI reads it (src/result/io.ts):
 * a missing, corrupt or invalid one, like a bad flag, is one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runScript } from './project-modules.js';

const USAGE = `Usage: node scripts/publish-site.js [--out DIR] [--history DIR] [--last N]
  --out DIR       where to write the site (default: site)
  --history DIR   where the result files are (default: results/history)
  --last N        only the N newest runs feed the trend charts (a whole number from 1 to 10000; default: 30)`;

await runScript('publish-site', ({ parseFlags, intFlag, readResultFile, UsageError }) => {
  const { values } = parseFlags(
    process.argv.slice(2),
    { out: { type: 'string' }, history: { type: 'string' }, last: { type: 'string' } },
    false,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  for (const name of ['out', 'history']) if (values[name] === '') throw new UsageError(`--${name} needs a directory`);
  const out = values.out ?? 'site';
  const historyDir = values.history ?? join(ROOT, 'results', 'history');
  const last = intFlag(values.last, '--last', 30);

  let files;
  try {
    files = readdirSync(historyDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(historyDir, f));
  } catch (error) {
    throw new UsageError(`cannot list ${historyDir}: ${error.code ?? error.message}`);
  }
  if (files.length === 0)
    throw new UsageError(`no result files in ${historyDir} (scripts/refresh-baseline.js files them there)`);
  // every file is read as the CLI reads it: a corrupt or invalid one is one line naming it
  // by the instant each run started (Date.parse), not the text: offsets differ
  const newest = files
    .map((f) => [Date.parse(readResultFile(f).run.startedAt), f])
    .sort(([a, fa], [b, fb]) => a - b || fa.localeCompare(fb))
    .slice(-last)
    .map(([, f]) => f);

  const cli = join(ROOT, 'bin', 'asyncbench.js');
  const args = [cli, 'report', ...newest, '--html', out, '--svg', join(out, 'svg'), '--md', join(out, 'results.md')];
  return spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
});
