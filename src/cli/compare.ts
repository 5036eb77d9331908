import { compareResults, TEST_NAME } from '../report/compare.js';
import type { CompareSources } from '../report/compare-output.js';
import { versionViews } from '../report/runtime-views.js';
import { readResultFile } from '../result/io.js';
import { type Command, parseFlags, UsageError } from './command.js';
import { BASE_HELP, baseOnlyFlag, compareBase, wantsBase } from './compare-base.js';
import { emitComparison, parseFormat, parsePercent, parseThreshold } from './compare-emit.js';

function files(positionals: string[]): CompareSources {
  if (positionals.length !== 2)
    throw new UsageError(`compare takes exactly two result files (BASE HEAD), got ${positionals.length}`);
  const [basePath, headPath] = positionals;
  return {
    base: { path: basePath, file: readResultFile(basePath) },
    head: { path: headPath, file: readResultFile(headPath) },
  };
}

/** the flags of compare on result files (compare --base takes its own) */
const FILE_FLAGS = {
  threshold: { type: 'string' },
  'max-unjudged': { type: 'string' },
  'allow-cross-machine': { type: 'boolean' },
  format: { type: 'string' },
  runtime: { type: 'string' },
  vs: { type: 'string' },
} as const;

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
  help: `Usage: asyncbench compare BASE HEAD [--threshold PCT] [--max-unjudged PCT] [--format text|md|json] [--allow-cross-machine]
       asyncbench compare FILE --runtime A --vs B [--threshold PCT] [--max-unjudged PCT] [--format text|md|json]
       asyncbench compare --base REF [--head REF] [SCENARIO|FILE ...] [run options] [--budget DURATION]

Matches the entries of two result files by scenario, case, params and runtime and, for each pair,
gives the change of its centre (the geometric mean of fork medians; for paired forks, A/B pairs
or the rounds of --vs, of the pairs' ratios, 20% trimmed) with a 95% interval, the
smallest change it could detect, and a verdict:
  slower / faster   significant after a Holm correction over all entries (family-wise 5%) and
                    at least the threshold; drift of either side adds a note, never hides it
  unchanged         the 95% interval lies within ±threshold
  not slower        the interval reaches past the threshold on the faster side only: no
                    regression of the threshold or more, maybe an improvement not yet shown
  cannot judge      the interval still reaches past the threshold on the slower side (more
                    forks would tell), or lies wholly past it but the change is not significant
                    after Holm (the printed interval is the entry's own), or a side has one fork
  not comparable    a side failed or was skipped, the metric changed, or the entries ran on
                    different machines (unless --allow-cross-machine)
A runtime labelled differently on each side but of one name and version (--runtime node in
one, node@24 in the other) is matched, with a warning. Entries on one side only are listed as
added or removed. Warns when the files come from
different machines, runtime versions or configs: a comparison across machines is not a verdict.

With --runtime A --vs B, one file is compared with itself: the entries of runtime A are the base,
those of B the head (e.g. --runtime node@22 --vs node@24: a label of the file, or a spec that
matches one runtime in it). Fork k of both ran in the run's round k, back to back, so they are
tested as pairs, and the run-to-run spread, which moved both alike, is not added.

Test: ${TEST_NAME}. Two files of one compare --base session are judged with the session's design.

Options:
  --threshold PCT          smallest change that counts, in percent (default 5; for the two files
                           of one compare --base session, the session's threshold)
  --max-unjudged PCT       exit 3 when more than this share of entries cannot be judged (default 10)
  --allow-cross-machine    judge entries measured on different machines
  --format FORMAT          text (default), md (a table for a pull-request comment) or json
                           (asyncbench/compare@1, field by field in docs/result-schema.md)
  --runtime A              with --vs: the base runtime within FILE
  --vs B                   with --runtime: the head runtime within FILE
  -h, --help               show this help

With GITHUB_STEP_SUMMARY set, the Markdown table is also appended to that file.
Exit codes: 0 no regression; 1 some entry is slower beyond the threshold, or failed in head
where it was measured in base; 2 bad input;
3 more than --max-unjudged of the entries could not be judged, one it could not judge measured slower
by the threshold or more, or none was measured on both sides ("cannot tell" is not "fine"; a cell
skipped on both sides does not count); 4 an internal error
(a bug of asyncbench, never a verdict).

${BASE_HELP}`,
  async run(argv) {
    if (wantsBase(argv)) return compareBase(argv);
    const stray = baseOnlyFlag(argv, FILE_FLAGS);
    if (stray !== undefined)
      throw new UsageError(`--${stray} goes with --base REF (compare --base); comparing result files does not take it`);
    const { values, positionals } = parseFlags(argv, FILE_FLAGS);
    const threshold = parseThreshold(values.threshold, undefined);
    const maxUnjudged = parsePercent(values['max-unjudged'], '--max-unjudged', 0.1);
    const format = parseFormat(values.format);
    const oneRun = values.runtime !== undefined || values.vs !== undefined;
    const sources = oneRun ? withinFile(values, positionals) : files(positionals);
    const comparison = compareResults(sources.base.file, sources.head.file, {
      threshold,
      allowCrossMachine: values['allow-cross-machine'] ?? false,
      oneRun,
    });
    return emitComparison(comparison, sources, format, maxUnjudged);
  },
};

export default compare;
