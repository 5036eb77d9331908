import { compareResults, hasRegression, TEST_NAME } from '../report/compare.js';
import {
  COMPARE_FORMATS,
  COMPARE_RENDERERS,
  type CompareFormat,
  type CompareSources,
} from '../report/compare-output.js';
import { versionViews } from '../report/runtime-views.js';
import { readResultFile } from '../result/io.js';
import { currentRuntime } from '../runtimes/current.js';
import { type Command, parseFlags, UsageError } from './command.js';

function parseThreshold(value: string | undefined): number {
  if (value === undefined) return 0.05;
  const pct = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(pct) || pct < 0 || pct >= 100)
    throw new UsageError(`--threshold takes a percentage between 0 and 100, got '${value}'`);
  return pct / 100;
}

function parseFormat(value: string | undefined): CompareFormat {
  if (value === undefined) return 'text';
  if (!(COMPARE_FORMATS as readonly string[]).includes(value))
    throw new UsageError(`--format takes ${COMPARE_FORMATS.join('|')}, got '${value}'`);
  return value as CompareFormat;
}

function files(positionals: string[]): CompareSources {
  if (positionals.length !== 2)
    throw new UsageError(`compare takes exactly two result files (BASE HEAD), got ${positionals.length}`);
  const [basePath, headPath] = positionals;
  return {
    base: { path: basePath, file: readResultFile(basePath) },
    head: { path: headPath, file: readResultFile(headPath) },
  };
}

/** Two runtimes of one file, as base and head views of it. */
function withinFile(values: { runtime?: string; vs?: string }, positionals: string[]): CompareSources {
  if (values.runtime === undefined || values.vs === undefined)
    throw new UsageError('--runtime A and --vs B go together: the two runtimes of one file to compare');
  if (positionals.length !== 1)
    throw new UsageError(`compare --runtime A --vs B takes one result file, got ${positionals.length}`);
  const path = positionals[0];
  const views = versionViews(readResultFile(path), values.runtime, values.vs, path);
  return {
    base: { path: `${path} [${views.baseRuntime.label} ${views.baseRuntime.version}]`, file: views.base },
    head: { path: `${path} [${views.headRuntime.label} ${views.headRuntime.version}]`, file: views.head },
  };
}

const compare: Command = {
  name: 'compare',
  summary: 'compare two result files entry by entry; exit 1 on a significant regression',
  help: `Usage: asyncbench compare BASE HEAD [--threshold PCT] [--format text|md|json]
       asyncbench compare FILE --runtime A --vs B [--threshold PCT] [--format text|md|json]

Matches the entries of two result files by scenario, case, params and runtime and, for each pair,
gives the change of the median with its 95% confidence interval and a verdict:
  faster / slower   the interval excludes 0, the change is at least the threshold, and it
                    survives a Holm correction over all entries (family-wise level 5%)
  unchanged         within the noise, or significant but below the threshold
  unstable          a side is not steady, has one fork only, or the interval is too wide to judge
  not comparable    a side failed, was skipped or changed its metric
Entries on one side only are listed as added or removed. Warns when the files come from
different machines, runtime versions or configs.

With --runtime A --vs B, one file is compared with itself: the entries of runtime A are the base,
those of B the head (e.g. --runtime node@22 --vs node@24: a label of the file, or a spec that
matches one runtime in it), with the same statistics.

Test: ${TEST_NAME}.

Options:
  --threshold PCT   smallest change that counts, in percent (default 5)
  --format FORMAT   text (default), md (a table for a pull-request comment) or json
  --runtime A       with --vs: the base runtime within FILE
  --vs B            with --runtime: the head runtime within FILE
  -h, --help        show this help

With GITHUB_STEP_SUMMARY set, the Markdown table is also appended to that file.
Exit codes: 0 no significant regression; 1 some entry is slower beyond the threshold; 2 bad input.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      threshold: { type: 'string' },
      format: { type: 'string' },
      runtime: { type: 'string' },
      vs: { type: 'string' },
    });
    const threshold = parseThreshold(values.threshold);
    const format = parseFormat(values.format);
    const sources =
      values.runtime !== undefined || values.vs !== undefined ? withinFile(values, positionals) : files(positionals);
    const comparison = compareResults(sources.base.file, sources.head.file, { threshold });
    console.log(COMPARE_RENDERERS[format](comparison, sources));
    const runtime = await currentRuntime();
    const summary = runtime.env('GITHUB_STEP_SUMMARY');
    if (summary) runtime.appendFileSync(summary, `${COMPARE_RENDERERS.md(comparison, sources)}\n`);
    return hasRegression(comparison) ? 1 : 0;
  },
};

export default compare;
