/**
 * The published report: one self-contained HTML page (inline CSS, charts as inline SVG rendered in
 * Node, no script, no CDN), so it works offline and on GitHub Pages. It opens with the headline
 * charts, then trends (given a history), then one section per scenario, then the metadata.
 * Every name taken from a result file is escaped.
 */

import type { ResultEntry, ResultFile } from '../result/schema.js';
import type { Chart } from './charts/common.js';
import { headlineCharts, workerCores } from './charts/headline.js';
import { renderSvg } from './charts/render.js';
import { scenarioCharts } from './charts/scenario.js';
import { trendCharts } from './charts/trend.js';
import { acrossVersionsCharts } from './charts/versions.js';
import {
  formatCentre,
  formatParams,
  formatValue,
  groupBy,
  escapeHtml as h,
  intervalMethod,
  machineLines,
  runtimesWithEntries,
  runtimeTitle,
  scenarioGrid,
  shiftLines,
} from './format.js';
import {
  cellFacts,
  coldText,
  describeMetrics,
  EMPTY_OP_FACTOR,
  formatTimes,
  legendLines,
  NOISE_MARK,
  RUNTIME_COLUMNS,
  rankTable,
  recordedFigures,
  runFacts,
  runtimeFacts,
  type TableStandings,
} from './standing.js';

export interface RenderedChart extends Chart {
  /** present when the chart has data */
  svg?: string;
}

