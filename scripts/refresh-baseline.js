#!/usr/bin/env node
/**
 * Makes a result file the new baseline and files it in the history (layout: results/README.md):
 *   results/baseline.json          what `asyncbench compare` in CI measures against
 *   results/history/<commit>.json  one per commit, the input of the trend charts
 *
 * A baseline must be a full run of a known commit. Refused, with one line and exit 2: a file that is
 * not a valid result file (read as the CLI reads it: src/result/io.ts), an interrupted run, a
 * --quick run, one shard of a run (merge the shards first), one side of a `compare --base` session,
 * a run outside git, a commit that is not a full 40- or 64-hex id, a dirty tree (unless
 * --allow-dirty) and a run with no ok entry. Failed and timed-out entries are filed with a warning:
 * the workflow (docs/github-workflow.yml) merges and files shards with failed cells on purpose.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, runScript } from './project-modules.js';

const USAGE = `Usage: node scripts/refresh-baseline.js RESULT [--history-only] [--allow-dirty]
  files RESULT as results/history/<commit>.json and makes it results/baseline.json
  --history-only   file it in the history, keep the baseline
  --allow-dirty    accept a run made from a tree with uncommitted changes`;

const RESULTS = join(ROOT, 'results');
/** a full commit id: SHA-1 (40 hex digits) or SHA-256 (64) */
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Copies `from` to every target, each atomically, and all staged before any is replaced: a target
 * that cannot be written (a directory in its place, a file where its directory should be) is one
 * line, with nothing written and no temporary file left.
 */
function copyAllAtomic(from, targets, UsageError) {
  const staged = [];
  let target;
  try {
    for (target of targets)
      if (existsSync(target) && !statSync(target).isFile()) throw new UsageError(`cannot write ${target}: not a file`);
    for (target of targets) {
      mkdirSync(dirname(target), { recursive: true });
      staged.push(`${target}.${process.pid}.tmp`);
      copyFileSync(from, staged.at(-1));
    }
    targets.forEach((to, i) => {
      target = to;
      renameSync(staged[i], to);
      console.log(`wrote ${to}`);
    });
  } catch (error) {
    for (const tmp of staged) rmSync(tmp, { force: true });
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot write ${target}: ${error.code ?? error.message}`);
  }
}

await runScript('refresh-baseline', ({ parseFlags, readResultFile, UsageError }) => {
  const { values, positionals } = parseFlags(process.argv.slice(2), {
    'history-only': { type: 'boolean' },
    'allow-dirty': { type: 'boolean' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(`takes one RESULT file, got ${positionals.length} (--help for the usage)`);
  const [file] = positionals;
  const refuse = (why) => {
    throw new UsageError(`${file} ${why}`);
  };
  const result = readResultFile(file);
  const { config, git } = result;
  if (!result.run.complete) refuse('is of an interrupted run');
  if (config.quick) refuse('was made with --quick: too few samples for a baseline');
  if (config.shard)
    refuse(`is shard ${config.shard.index}/${config.shard.count} of a run: merge the shards first (asyncbench merge)`);
  if (config.ab) refuse(`is the ${config.ab.role} side of a compare --base session, not a run of its own`);
  if (!git?.commit) refuse('was not made in a git checkout: no commit to file it under');
  if (!COMMIT.test(git.commit))
    refuse(`names commit ${JSON.stringify(git.commit)}: not a full commit id (40 or 64 lowercase hex digits)`);
  if (git.dirty && !values['allow-dirty'])
    refuse('was made from a tree with uncommitted changes (--allow-dirty to accept)');
  if (!result.results.some((e) => e.status === 'ok')) refuse('has no ok entry: nothing was measured');

  const broken = result.results.filter((e) => e.status === 'failed' || e.status === 'timeout');
  if (broken.length > 0) {
    const shown = broken.slice(0, 3).map((e) => `${e.key}: ${e.status}`);
    const more = broken.length > shown.length ? `, and ${broken.length - shown.length} more` : '';
    console.error(
      `refresh-baseline: warning: ${file}: ${broken.length} of ${result.results.length} entries failed or timed out ` +
        `(${shown.join('; ')}${more}); filed anyway, without those cells`,
    );
  }

  const targets = [join(RESULTS, 'history', `${git.commit}.json`)];
  if (!values['history-only']) targets.push(join(RESULTS, 'baseline.json'));
  copyAllAtomic(file, targets, UsageError);
  return 0;
});
