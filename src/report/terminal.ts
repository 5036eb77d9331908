/**
 * The terminal table: per scenario, one row per case and params, one column per runtime; each
 * cell shows the figure with its 95% CI as ±%, how it stands against the best comparable cell
 * (with ≈ where the difference is not beyond the noise, ? where it cannot be tested), and its cold
 * first call against the steady state. The parts of a cell line up in sub-columns.
 */

import type { ResultEntry, ResultFile } from '../result/schema.js';
import {
  forksPerCell,
  formatCentre,
  formatParams,
  intervalMethod,
  machineLines,
  onOneLine,
  runtimesWithEntries,
  runtimeTitle,
  scenarioGrid,
  shiftLines,
} from './format.js';
import {
  cellFacts,
  coldText,
  describeMetrics,
  figureOf,
  legendLines,
  rankTable,
  roundsLine,
  type Standing,
  standingText,
  type TableStandings,
} from './standing.js';

export interface TerminalOptions {
  color: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on && text ? `\x1b[${code}m${text}\x1b[0m` : text);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ANSI escapes this module writes
const visibleLength = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
const pad = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - visibleLength(s)));

/** A measured cell as aligned parts (figure, standing, cold, steady), or one text spanning them. */
type Cell = { parts: string[] } | { span: string };

function standingPart(s: Standing | undefined, color: boolean): string {
  if (!s) return '';
  if (s.best) return paint(color, '32', 'best');
  const text = standingText(s);
  return s.noise === 'beyond' ? paint(color, s.rel > 1.5 ? '33' : '0', text) : paint(color, '2', text);
}

/** how much of a reason a table cell shows; a longer one is cut with … and listed whole below */
const CELL_REASON = 48;

function oneLineReason(entry: ResultEntry): string {
  return (entry.reason ?? '').replace(/\s+/g, ' ');
}

function clipped(reason: string): string {
  return reason.length > CELL_REASON ? `${reason.slice(0, CELL_REASON - 1)}…` : reason;
}

/** the reasons the cells cut short, whole */
function fullReasonLines(entries: readonly ResultEntry[]): string[] {
  const cut = entries.filter((e) => !figureOf(e) && oneLineReason(e).length > CELL_REASON);
  if (cut.length === 0) return [];
  return [
    'Reasons cut short above, whole:',
    ...cut.map((e) => {
      const label = onOneLine(`${e.scenario}/${e.case} ${formatParams(e.params)}`);
      return `  ${label} [${e.runtime}] ${e.status}: ${oneLineReason(e)}`;
    }),
  ];
}

function cellOf(entry: ResultEntry | undefined, standings: TableStandings, color: boolean): Cell {
  if (!entry) return { span: '-' };
  const facts = cellFacts(entry, standings);
  if (!facts) {
    const reason = clipped(oneLineReason(entry));
    return { span: paint(color, entry.status === 'skipped' ? '2' : '31', `${entry.status}: ${reason}`) };
  }
  const { figure, standing, cold, emptyOp } = facts;
  return {
    parts: [
      formatCentre(figure),
      standingPart(standing, color),
      cold ? coldText(cold, false) : '',
      emptyOp ? paint(color, '31', '!') : '',
      entry.steady === false ? paint(color, '33', '~') : '',
    ],
  };
}

/** Lays out one runtime column: the width of each part, and of the whole column. */
function columnLayout(cells: Cell[], title: string): { parts: number[]; total: number } {
  const parts: number[] = [];
  for (const c of cells)
    if ('parts' in c) for (const [i, p] of c.parts.entries()) parts[i] = Math.max(parts[i] ?? 0, visibleLength(p));
  const used = parts.filter((w) => w > 0);
  const joined = used.reduce((a, b) => a + b, 0) + Math.max(0, used.length - 1);
  const spans = cells.map((c) => ('span' in c ? visibleLength(c.span) : 0));
  return { parts, total: Math.max(joined, visibleLength(title), ...spans) };
}

function renderCell(cell: Cell, layout: { parts: number[]; total: number }): string {
  if ('span' in cell) return pad(cell.span, layout.total);
  const text = cell.parts
    .flatMap((p, i) => (layout.parts[i] > 0 ? [pad(p, layout.parts[i])] : []))
    .join(' ')
    .trimEnd();
  return pad(text, layout.total);
}

function scenarioTable(
  entries: ResultEntry[],
  runtimes: string[],
  titles: string[],
  standings: TableStandings,
  color: boolean,
): string {
  // a case or param value with a line break would split its row: the table keeps it on one line
  const grid = scenarioGrid(entries, runtimes).map((r) => ({
    ...r,
    caseName: onOneLine(r.caseName),
    params: onOneLine(r.params),
  }));
  const cells = grid.map((r) => r.cells.map((e) => cellOf(e, standings, color)));
  const layouts = titles.map((title, i) =>
    columnLayout(
      cells.map((row) => row[i]),
      title,
    ),
  );
  const caseWidth = Math.max(4, ...grid.map((r) => r.caseName.length));
  const paramsWidth = Math.max(6, ...grid.map((r) => r.params.length));
  const line = (first: string[], rest: string[]) =>
    [pad(first[0], caseWidth), pad(first[1], paramsWidth), ...rest].join('  ').trimEnd();
  return [
    paint(
      color,
      '1',
      line(
        ['case', 'params'],
        titles.map((title, i) => pad(title, layouts[i].total)),
      ),
    ),
    ...grid.map((r, j) =>
      line(
        [r.caseName, r.params],
        cells[j].map((c, i) => renderCell(c, layouts[i])),
      ),
    ),
  ].join('\n');
}

/**
 * A result with no entry (a shard whose slice of the matrix is empty) has no table: the legend and
 * the forks line would explain figures that are not there.
 */
function nothingMeasured(result: ResultFile): string {
  const shard = result.config.shard;
  return shard ? `shard ${shard.index}/${shard.count} has no cells: nothing measured` : 'no cell was measured';
}

export function renderTerminal(result: ResultFile, options: TerminalOptions): string {
  if (result.results.length === 0) return nothingMeasured(result);
  const runtimes = runtimesWithEntries(result);
  const titles = runtimes.map((l) => runtimeTitle(result, l));
  const out: string[] = [];
  for (const scenario of [...new Set(result.results.map((e) => e.scenario))]) {
    const entries = result.results.filter((e) => e.scenario === scenario);
    const standings = rankTable(entries);
    out.push(
      `${paint(options.color, '1;36', scenario)}  (${describeMetrics(entries)}; median ±95% CI; × = times the best of its params)`,
    );
    out.push(scenarioTable(entries, runtimes, titles, standings, options.color), '');
  }
  const forks = forksPerCell(result);
  const oneFork = 'CIs are within-process only and too narrow for cross-run claims (PITFALLS 15).';
  out.push(
    ...(forks.counts.some((n) => n > 1) ? [`${forks.text}; 95% CI: ${intervalMethod(result)}.`] : []),
    ...(forks.counts.includes(1)
      ? [forks.counts.length > 1 ? `Cells with 1 fork: ${oneFork}` : `1 fork per cell: ${oneFork}`]
      : []),
    ...machineLines(result),
    ...shiftLines(result),
    ...legendLines(result.results),
  );
  const rounds = roundsLine(result.results);
  if (rounds) out.push(`Rounds: ${rounds}`);
  out.push(...fullReasonLines(result.results));
  return out.join('\n');
}
