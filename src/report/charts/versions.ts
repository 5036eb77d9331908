/**
 * "Across versions": each headline figure (eager speedup, worker scaling, pool throughput) as a
 * line over the versions of one runtime, a panel per runtime, when a result file holds more than
 * one version of a runtime (`run --runtime node@22,node@24,node@26`). The figures are the headline
 * charts' own (headline.ts), regrouped by version rather than recomputed.
 */
import type { ResultFile } from '../../result/schema.js';
import { compareVersions } from '../../result/versions.js';
import { type Chart, facetByRuntime, note } from './common.js';
import { eagerSpeedupChart, poolThroughputChart, workerCores, workerScalingChart } from './headline.js';

/** One point of a headline chart: its runtime label and the fields the chart drew. */
type Row = Record<string, unknown> & { runtime: string };

function rowsOf(chart: Chart): Row[] {
  const data = chart.spec?.data as { values?: Row[] } | undefined;
  return data?.values ?? [];
}

/** Keeps, per runtime label and series, the row where `size` is largest (the most loaded setting). */
function atLargest(rows: Row[], size: string): Row[] {
  const best = new Map<string, Row>();
  for (const row of rows) {
    const key = `${row.runtime}\u0000${String(row.series)}`;
    const current = best.get(key);
    if (!current || Number(row[size]) > Number(current[size])) best.set(key, row);
  }
  return [...best.values()];
}

interface Figure {
  id: string;
  title: string;
  /** the headline chart's rows -> { runtime (label), series, value } */
  points(rows: Row[]): { runtime: string; series: string; value: number }[];
  axis: string;
  caption: string;
  /** a dashed reference line (1 = no speedup) */
  rule?: number;
}

function figures(result: ResultFile): [Chart, Figure][] {
  const entries = result.results;
  const pool = (scenario: string): [Chart, Figure] => {
    const chart = poolThroughputChart(entries, scenario);
    return [
      chart,
      {
        id: `versions-${scenario}-throughput`,
        title: `Pool throughput across versions: ${scenario}`,
        points: (rows) =>
          atLargest(
            rows.filter((r) => !String(r.series).endsWith('(reference)')),
            'size',
          ).map((r) => ({ runtime: r.runtime, series: `${r.series} (size ${r.size})`, value: Number(r.value) })),
        // the headline chart's own unit: it scaled the values this chart redraws
        axis: chart.yUnit ? `median throughput (${chart.yUnit})` : 'median throughput',
        caption: 'Median throughput at the largest pool size measured, by runtime version',
      },
    ];
  };
  return [
    [
      eagerSpeedupChart(entries),
      {
        id: 'versions-eager-speedup',
        title: 'Eager vs lazy task start across versions',
        points: (rows) =>
          rows.map((r) => ({
            runtime: r.runtime,
            series: `vs ${r.versus}, hit ratio ${r.hitRatio}`,
            value: Number(r.speedup),
          })),
        axis: 'eager speedup (×)',
        caption: 'How many times faster eager start is than each lazy start (1 = no gain), by runtime version',
        rule: 1,
      },
    ],
    [
      workerScalingChart(entries, workerCores(result)),
      {
        id: 'versions-worker-scaling',
        title: 'Worker scaling across versions',
        points: (rows) =>
          atLargest(
            rows.filter((r) => r.series !== 'ideal'),
            'workers',
          ).map((r) => ({
            runtime: r.runtime,
            series: `${r.series} (${r.workers} workers)`,
            value: Number(r.speedup),
          })),
        axis: 'speedup over the smallest pool (×)',
        caption: 'Speedup of the largest worker pool over the smallest, by runtime version',
        rule: 1,
      },
    ],
    pool('db-pool'),
    pool('http-pool'),
  ];
}

/** Runtime names with two or more versions among `labels`, as { label -> name, version }. */
function versionsOf(result: ResultFile, labels: Iterable<string>): Map<string, { name: string; version: string }> {
  const info = new Map<string, { name: string; version: string }>();
  for (const label of labels) {
    const rt = result.runtimes.find((r) => r.label === label);
    if (rt) info.set(label, { name: rt.name, version: rt.version });
  }
  const versions = (name: string) => new Set([...info.values()].filter((v) => v.name === name).map((v) => v.version));
  for (const [label, v] of info) if (versions(v.name).size < 2) info.delete(label);
  return info;
}

/**
 * One chart per headline figure, a panel per runtime with several versions, versions in order on
 * the x axis. Empty when the file has no runtime in more than one version.
 */
export function acrossVersionsCharts(result: ResultFile): Chart[] {
  const measured = new Set(result.results.filter((e) => e.status === 'ok').map((e) => e.runtime));
  if (versionsOf(result, measured).size === 0) return [];
  return figures(result).map(([headline, figure]) => {
    const points = figure.points(rowsOf(headline));
    const versioned = versionsOf(
      result,
      points.map((p) => p.runtime),
    );
    const seen = new Set<string>();
    const rows = points.flatMap((p) => {
      const v = versioned.get(p.runtime);
      // the pinned `node` and `node@24.21.0` are the same build: one point per version and series
      const key = `${v?.name}\u0000${v?.version}\u0000${p.series}`;
      if (!v || seen.has(key)) return [];
      seen.add(key);
      return [{ runtime: v.name, version: v.version, label: p.runtime, series: p.series, value: p.value }];
    });
    if (!headline.spec) return note(figure.id, figure.title, headline.caption);
    if (rows.length === 0)
      return note(
        figure.id,
        figure.title,
        'No runtime has two versions with this figure in these files: chart omitted.',
      );
    const order = [...new Set(rows.map((r) => r.version))].sort(compareVersions);
    const line = {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'version', type: 'ordinal', sort: order, title: 'version' },
        y: { field: 'value', type: 'quantitative', title: figure.axis },
        color: { field: 'series', type: 'nominal', title: null },
        tooltip: [{ field: 'label' }, { field: 'value', format: '.3~g' }],
      },
    };
    const rule = { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: figure.rule } } };
    return {
      id: figure.id,
      title: figure.title,
      caption: `${figure.caption}; the same slice of the matrix as the headline chart (${headline.caption.replace(/\.$/, '')}).`,
      spec: facetByRuntime(rows, figure.rule === undefined ? [line] : [rule, line], {
        resolve: { scale: { x: 'independent' } },
      }),
    };
  });
}
