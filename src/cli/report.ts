import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toBencher } from '../report/bencher.js';
import { renderSvg, standaloneSpec } from '../report/charts/render.js';
import { groupBy } from '../report/format.js';
import { type GabDirection, toGithubActionBenchmark } from '../report/github-action-benchmark.js';
import { combineParts, inTimeOrder, withoutCopies } from '../report/history.js';
import { renderSite } from '../report/html.js';
import { renderMarkdown } from '../report/markdown.js';
import {
  canonicalPath,
  checkFileName,
  checkMakeDirectory,
  readResultFile,
  writeFileAtomic,
  writesIntoStream,
} from '../result/io.js';
import type { ResultFile } from '../result/schema.js';
import { type Command, parseFlags, UsageError } from './command.js';

const FILE_OUTPUTS = ['md', 'gab-smaller', 'gab-bigger', 'bencher'] as const;
const DIR_OUTPUTS = ['html', 'svg'] as const;

/**
 * `--html report.html` names the page itself (the site is that one file), unless a directory of that
 * name is there already (the site an earlier version wrote there); any other path is the site's directory
 */
function namesPage(path: string | boolean | undefined): path is string {
  return (
    typeof path === 'string' &&
    path.toLowerCase().endsWith('.html') &&
    statSync(path, { throwIfNoEntry: false })?.isDirectory() !== true
  );
}

/**
 * Before anything is read or written: an empty path wrote nothing and printed nothing (exit 0), a
 * file output naming one of the result files read replaced that result with the report, and an
 * output that cannot be written failed only after the ones before it were written (exit 2 with
 * --md FILE written, or replaced).
 */
function checkOutputs(
  values: Record<string, string | boolean | undefined>,
  inputs: readonly string[],
  htmlPage: boolean,
): void {
  for (const [flag, value] of Object.entries(values))
    if (value === '') throw new UsageError(`--${flag} needs a path, got ''`);
  const read = new Set(inputs.map(canonicalPath));
  const files: string[] = [...FILE_OUTPUTS];
  if (htmlPage) files.push('html');
  for (const flag of files) {
    const path = values[flag];
    if (typeof path !== 'string') continue;
    checkFileName(path, `--${flag}`);
    if (read.has(canonicalPath(path)))
      throw new UsageError(`--${flag} ${path} is a result file this report reads: writing there would replace it`);
    checkMakeDirectory(dirname(path));
  }
  for (const flag of DIR_OUTPUTS) {
    const path = values[flag];
    if (typeof path === 'string' && !files.includes(flag)) checkMakeDirectory(path);
  }
  refuseSharedPaths(values, files);
}

/**
 * Two outputs at one path: the later replaced the earlier (`--md r --bencher r` left the Bencher
 * JSON, saying 'wrote r, r'), or a file stood where a directory was written next (`--html p.html
 * --svg p.html`: exit 2 after the page was written). --html DIR and --svg DIR may share a directory.
 */
function refuseSharedPaths(values: Record<string, string | boolean | undefined>, files: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const flag of [...FILE_OUTPUTS, ...DIR_OUTPUTS]) {
    const path = values[flag];
    if (typeof path !== 'string') continue;
    const at = canonicalPath(path);
    const other = seen.get(at);
    if (other !== undefined && (files.includes(flag) || files.includes(other)))
      throw new UsageError(`--${other} and --${flag} both name ${path}: give each output a path of its own`);
    seen.set(at, flag);
  }
}

/**
 * The exports hold figures only: a cell that failed, timed out or was skipped has none and is left
 * out, which a dashboard fed by them shows as nothing at all. Said on stderr so it is not silent.
 */
function exportsNote(result: ResultFile, flags: readonly string[]): string | undefined {
  const left = result.results.filter((e) => e.status !== 'ok' || !e.stats);
  if (flags.length === 0 || left.length === 0) return undefined;
  const counts = [...groupBy(left, (e) => e.status)].map(([status, es]) => `${es.length} ${status}`).join(', ');
  const cells = left.length === 1 ? '1 cell' : `${left.length} cells`;
  return `note: ${cells} with no figure (${counts}) left out of ${flags.join(', ')}: those formats hold figures only; the Markdown and HTML reports list them`;
}

