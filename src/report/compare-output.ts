/** Renders a Comparison as text (terminal), Markdown (pull-request comment, step summary) or JSON. */
import type { ResultEntry, ResultFile } from '../result/schema.js';
import { type Comparison, type EntryComparison, givenPercent, type Verdict } from './compare.js';
import { entryLabel, escapeMarkdown, formatPercent, formatValue, onOneLine } from './format.js';

export type CompareFormat = 'text' | 'md' | 'json';
export const COMPARE_FORMATS: readonly CompareFormat[] = ['text', 'md', 'json'];

const VERDICT_ORDER: Verdict[] = ['slower', 'faster', 'cannot judge', 'not comparable', 'not slower', 'unchanged'];
const VERDICT_MARK: Record<Verdict, string> = {
  slower: '🔴 slower',
  faster: '🟢 faster',
  'cannot judge': '🟡 cannot judge',
  'not comparable': '⚪ not comparable',
  'not slower': 'not slower',
  unchanged: 'unchanged',
};

export interface CompareSources {
  base: { path: string; file: ResultFile };
  head: { path: string; file: ResultFile };
}

function sorted(rows: EntryComparison[]): EntryComparison[] {
  return [...rows].sort(
    (a, b) => VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict) || a.key.localeCompare(b.key),
  );
}

function median(entry: ResultEntry): string {
  return entry.stats ? formatValue(entry.stats.median, entry.metric.unit) : entry.status;
}

/** ±x as a percentage; past ±1000% (a handful of noisy forks) the digits mean nothing. */
function plusMinus(x: number): string {
  if (Number.isNaN(x)) return '—';
  return Number.isFinite(x) && Math.abs(x) <= 10 ? `±${formatPercent(Math.abs(x)).replace(/^[+-]/, '')}` : '>±1000%';
}

/** The verdict as shown: an entry that cannot be judged says how wide its interval still is. */
function verdictLabel(row: EntryComparison, marked = false): string {
  const label = marked ? VERDICT_MARK[row.verdict] : row.verdict;
  if (row.verdict !== 'cannot judge' || !row.ci) return label;
  return `${label} (${plusMinus((row.ci.high - row.ci.low) / 2)})`;
}

function interval(row: EntryComparison): string {
  return row.ci ? `[${formatPercent(row.ci.low)}, ${formatPercent(row.ci.high)}]` : '—';
}

function counts(comparison: Comparison): string {
  const n = (v: Verdict) => comparison.rows.filter((r) => r.verdict === v).length;
  const parts = VERDICT_ORDER.map((v) => `${n(v)} ${v}`);
  return `${comparison.rows.length} compared: ${parts.join(', ')}; ${comparison.added.length} added, ${comparison.removed.length} removed`;
}

function describeRun(side: { path: string; file: ResultFile }): string {
  const git = side.file.git ? ` @ ${side.file.git.commit.slice(0, 10)}${side.file.git.dirty ? ' (dirty)' : ''}` : '';
  return `${side.path}${git} (${side.file.run.startedAt})`;
}

function method(comparison: Comparison): string {
  const { threshold, alpha, looks } = comparison.options;
  const pct = (x: number) => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;
  const level =
    looks > 1
      ? `sequential: up to ${looks} looks, alpha ${pct(alpha)} split evenly over looks (Bonferroni), Holm over entries`
      : `family-wise level ${pct(alpha)}`;
  return `Test: ${comparison.test}; ${level}; change = head / base - 1 of the geometric mean of fork medians (of the pairs' ratios, 20% trimmed, for a paired test); n = pairs (or forks a side); detectable = smallest change the test would catch with 80% power. Threshold ${givenPercent(threshold)}: slower/faster need a significant change of at least the threshold; cannot judge (±X) = the 95% interval (half-width X) still reaches past it.`;
}

function detectable(row: EntryComparison): string {
  return row.detectable === undefined ? '—' : plusMinus(row.detectable);
}