export interface Site {
  html: string;
  /** every chart with data, for --svg */
  charts: RenderedChart[];
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1rem 1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
figure{margin:1rem 0 1.8rem}figure svg{max-width:100%;height:auto}figcaption{color:#57606a;font-size:.9rem}
.omitted{color:#57606a;font-style:italic}.meta{color:#57606a}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.88rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}.best{color:#1a7f37;font-weight:600}
.bad{color:#cf222e}.skip{color:#57606a}.unsteady{color:#9a6700}.noise,.cold{color:#57606a}nav a{margin-right:.8rem}`;

async function renderCharts(charts: Chart[]): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const chart of charts) out.push(chart.spec ? { ...chart, svg: await renderSvg(chart.spec) } : chart);
  return out;
}

function figure(chart: RenderedChart): string {
  if (!chart.svg) return `<p class="omitted" id="${h(chart.id)}">${h(chart.title)}: ${h(chart.caption)}</p>`;
  // the SVG comes from vega's renderer, which escapes every text it draws
  return `<figure id="${h(chart.id)}" class="chart"><h3>${h(chart.title)}</h3>${chart.svg}<figcaption>${h(chart.caption)}</figcaption></figure>`;
}

const NOISE_TITLE = {
  within: 'not beyond the noise',
  untested: 'untested: a side with one fork gives no between-process test',
  elsewhere: 'untested: the two cells were measured on different machines',
} as const;

function cell(entry: ResultEntry | undefined, standings: TableStandings): string {
  if (!entry) return '<td>—</td>';
  const facts = cellFacts(entry, standings);
  if (!facts)
    return `<td class="${entry.status === 'skipped' ? 'skip' : 'bad'}" title="${h(entry.reason ?? '')}">${h(entry.status)}</td>`;
  const { figure, standing: s, cold, emptyOp } = facts;
  const rank = !s
    ? ''
    : s.best
      ? ' <span class="best">best</span>'
      : ` <span class="rank">${h(formatTimes(s.rel))}</span>${s.noise && s.noise !== 'beyond' ? ` <span class="noise" title="${h(NOISE_TITLE[s.noise])}">${NOISE_MARK[s.noise]}</span>` : ''}`;
  const coldPart = cold
    ? ` <span class="cold" title="the first, cold call against the steady state">${h(coldText(cold, true))}</span>`
    : '';
  const steady =
    entry.steady === false ? ' <span class="unsteady" title="samples drift: not steady">~ not steady</span>' : '';
  const empty = emptyOp
    ? ` <span class="bad" title="under ${EMPTY_OP_FACTOR}× an empty op timed beside it: likely optimized out">! near an empty op</span>`
    : '';
  return `<td class="num">${h(formatCentre(figure))}${rank}${coldPart}${empty}${steady}</td>`;
}

function table(header: string[], rows: string[]): string {
  return `<table><thead><tr>${header.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function resultsTable(entries: ResultEntry[], runtimes: string[], titles: string[]): string {
  const standings = rankTable(entries);
  const rows = scenarioGrid(entries, runtimes).map(
    (r) =>
      `<tr><td>${h(r.caseName)}</td><td>${h(r.params)}</td>${r.cells.map((e) => cell(e, standings)).join('')}</tr>`,
  );
  return table(['case', 'params', ...titles], rows);
}

/** As the Markdown report's: where a headline leads the table, the measured metric is only here. */
function latencyTable(entries: ResultEntry[], title: (label: string) => string): string {
  const withLatency = entries.filter((e) => e.latency || e.extra);
  if (!withLatency.length) return '';
  const ms = (x: number | undefined) => `<td class="num">${x === undefined ? '—' : h(formatValue(x, 'ms'))}</td>`;
  const recorded = (e: ResultEntry) =>
    recordedFigures(e)
      .map((f) => `${h(f.name)} ${h(f.value)}`)
      .join(', ');
  const rows = withLatency.map(
    (e) =>
      `<tr><td>${h(e.case)}</td><td>${h(formatParams(e.params))}</td><td>${h(title(e.runtime))}</td>${ms(e.latency?.p50)}${ms(e.latency?.p90)}${ms(e.latency?.p99)}${ms(e.latency?.p999)}<td>${recorded(e)}</td></tr>`,
  );
  const header = ['case', 'params', 'runtime', 'p50', 'p90', 'p99', 'p99.9', 'also recorded'];
  return `<h3>Latency percentiles and recorded figures</h3>${table(header, rows)}`;
}

function problemList(entries: ResultEntry[], title: (label: string) => string): string {
  const bad = entries.filter((e) => e.status !== 'ok');
  if (!bad.length) return '';
  const items = bad.map(
    (e) =>
      `<li><b>${h(e.case)}</b> (${h(formatParams(e.params))}) on ${h(title(e.runtime))}: <span class="${e.status === 'skipped' ? 'skip' : 'bad'}">${h(e.status)}</span> — ${h(e.reason ?? 'no reason given')}</li>`,
  );
  return `<h3>Failures and skips</h3><ul>${items.join('')}</ul>`;
}

function metadata(result: ResultFile): string {
  const facts = runFacts(result).map(
    (f) => `<li>${f.label}: ${h(f.text)}${f.warning ? ` <b class="bad">(${h(f.warning)})</b>` : ''}</li>`,
  );
  const rows = runtimeFacts(result).map((r) => `<tr>${r.map((cell) => `<td>${h(cell)}</td>`).join('')}</tr>`);
  return `<h2 id="metadata">Machine and runtimes</h2><ul>
${facts.join('\n')}</ul>
${table(RUNTIME_COLUMNS, rows)}`;
}

async function scenarioSection(
  scenario: string,
  entries: ResultEntry[],
  runtimes: string[],
  titles: string[],
): Promise<{ html: string; charts: RenderedChart[] }> {
  const charts = await renderCharts(scenarioCharts(entries, scenario));
  // as the results table heads its columns: `node (24.21.0)` beside another node's cells
  const title = (label: string) => titles[runtimes.indexOf(label)] ?? label;
  const html = `<section id="s-${h(scenario)}"><h2>${h(scenario)}</h2>
<p class="meta">${h(entries[0].kind)}: ${h(describeMetrics(entries))}. Median ± half-width of its 95% interval (-X%/+Y% where one side is over 1.5 times the other); × = times worse than the best of its params and metric (legend at the top).</p>
${charts.map(figure).join('\n')}${resultsTable(entries, runtimes, titles)}${latencyTable(entries, title)}${problemList(entries, title)}</section>`;
  return { html, charts };
}

/** `history` in time order; the newest result is reported in full, the others feed the trend charts. */
export async function renderSite(history: readonly ResultFile[]): Promise<Site> {
  const result = history[history.length - 1];
  const runtimes = runtimesWithEntries(result);
  const headline = await renderCharts([
    ...headlineCharts(result.results, workerCores(result)),
    ...acrossVersionsCharts(result),
  ]);
  const trends = await renderCharts(trendCharts(history));
  const sections: string[] = [];
  const charts: RenderedChart[] = [...headline, ...trends];
  for (const [scenario, entries] of groupBy(result.results, (e) => e.scenario)) {
    const section = await scenarioSection(
      scenario,
      entries,
      runtimes,
      runtimes.map((l) => runtimeTitle(result, l)),
    );
    sections.push(section.html);
    charts.push(...section.charts);
  }
  const scenarios = [...groupBy(result.results, (e) => e.scenario).keys()];
  const when = `${result.run.startedAt}${result.git ? `, commit ${result.git.commit.slice(0, 10)}` : ''}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>asyncbench results</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body><header><h1>asyncbench: async patterns on ${h(runtimes.join(', '))}</h1>
<p class="meta">Run ${h(when)} on ${h(result.machine.cpuModel)} (${h(result.machine.cores)} cores).</p>
<ul class="meta legend">${[
    `95% intervals: ${intervalMethod(result)}.`,
    ...machineLines(result),
    ...shiftLines(result),
    ...legendLines(result.results),
  ]
    .map((line) => `<li>${h(line)}</li>`)
    .join('')}</ul>
<nav><a href="#headline">Headline</a>${trends.length ? '<a href="#trends">Trends</a>' : ''}${scenarios.map((s) => `<a href="#s-${h(s)}">${h(s)}</a>`).join('')}<a href="#metadata">Machine</a></nav></header>
<main><section id="headline"><h2>Headline</h2>${headline.map(figure).join('\n')}</section>
${trends.length ? `<section id="trends"><h2>Trends over ${history.length} runs</h2>${trends.map(figure).join('\n')}</section>` : ''}
${sections.join('\n')}
${metadata(result)}</main></body></html>
`;
  return { html, charts: charts.filter((c) => c.svg) };
}
