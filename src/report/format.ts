/** Number, name and text formatting shared by every report output. */
import { CI_LEVEL } from '../result/estimator.js';
import type { MachineInfo, ResultEntry, ResultFile } from '../result/schema.js';
import { compareVersions } from '../result/versions.js';
import type { Params } from '../scenario.js';

export const TIME_UNITS: [string, number][] = [
  ['s', 1e9],
  ['ms', 1e6],
  ['µs', 1e3],
  ['ns', 1],
];
export const NS_PER: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

/** |x| as printed, to 3 significant digits: what a unit and a number of decimals are chosen by. */
const printedSize = (x: number) => Math.abs(Number(x.toPrecision(3)));

/**
 * `digits` significant digits as toPrecision writes them, never in exponent form: a sub-ns
 * interval's half-width (1.70e-11) or a rate of millions (1.234e+6) is read by people.
 */
export const plainDigits = (x: number, digits: number): string =>
  x.toLocaleString('en-US', { minimumSignificantDigits: digits, maximumSignificantDigits: digits, useGrouping: false });

/**
 * Three significant digits or more: 0.00412, 1.23, 12.3, 123, 1234 (9.9997 is 10.0, not 10.00);
 * below 1 the digits run on, so a rate of 0.004 ops/s is not printed as 0.00 (0 is 0.00)
 */
function significant(x: number): string {
  const abs = printedSize(x);
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1 || abs === 0) return x.toFixed(2);
  return plainDigits(x, 3);
}

/** A value in its unit, times scaled to the most readable unit (1234 ns -> 1.23 µs). */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  const scale = NS_PER[unit];
  // the unit is chosen by the value as printed: 999.7 ns is 1.00 µs, not "1000 ns"; 0 ms stays in ms
  if (scale !== undefined && value !== 0) {
    const ns = value * scale;
    const [name, size] = TIME_UNITS.find(([, s]) => printedSize(ns) >= s) ?? TIME_UNITS[TIME_UNITS.length - 1];
    return `${significant(ns / size)} ${name}`;
  }
  if (printedSize(value) >= 1e6) return `${significant(value / 1e6)}M ${unit}`;
  if (printedSize(value) >= 1e4) return `${significant(value / 1e3)}k ${unit}`;
  return `${significant(value)} ${unit}`;
}

/** +12.3% / -4.0% */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  const pct = fraction * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** hitRatio=0.5, tasks=1000 (sorted by name, like the entry key) */
export function formatParams(params: Params): string {
  const keys = Object.keys(params).sort();
  return keys.length ? keys.map((k) => `${k}=${params[k]}`).join(', ') : '—';
}

/** A centre with its interval, in a unit: what a table cell prints (see Figure in standing.ts). */
export interface Centre {
  centre: number;
  ci?: { low: number; high: number; level?: number };
  metric: { unit: string };
}

/** past this ratio of its two sides an interval is printed as its two sides, not a half-width */
const LOPSIDED = 1.5;

/**
 * The half-width of the centre's 95% interval relative to the centre: "±4.1%"; '' without an
 * interval. An interval much longer on one side of the centre than on the other (a t interval of
 * few forks on the log scale: [1550, 7625] around 2573) is its two sides, "-39.8%/+196.3%": as a
 * half-width, "±118%", it read as reaching below 0. A centre of 0 has no relative width: the
 * half-width is then in the unit ("±1.25 ops/s"). An interval that holds less than 95% (one fork
 * of under 6 samples: min..max) says what it holds: "±3.0% (75%)".
 */
export function formatCiPercent(figure: Centre): string {
  if (!figure.ci) return '';
  const { low, high } = figure.ci;
  const centre = Math.abs(figure.centre);
  const [below, above] = [(figure.centre - low) / centre, (high - figure.centre) / centre];
  // a side of 0 (min..max of a few samples, one of them the median) is lopsided too
  const lopsided = below >= 0 && above >= 0 && Math.max(below, above) > LOPSIDED * Math.min(below, above);
  const width =
    figure.centre === 0
      ? `±${formatValue((high - low) / 2, figure.metric.unit)}`
      : lopsided
        ? `-${(below * 100).toFixed(1)}%/+${(above * 100).toFixed(1)}%`
        : `±${(((high - low) / 2 / centre) * 100).toFixed(1)}%`;
  const level = figure.ci.level;
  return level !== undefined && level < CI_LEVEL ? `${width} (${Math.round(level * 100)}%)` : width;
}

/** The centre with its interval: "1.23 µs ±4.1%". */
export function formatCentre(figure: Centre): string {
  const ci = formatCiPercent(figure);
  return `${formatValue(figure.centre, figure.metric.unit)}${ci ? ` ${ci}` : ''}`;
}

