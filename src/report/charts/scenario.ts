/** Per-scenario charts: medians as bars with 95% CI whiskers, and latency percentiles where measured. */
import type { ResultEntry } from '../../result/schema.js';
import { formatParams } from '../format.js';
import { describeMetrics, type Figure, figureOf } from '../standing.js';
import {
  axisUnit,
  type Chart,
  type ChartSpec,
  CONFIG,
  fileSafe,
  measured,
  notDrawn,
  SCHEMA,
  sharedAxisUnit,
} from './common.js';

/** One panel per params combination: many combinations wrap into rows of three. */
function facetByParams(rows: object[], layer: ChartSpec[]): ChartSpec {
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values: rows },
    facet: { field: 'params', type: 'nominal', title: null },
    columns: 3,
    spec: { width: 200, height: 150, layer },
    resolve: { scale: { y: 'independent' } },
  };
}

/** what the whiskers are, where there are any: a headline figure of one fork has no interval */
function intervalNote(rows: readonly { low?: number }[]): string {
  const whiskers = rows.filter((r) => r.low !== undefined).length;
  if (whiskers === 0) return ' with no interval (a headline figure of one fork has none)';
  return whiskers === rows.length
    ? ' with its 95% confidence interval'
    : ' with its 95% confidence interval where it has one (a headline figure of one fork has none)';
}

export function medianBarsChart(entries: readonly ResultEntry[], scenario: string): Chart {
  const ok = measured(entries, scenario);
  const id = `scenario-${fileSafe(scenario)}-medians`;
  const title = `${scenario}: median by case and runtime`;
  if (!ok.length) return { id, title, caption: 'Nothing was measured in this scenario: no chart.' };
  const figures = ok.flatMap((e) => {
    const figure = figureOf(e);
    return figure ? [{ e, figure }] : [];
  });
  const axis = sharedAxisUnit(figures.map(({ figure }) => ({ value: figure.centre, unit: figure.metric.unit })));
  const scaled = (figure: Figure, x: number | undefined) =>
    x === undefined ? undefined : x * axis.factor(figure.metric.unit);
  const rows = figures.map(({ e, figure }) => ({
    params: formatParams(e.params),
    case: e.case,
    runtime: e.runtime,
    median: scaled(figure, figure.centre),
    low: scaled(figure, figure.ci?.low),
    high: scaled(figure, figure.ci?.high),
    steady: e.steady === false ? 'no (drifts)' : 'yes',
  }));
  const x = { field: 'case', type: 'nominal', title: null, axis: { labelAngle: -30 } };
  return {
    id,
    title,
    caption: `Median (${describeMetrics(ok)})${intervalNote(rows)}, in ${axis.unit}; faded bars are not steady${notDrawn(entries, scenario)}.`,
    spec: facetByParams(rows, [
      {
        mark: 'bar',
        encoding: {
          x,
          xOffset: { field: 'runtime', type: 'nominal' },
          y: { field: 'median', type: 'quantitative', title: axis.unit },
          color: { field: 'runtime', type: 'nominal' },
          opacity: {
            field: 'steady',
            type: 'ordinal',
            sort: ['yes', 'no (drifts)'],
            title: 'steady',
            scale: { domain: ['yes', 'no (drifts)'], range: [1, 0.4] },
          },
        },
      },
      {
        mark: { type: 'rule', color: '#222' },
        encoding: {
          x,
          xOffset: { field: 'runtime', type: 'nominal' },
          y: { field: 'low', type: 'quantitative' },
          y2: { field: 'high' },
        },
      },
    ]),
  };
}

const PERCENTILES = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
] as const;

export function latencyChart(entries: readonly ResultEntry[], scenario: string): Chart | undefined {
  const withLatency = measured(entries, scenario).filter((e) => e.latency);
  if (!withLatency.length) return undefined;
  const axis = axisUnit(
    withLatency.flatMap((e) => PERCENTILES.map(([key]) => e.latency?.[key] ?? Number.NaN)),
    'ms',
  );
  const rows = withLatency.flatMap((e) =>
    PERCENTILES.map(([key, label]) => ({
      params: formatParams(e.params),
      case: e.case,
      runtime: e.runtime,
      percentile: label,
      latency: (e.latency?.[key] ?? Number.NaN) * axis.factor,
    })),
  );
  return {
    id: `scenario-${fileSafe(scenario)}-latency`,
    title: `${scenario}: latency percentiles`,
    caption: `Latency of single operations under load (${axis.unit}, log scale), medians over forks.`,
    spec: facetByParams(rows, [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'percentile', type: 'ordinal', sort: PERCENTILES.map(([, l]) => l), title: null },
          y: { field: 'latency', type: 'quantitative', scale: { type: 'log' }, title: axis.unit },
          // a colour per case and a dash per runtime: one colour per case x runtime ran out of the
          // palette's ten and drew two series alike
          color: { field: 'case', type: 'nominal', title: 'case' },
          strokeDash: { field: 'runtime', type: 'nominal', title: 'runtime' },
          shape: { field: 'runtime', type: 'nominal', title: 'runtime' },
        },
      },
    ]),
  };
}

export function scenarioCharts(entries: readonly ResultEntry[], scenario: string): Chart[] {
  const latency = latencyChart(entries, scenario);
  return [medianBarsChart(entries, scenario), ...(latency ? [latency] : [])];
}