/** Every file the options ask for, rendered: nothing is written until all of them are checked. */
async function renderOutputs(
  values: Record<string, string | boolean | undefined>,
  htmlPage: boolean,
  history: ResultFile[],
): Promise<{ path: string; text: string }[]> {
  const newest = history[history.length - 1] as ResultFile;
  const outputs: { path: string; text: string }[] = [];
  const add = (path: string | boolean | undefined, text: () => string) => {
    if (typeof path === 'string') outputs.push({ path, text: text() });
  };
  add(values.md, () => renderMarkdown(history));
  if (values.html || values.svg) {
    const site = await renderSite(history);
    if (typeof values.html === 'string') add(htmlPage ? values.html : join(values.html, 'index.html'), () => site.html);
    if (typeof values.svg === 'string')
      // the charts drawn; one left out for want of data is a note on the page, and no file here
      for (const chart of site.charts) {
        if (!chart.spec) continue;
        const svg = await renderSvg(standaloneSpec({ ...chart, spec: chart.spec }));
        add(join(values.svg, `${chart.id}.svg`), () => svg);
      }
  }
  const gab: [string, GabDirection][] = [
    ['gab-smaller', 'smaller'],
    ['gab-bigger', 'bigger'],
  ];
  for (const [flag, direction] of gab)
    add(values[flag], () => `${JSON.stringify(toGithubActionBenchmark(newest, direction), null, 2)}\n`);
  add(values.bencher, () => `${JSON.stringify(toBencher(newest), null, 2)}\n`);
  return outputs;
}

const report: Command = {
  name: 'report',
  summary: 'Markdown, HTML site, SVG charts and CI exports from result files',
  help: `Usage: asyncbench report RESULT... [--md FILE] [--html DIR|FILE.html] [--svg DIR]
                         [--gab-smaller FILE] [--gab-bigger FILE] [--bencher FILE]

Reads result files only. Given several files of one history (e.g. results/history/*.json), the
newest (by start time) is reported in full and the HTML site adds trend charts over all of them.
Files that share no entry (separate runs of different scenarios) are reported as one; in a
history, so are the files of one commit that share no entry (a file per CI job).
With no output option the Markdown report is printed.

Options:
  --md FILE            Markdown: per-scenario tables (cases x runtimes, median ± 95% CI, standing
                       against the best), latency, failures and skips, machine and runtimes
  --html DIR|FILE.html  a static, self-contained site (DIR/index.html, or the FILE.html named:
                       inline CSS and SVG, no script, no CDN): headline charts, trends, one
                       section per scenario
  --svg DIR            every chart as a standalone SVG file, with its title and caption
  --gab-smaller FILE   github-action-benchmark JSON of the lower-is-better entries
                       (tool: customSmallerIsBetter)
  --gab-bigger FILE    github-action-benchmark JSON of the higher-is-better entries
                       (tool: customBiggerIsBetter)
  --bencher FILE       Bencher Metric Format (bencher run --adapter json --file FILE)
  -h, --help           show this help

Exit codes: 0 written (or printed); 2 bad usage (no result file, an empty path, two outputs at
one path, an output naming a result file read), a result file that cannot be read or is no valid
result file, or an output that cannot be written; 4 an internal error (a bug of asyncbench).
Cells with no figure left out of the exports are a note on stderr, not an error.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      md: { type: 'string' },
      html: { type: 'string' },
      svg: { type: 'string' },
      'gab-smaller': { type: 'string' },
      'gab-bigger': { type: 'string' },
      bencher: { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError('report needs at least one result file');
    const htmlPage = namesPage(values.html);
    checkOutputs(values, positionals, htmlPage);
    const loaded = withoutCopies(inTimeOrder(positionals.map((path) => ({ path, file: readResultFile(path) }))));
    const history = combineParts(loaded.map((l) => l.file));
    const newest = history[history.length - 1];
    const anyOutput = Object.values(values).some((v) => typeof v === 'string');
    if (!anyOutput) console.log(renderMarkdown(history));
    const outputs = await renderOutputs(values, htmlPage, history);
    // a directory where an output goes (--md DIR, or an index.html of --html DIR) is found before
    // anything is written
    for (const { path } of outputs)
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory())
        throw new UsageError(`cannot write ${path}: EISDIR`);
    // an output into a stream (--md /dev/stdout) gets no 'wrote' line appended to it
    const written = outputs.filter((o) => !writesIntoStream(o.path)).map((o) => o.path);
    for (const { path, text } of outputs) writeFileAtomic(path, text);
    const exported = (['gab-smaller', 'gab-bigger', 'bencher'] as const)
      .filter((flag) => values[flag])
      .map((flag) => `--${flag}`);
    const note = exportsNote(newest, exported);
    if (note) console.error(`asyncbench: ${note}`);
    if (written.length) console.log(`wrote ${written.join(', ')}`);
    return 0;
  },
};

export default report;