/** A label for people: scenario / case / params / runtime. */
export function entryLabel(entry: ResultEntry): string {
  const p = Object.keys(entry.params).length ? ` (${formatParams(entry.params)})` : '';
  return `${entry.scenario}/${entry.case}${p} [${entry.runtime}]`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Text from a result file (a case, a param value, a reason) on one line of a table: a line break,
 * \n, \r\n or a lone \r (progress bars leave the last; CommonMark ends a line at each), is a space.
 */
export function onOneLine(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ');
}

/** Makes text safe inside a Markdown table cell: no pipes, no line breaks, no inline HTML. */
export function escapeMarkdown(text: unknown): string {
  return onOneLine(String(text).replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`));
}

/** Groups items by a key, keeping the order in which keys first appear. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** One row of a scenario's table: a case at one params combination, a cell per runtime. */
export interface GridRow {
  caseName: string;
  params: string;
  cells: (ResultEntry | undefined)[];
}

export function scenarioGrid(entries: readonly ResultEntry[], runtimes: readonly string[]): GridRow[] {
  const rows: GridRow[] = [];
  for (const [params, group] of groupBy(entries, (e) => formatParams(e.params)))
    for (const caseName of new Set(group.map((e) => e.case)))
      rows.push({
        caseName,
        params,
        cells: runtimes.map((rt) => group.find((e) => e.case === caseName && e.runtime === rt)),
      });
  return rows;
}

/**
 * Versions of one runtime side by side: runtimes in the order they first appear, the versions of
 * each in ascending order (a stable sort keeps equal versions in the file's order).
 */
export function groupVersions<T extends { name: string; version: string }>(runtimes: readonly T[]): T[] {
  const names = [...new Set(runtimes.map((r) => r.name))];
  return names.flatMap((name) =>
    runtimes.filter((r) => r.name === name).sort((a, b) => compareVersions(a.version, b.version)),
  );
}

/** Runtimes of a result file that have entries: the file's order, the versions of a runtime grouped. */
export function runtimesWithEntries(result: ResultFile): string[] {
  const present = result.runtimes.filter((r) => result.results.some((e) => e.runtime === r.label));
  return groupVersions(present).map((r) => r.label);
}

/**
 * A column title: the label, and for a label without its version (the pinned `node`) beside other
 * labels of the same runtime, the version too: `node (24.21.0)`. Beside its own version named as
 * such (`--runtime node,node@24`: the same build twice) too, or `node` looked like another build.
 */
export function runtimeTitle(result: ResultFile, label: string): string {
  const rt = result.runtimes.find((r) => r.label === label);
  if (!rt || label.includes('@')) return label;
  const others = result.runtimes.filter((r) => r.name === rt.name && r.label !== label);
  return others.length > 0 ? `${label} (${rt.version})` : label;
}

/**
 * How a run's intervals were computed, as a report states it. Without earlier runs (`--sessions`,
 * or by default the results directory) an interval holds this run's forks only, and a shift of the
 * whole run is outside it: the reader is told so.
 */
export function intervalMethod(result: ResultFile): string {
  const measured = result.results.filter((e) => e.stats);
  if (measured.length === 0) return 'over forks';
  // files of separate runs reported as one (combineParts) may have computed them differently
  const methods = [...new Set(measured.map((e) => e.stats?.ci.method))].join('; in other cells, ');
  if (!measured.some((e) => e.forks.length > 1 && !e.stats?.ci.sessions)) return methods;
  return `${methods}; this run's forks only, a shift of the whole run is not in it (2+ earlier runs of these cells and one revision of the code beside the result file, or run --sessions, add it)`;
}

/** The forks of a file's cells: "3 forks per cell", or their range where files of several runs were combined. */
export function forksPerCell(result: ResultFile): { text: string; counts: number[] } {
  // ok cells only: a cell that failed or timed out may have stopped after its first fork
  const counts = [...new Set(result.results.filter((e) => e.status === 'ok').map((e) => e.forks.length))];
  counts.sort((a, b) => a - b);
  if (counts.length === 0) counts.push(result.config.forks);
  const [least, most] = [counts[0], counts[counts.length - 1]];
  const text =
    least === most
      ? `${least} fork${least === 1 ? '' : 's'} per cell`
      : `${least} to ${most} forks per cell (files of runs with different --forks)`;
  return { text, counts };
}

/** With earlier runs: where the run sat against them, and whether its intervals can hold that. */
export function shiftLines(result: ResultFile): string[] {
  const { sessions, earlierRuns } = result.config;
  const shift = sessions?.shift;
  if (shift) {
    const where = `This run's times are ${shift.ratio.toFixed(2)}x the earlier runs' (median over ${shift.cells} cell${shift.cells === 1 ? '' : 's'}; rates inverted)`;
    return [
      shift.beyond
        ? `${where}: beyond their run-to-run spread, so the machine was not as it was in them, and the intervals do not hold a shift that size.`
        : `${where}: within their run-to-run spread.`,
    ];
  }
  if (!earlierRuns) return [];
  const { ratio, cells, files } = earlierRuns;
  const runs = files.length === 1 ? 'the one earlier run' : `the ${files.length} earlier runs`;
  return [
    `This run's times are ${ratio.toFixed(2)}x those of ${runs} of this code beside it (median over ${cells} cell${cells === 1 ? '' : 's'}; rates inverted), with no run-to-run spread yet to judge that by.`,
  ];
}

/** The machine's fixed facts: what the reports state and what compare's same-machine check compares. */
export function describeMachine(m: MachineInfo): string {
  return `${m.os} ${m.arch}, ${m.cpuModel}, ${m.cores} logical cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB`;
}

/** The machine as a report's metadata states it: its facts, then what a page fault cost there. */
export function machineText(m: MachineInfo): string {
  return m.pageFaultUs === undefined
    ? describeMachine(m)
    : `${describeMachine(m)}, a page fault ${formatValue(m.pageFaultUs * 1e3, 'ns')}`;
}

/** Above this, page faults cost enough to split a memory-hungry case's forks (bare metal: well under 1 µs). */
const COSTLY_PAGE_FAULT_US = 2;

/** A warning when page faults are costly on the machine of the run. */
export function machineLines(result: ResultFile): string[] {
  const us = result.machine.pageFaultUs;
  if (us === undefined || us <= COSTLY_PAGE_FAULT_US) return [];
  return [
    `A page fault cost ${formatValue(us * 1e3, 'ns')} on this machine (well under 1 µs on bare metal): a case whose ops take fresh memory in some forks and not in others can run several times slower in those forks (docs/architecture.md, "Fresh memory").`,
  ];
}
