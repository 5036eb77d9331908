/**
 * The Markdown report of a result file: per scenario a table of cases x runtimes (median, its 95%
 * interval, how it stands against the best of its params), latency percentiles where measured,
 * failures and skips with their reasons, and the machine and runtimes it ran on.
 */

import type { ResultEntry, ResultFile } from '../result/schema.js';
import {
  formatCentre,
  formatParams,
  formatValue,
  groupBy,
  intervalMethod,
  machineLines,
  escapeMarkdown as md,
  runtimesWithEntries,
  runtimeTitle,
  scenarioGrid,
  shiftLines,
} from './format.js';
import {
  cellFacts,
  coldText,
  describeMetrics,
  legendLines,
  RUNTIME_COLUMNS,
  rankTable,
  recordedFigures,
  runFacts,
  runtimeFacts,
  standingText,
  type TableStandings,
} from './standing.js';

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: string[], rows: string[][]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

function cell(entry: ResultEntry | undefined, standings: TableStandings): string {
  if (!entry) return '—';
  const facts = cellFacts(entry, standings);
  if (!facts) return `*${entry.status}*`;
  const { figure, standing, cold, emptyOp } = facts;
  return [
    md(formatCentre(figure)),
    ...(standing ? [standing.best ? '**best**' : md(standingText(standing))] : []),
    ...(cold ? [md(coldText(cold, true))] : []),
  ]
    .join(' · ')
    .concat(emptyOp ? ' !' : '')
    .concat(entry.steady === false ? ' ~' : '');
}

function scenarioTables(
  entries: ResultEntry[],
  runtimes: string[],
  titles: string[],
  standings: TableStandings,
): string[] {
  const rows = scenarioGrid(entries, runtimes).map((r) => [
    md(r.caseName),
    md(r.params),
    ...r.cells.map((e) => cell(e, standings)),
  ]);
  const out = [...table(['case', 'params', ...titles.map(md)], rows), ''];
  const withLatency = entries.filter((e) => e.latency || e.extra);
  if (withLatency.length) {
    // a table that leads with a recorded figure lists the measured metric here
    const extraText = (e: ResultEntry) =>
      recordedFigures(e)
        .map((f) => `${md(f.name)} ${md(f.value)}`)
        .join(', ');
    const ms = (x: number | undefined) => (x === undefined ? '—' : md(formatValue(x, 'ms')));
    out.push(
      ...table(
        ['case', 'params', 'runtime', 'p50', 'p90', 'p99', 'p99.9', 'also recorded'],
        withLatency.map((e) => [
          md(e.case),
          md(formatParams(e.params)),
          // as the table above heads its columns: `node (24.21.0)` beside another node's cells
          md(titles[runtimes.indexOf(e.runtime)] ?? e.runtime),
          ms(e.latency?.p50),
          ms(e.latency?.p90),
          ms(e.latency?.p99),
          ms(e.latency?.p999),
          extraText(e),
        ]),
      ),
      '',
    );
  }
  return out;
}

function problems(result: ResultFile): string[] {
  const bad = result.results.filter((e) => e.status !== 'ok');
  if (!bad.length) return [];
  return [
    '## Failures and skips',
    '',
    ...table(
      ['scenario', 'case', 'params', 'runtime', 'status', 'reason'],
      bad.map((e) => [
        md(e.scenario),
        md(e.case),
        md(formatParams(e.params)),
        md(runtimeTitle(result, e.runtime)),
        e.status,
        md(e.reason ?? ''),
      ]),
    ),
    '',
  ];
}

function metadata(result: ResultFile): string[] {
  return [
    '## Machine and runtimes',
    '',
    ...runFacts(result).map((f) => `- **${f.label}:** ${md(f.text)}${f.warning ? ` (**${md(f.warning)}**)` : ''}`),
    '',
    ...table(
      RUNTIME_COLUMNS,
      runtimeFacts(result).map((r) => r.map(md)),
    ),
    '',
  ];
}

function methodNote(result: ResultFile): string[] {
  return [
    `Median ± half-width of its 95% confidence interval (${md(intervalMethod(result))}), relative to the median; -X%/+Y% where one side of the interval is over 1.5 times the other.`,
    '',
    ...[...machineLines(result), ...shiftLines(result)].flatMap((line) => [md(line), '']),
    ...legendLines(result.results).map((line) => `- ${md(line)}`),
  ];
}

function history(results: readonly ResultFile[]): string[] {
  if (results.length < 2) return [];
  return [
    '## History',
    '',
    ...table(
      ['run', 'started', 'commit', 'entries'],
      results.map((r) => [
        md(r.run.id),
        md(r.run.startedAt),
        md(r.git?.commit.slice(0, 10) ?? '—'),
        String(r.results.length),
      ]),
    ),
    '',
  ];
}

/** Markdown of the newest of `results` (in time order), with a history table when given several. */
export function renderMarkdown(results: readonly ResultFile[]): string {
  const result = results[results.length - 1];
  const runtimes = runtimesWithEntries(result);
  const out = ['# asyncbench results', '', ...methodNote(result), ''];
  for (const [scenario, entries] of groupBy(result.results, (e) => e.scenario)) {
    out.push(
      `## ${md(scenario)}`,
      '',
      `*${entries[0].kind}: ${md(describeMetrics(entries))}*`,
      '',
      ...scenarioTables(
        entries,
        runtimes,
        runtimes.map((l) => runtimeTitle(result, l)),
        rankTable(entries),
      ),
    );
  }
  out.push(...problems(result), ...metadata(result), ...history(results));
  return out.join('\n');
}