export function renderCompareText(comparison: Comparison, sources: CompareSources): string {
  const rows = sorted(comparison.rows).map((r) =>
    [
      verdictLabel(r),
      entryLabel(r.head),
      median(r.base),
      median(r.head),
      r.change === undefined ? '—' : formatPercent(r.change),
      interval(r),
      detectable(r),
      r.n === undefined ? '—' : String(r.n),
      r.note ?? '',
    ].map(onOneLine),
  );
  const header = ['verdict', 'entry', 'base', 'head', 'change', '95% CI', 'detectable', 'n', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [`base: ${describeRun(sources.base)}`, `head: ${describeRun(sources.head)}`, ''];
  out.push(...comparison.warnings.map((w) => `warning: ${w}`));
  if (comparison.warnings.length) out.push('');
  out.push(line(header), ...rows.map(line), '');
  for (const e of comparison.added) out.push(`added:   ${onOneLine(entryLabel(e))}`);
  for (const e of comparison.removed) out.push(`removed: ${onOneLine(entryLabel(e))}`);
  out.push(counts(comparison));
  if (comparison.design) out.push(comparison.design);
  out.push(method(comparison));
  return out.join('\n');
}

export function renderCompareMarkdown(comparison: Comparison, sources: CompareSources): string {
  const out = [
    '## asyncbench compare',
    '',
    `**Base** ${escapeMarkdown(describeRun(sources.base))}  `,
    `**Head** ${escapeMarkdown(describeRun(sources.head))}`,
    '',
  ];
  for (const w of comparison.warnings) out.push(`> ⚠️ ${escapeMarkdown(w)}`);
  if (comparison.warnings.length) out.push('');
  out.push(`**${escapeMarkdown(counts(comparison))}**`, '');
  const interesting = sorted(comparison.rows).filter((r) => r.verdict !== 'unchanged');
  const table = (rows: EntryComparison[]) => [
    '| verdict | entry | base | head | change | 95% CI | detectable | n | note |',
    '|---|---|--:|--:|--:|--:|--:|--:|---|',
    ...rows.map(
      (r) =>
        `| ${verdictLabel(r, true)} | ${escapeMarkdown(entryLabel(r.head))} | ${escapeMarkdown(median(r.base))} | ${escapeMarkdown(median(r.head))} | ${r.change === undefined ? '—' : formatPercent(r.change)} | ${interval(r)} | ${detectable(r)} | ${r.n ?? '—'} | ${escapeMarkdown(r.note ?? '')} |`,
    ),
  ];
  if (interesting.length) out.push(...table(interesting), '');
  const unchanged = comparison.rows.filter((r) => r.verdict === 'unchanged');
  if (unchanged.length)
    out.push(
      `<details><summary>${unchanged.length} unchanged</summary>`,
      '',
      ...table(sorted(unchanged)),
      '',
      '</details>',
      '',
    );
  const listed = (title: string, entries: ResultEntry[]) =>
    entries.length ? [`**${title}:** ${entries.map((e) => escapeMarkdown(entryLabel(e))).join(', ')}`, ''] : [];
  out.push(...listed('Added', comparison.added), ...listed('Removed', comparison.removed));
  if (comparison.design) out.push(`<sub>${escapeMarkdown(comparison.design)}</sub>`, '');
  out.push(`<sub>${escapeMarkdown(method(comparison))}</sub>`, '');
  return out.join('\n');
}

export function renderCompareJson(comparison: Comparison, sources: CompareSources): string {
  const side = (s: { path: string; file: ResultFile }) => ({
    path: s.path,
    runId: s.file.run.id,
    startedAt: s.file.run.startedAt,
    git: s.file.git,
  });
  const row = (r: EntryComparison) => ({
    key: r.key,
    verdict: r.verdict,
    ...(r.note ? { note: r.note } : {}),
    metric: r.head.metric,
    base: r.base.stats?.median ?? null,
    head: r.head.stats?.median ?? null,
    change: r.change ?? null,
    ci: r.ci ?? null,
    p: r.p ?? null,
    detectable: r.detectable ?? null,
    n: r.n ?? null,
    test: r.test ?? null,
  });
  return JSON.stringify(
    {
      schema: 'asyncbench/compare@1',
      base: side(sources.base),
      head: side(sources.head),
      test: comparison.test,
      threshold: comparison.options.threshold,
      alpha: comparison.options.alpha,
      looks: comparison.options.looks,
      ...(comparison.design ? { design: comparison.design } : {}),
      warnings: comparison.warnings,
      rows: sorted(comparison.rows).map(row),
      added: comparison.added.map((e) => e.key),
      removed: comparison.removed.map((e) => e.key),
    },
    null,
    2,
  );
}

export const COMPARE_RENDERERS: Record<CompareFormat, (c: Comparison, s: CompareSources) => string> = {
  text: renderCompareText,
  md: renderCompareMarkdown,
  json: renderCompareJson,
};
