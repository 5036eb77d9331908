/**
 * The terminal table: per scenario, one row per case and params, one column per runtime; each
 * cell shows the median, its 95% CI as ±%, and how it stands against the best cell of its params.
 */
import type { ResultEntry, ResultFile } from '../result/schema.js';
import {
  formatCiPercent,
  formatParams,
  formatValue,
  relativeToBest,
  runtimesWithEntries,
  runtimeTitle,
} from './format.js';

export interface TerminalOptions {
  color: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ANSI escapes this module writes
const visibleLength = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
const pad = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - visibleLength(s)));

function cellText(entry: ResultEntry | undefined, group: ResultEntry[], color: boolean): string {
  if (!entry) return '-';
  if (entry.status !== 'ok' || !entry.stats) {
    const reason = (entry.reason ?? '').replace(/\s+/g, ' ').slice(0, 48);
    return paint(color, entry.status === 'skipped' ? '2' : '31', `${entry.status}: ${reason}`);
  }
  const rel = relativeToBest(entry, group) ?? 1;
  const relText = rel < 1.005 ? paint(color, '32', 'best') : paint(color, rel > 1.5 ? '33' : '0', `${rel.toFixed(2)}x`);
  const unsteady = entry.steady === false ? paint(color, '33', ' ~') : '';
  return `${formatValue(entry.stats.median, entry.metric.unit)} ${formatCiPercent(entry)} ${relText}${unsteady}`;
}

function scenarioTable(entries: ResultEntry[], runtimes: string[], titles: string[], color: boolean): string {
  const groups = new Map<string, ResultEntry[]>();
  for (const e of entries) {
    const k = formatParams(e.params);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const header = ['case', 'params', ...titles];
  const rows: string[][] = [];
  for (const [params, group] of groups) {
    for (const caseName of [...new Set(group.map((e) => e.case))]) {
      const byRuntime = (rt: string) => group.find((e) => e.case === caseName && e.runtime === rt);
      rows.push([caseName, params, ...runtimes.map((rt) => cellText(byRuntime(rt), group, color))]);
    }
  }
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i]))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i]))
      .join('  ')
      .trimEnd();
  return [paint(color, '1', line(header)), ...rows.map(line)].join('\n');
}

export function renderTerminal(result: ResultFile, options: TerminalOptions): string {
  const runtimes = runtimesWithEntries(result);
  const titles = runtimes.map((l) => runtimeTitle(result, l));
  const out: string[] = [];
  for (const scenario of [...new Set(result.results.map((e) => e.scenario))]) {
    const entries = result.results.filter((e) => e.scenario === scenario);
    const metric = entries[0].metric;
    out.push(
      paint(options.color, '1;36', `${scenario}`) +
        `  (${metric.name}, ${metric.better} is better; median ±95% CI; x = times the best of its params)`,
    );
    out.push(scenarioTable(entries, runtimes, titles, options.color), '');
  }
  const forks = result.config.forks;
  out.push(
    forks > 1
      ? `${forks} forks per cell; CI: hierarchical bootstrap over forks, then samples. ~ = samples drift (not steady).`
      : '1 fork per cell: CIs are within-process only and too narrow for cross-run claims (PITFALLS 15). ~ = not steady.',
  );
  return out.join('\n');
}
