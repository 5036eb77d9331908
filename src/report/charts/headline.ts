/**
 * The three charts a published report opens with (SCENARIOS.md): eager vs lazy speedup by hit
 * ratio, worker scaling with the ideal line, and pool throughput by pool size with the reference
 * tool's figure. Each is faceted per runtime; each is omitted with a note when its data is absent.
 */
import { type ResultEntry, type ResultFile, ranElsewhere } from '../../result/schema.js';
import { groupBy } from '../format.js';
import {
  axisUnit,
  type Chart,
  facetByRuntime,
  measured,
  noiseLabels,
  noisePoints,
  notDrawn,
  note,
  numericParam,
  ofMainMetric,
  paramAxis,
  slice,
  speedup,
} from './common.js';

const EAGER = /^eager/;
const LAZY = /microtask|macrotask|lazy|immediate|channel|loop/;

export function eagerSpeedupChart(entries: readonly ResultEntry[]): Chart {
  const id = 'headline-eager-speedup';
  const title = 'Eager vs lazy task start: speedup by cache hit ratio';
  const { entries: kept, description } = slice(measured(entries, 'eager-tasks'), ['hitRatio']);
  const pairs: { eager: ResultEntry; lazy: ResultEntry }[] = [];
  for (const eager of kept.filter((e) => EAGER.test(e.case)))
    for (const lazy of kept)
      if (
        LAZY.test(lazy.case) &&
        !EAGER.test(lazy.case) &&
        lazy.runtime === eager.runtime &&
        lazy.params.hitRatio === eager.params.hitRatio
      )
        pairs.push({ eager, lazy });
  if (!pairs.length)
    return note(id, title, 'No eager-tasks results with an eager and a lazy case in these files: chart omitted.');
  const noise = noiseLabels(pairs.map((p) => ({ reference: p.lazy, entry: p.eager })));
  const rows = pairs.map(({ eager, lazy }, i) => ({
    runtime: eager.runtime,
    versus: lazy.case,
    hitRatio: numericParam(eager, 'hitRatio'),
    speedup: speedup(eager.stats?.median ?? 0, lazy.stats?.median ?? 0, eager.metric.better),
    noise: noise[i],
  }));
  const x = { field: 'hitRatio', type: 'quantitative', ...paramAxis('hit ratio', [0.5]), scale: { domain: [0, 1] } };
  const y = { field: 'speedup', type: 'quantitative', title: 'eager speedup (×)' };
  const color = { field: 'versus', type: 'nominal', title: 'versus' };
  return {
    id,
    title,
    caption: `How many times faster eager start is than each lazy start, by the share of tasks that finish without suspending (1 = no gain); the point's shape says whether the difference is beyond the noise (Welch's t on the log of fork medians, Holm over the chart's points)${description ? `; ${description}` : ''}${notDrawn(entries, 'eager-tasks')}.`,
    spec: facetByRuntime(rows, [
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 1 } } },
      { mark: { type: 'line' }, encoding: { x, y, color } },
      noisePoints(x, y, color),
    ]),
  };
}

/**
 * workers param as a number: 'cores' and '2xcores' resolve against the measuring machine, and not at
 * all where its core count is not known (`cores` undefined: the cells ran on another machine)
 */
function workersOf(entry: ResultEntry, cores: number | undefined): number | undefined {
  const w = entry.params.workers;
  if (w === 'cores' || w === '2xcores') return cores === undefined ? undefined : (w === 'cores' ? 1 : 2) * cores;
  return numericParam(entry, 'workers');
}

const REFERENCE = 'fewest workers';

export function workerScalingChart(entries: readonly ResultEntry[], cores: number | undefined): Chart {
  const id = 'headline-worker-scaling';
  const title = 'Worker scaling: speedup over the smallest pool, with the ideal line';
  const { entries: kept, description } = slice(measured(entries, 'workers'), ['workers']);
  const measuredRows: { row: Record<string, unknown>; reference?: ResultEntry; entry: ResultEntry }[] = [];
  const ideal = new Map<string, Set<number>>();
  for (const series of groupBy(kept, (e) => `${e.case}\u0000${e.runtime}`).values()) {
    const byWorkers = new Map<number, ResultEntry>();
    for (const e of series) {
      const w = workersOf(e, cores);
      // on a machine whose core count is also a numeric param value, keep one point per size
      if (w !== undefined && e.stats && !byWorkers.has(w)) byWorkers.set(w, e);
    }
    const points = [...byWorkers].map(([w, e]) => ({ w, e }));
    if (points.length < 2) continue;
    const first = points.reduce((a, b) => (b.w < a.w ? b : a));
    for (const { w, e } of points) {
      const row = {
        runtime: e.runtime,
        series: e.case,
        workers: w,
        speedup: speedup(e.stats?.median ?? 0, first.e.stats?.median ?? 0, e.metric.better),
        noise: REFERENCE,
      };
      measuredRows.push({ row, entry: e, ...(e === first.e ? {} : { reference: first.e }) });
      const set = ideal.get(e.runtime) ?? new Set<number>();
      ideal.set(e.runtime, set.add(w));
    }
  }
  if (!measuredRows.length)
    return note(id, title, 'No workers results with two or more pool sizes in these files: chart omitted.');
  // each point beyond a series' smallest pool is tested against it, all of the chart's together
  const compared = measuredRows.flatMap((m) => (m.reference ? [{ ...m, reference: m.reference }] : []));
  for (const [i, label] of noiseLabels(compared).entries()) compared[i].row.noise = label;
  const rows: object[] = measuredRows.map((m) => m.row);
  // ideal: linear up to the machine's cores, flat beyond (more workers than cores cannot run at once),
  // from the runtime's own smallest pool, the one its points are divided by (not another runtime's)
  if (cores !== undefined)
    for (const [runtime, ws] of ideal) {
      const smallest = Math.min(...ws);
      for (const w of ws)
        rows.push({ runtime, series: 'ideal', workers: w, speedup: Math.min(w, cores) / Math.min(smallest, cores) });
    }
  const x = {
    field: 'workers',
    type: 'quantitative',
    ...paramAxis(
      'workers',
      measuredRows.map((m) => m.row.workers),
    ),
  };
  const y = { field: 'speedup', type: 'quantitative', title: 'speedup (×)' };
  const color = { field: 'series', type: 'nominal', title: 'case' };
  return {
    id,
    title,
    caption: `Throughput with N workers divided by throughput with the fewest; ${idealCaption(cores)}; the point's shape says whether the gain over the fewest workers is beyond the noise (Welch's t on the log of fork medians, Holm over the chart's points)${description ? `; ${description}` : ''}${notDrawn(entries, 'workers')}.`,
    spec: facetByRuntime(rows, [
      {
        mark: { type: 'line' },
        encoding: {
          x,
          y,
          color,
          strokeDash: { condition: { test: "datum.series === 'ideal'", value: [5, 4] }, value: [1, 0] },
        },
      },
      { ...noisePoints(x, y, color, REFERENCE), transform: [{ filter: "datum.series !== 'ideal'" }] },
    ]),
  };
}

const POOL_SIZE_PARAMS = ['max', 'connections', 'poolSize', 'size'];

export function poolThroughputChart(entries: readonly ResultEntry[], scenario: string): Chart {
  const id = `headline-${scenario}-throughput`;
  const title = `Pool throughput by pool size: ${scenario}`;
  const { entries: all, others } = ofMainMetric(measured(entries, scenario));
  const sizeParam = POOL_SIZE_PARAMS.find((p) => all.some((e) => numericParam(e, p) !== undefined));
  if (!sizeParam)
    return note(id, title, `No ${scenario} results with a pool size param in these files: chart omitted.`);
  const { entries: kept, description } = slice(all, [sizeParam]);
  type Row = { runtime: string; series: string; size: number; value: number };
  const rows: Row[] = [];
  const references = new Map<string, Row>();
  for (const e of kept) {
    const size = numericParam(e, sizeParam);
    if (size === undefined || !e.stats) continue;
    rows.push({ runtime: e.runtime, series: e.case, size, value: e.stats.median });
    // a secondary figure in the metric's own unit is a reference tool's figure (e.g. pgbench);
    // every case at a size records it, draw it once
    for (const [name, figure] of Object.entries(e.extra ?? {}))
      if (figure.unit === e.metric.unit || (figure.unit.endsWith('/s') && e.metric.unit.endsWith('/s')))
        if (!references.has(`${e.runtime}\u0000${name}\u0000${size}`))
          references.set(`${e.runtime}\u0000${name}\u0000${size}`, {
            runtime: e.runtime,
            // 'reference pgbench' (referenceRecords' name) is drawn as 'pgbench (reference)'
            series: `${name.replace(/^reference /, '')} (reference)`,
            size,
            value: figure.value,
          });
  }
  rows.push(...references.values());
  const axis = axisUnit(
    rows.map((r) => r.value),
    kept[0]?.metric.unit ?? '',
  );
  for (const r of rows) r.value *= axis.factor;
  return {
    id,
    title,
    yUnit: axis.unit,
    caption: `Median throughput by ${sizeParam}; a series marked (reference) is the reference tool's figure on the same server (dashed where it spans several sizes)${description ? `; ${description}` : ''}${others.length ? `; not drawn, another metric: ${others.join(', ')}` : ''}${notDrawn(entries, scenario)}.`,
    spec: facetByRuntime(rows, [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: {
            field: 'size',
            type: 'quantitative',
            ...paramAxis(
              sizeParam,
              rows.map((r) => r.size),
            ),
          },
          y: { field: 'value', type: 'quantitative', title: axis.unit },
          color: { field: 'series', type: 'nominal', title: 'client' },
          strokeDash: {
            condition: { test: "indexof(datum.series, '(reference)') >= 0", value: [5, 4] },
            value: [1, 0],
          },
        },
      },
    ]),
  };
}

/**
 * The core count of the machine the workers cells ran on; undefined where one ran on another machine
 * than the file names (a file combined from several), whose count the file does not hold
 */
export function workerCores(result: ResultFile): number | undefined {
  const elsewhere = result.results.some((e) => e.scenario === 'workers' && ranElsewhere(result, e));
  return elsewhere ? undefined : result.machine.cores;
}

function idealCaption(cores: number | undefined): string {
  return cores === undefined
    ? 'no ideal line: the cells ran on another machine than the file names, whose core count it does not hold'
    : `the dashed line is the ideal on this ${cores}-core machine (linear up to ${cores} workers, flat beyond)`;
}

export function headlineCharts(entries: readonly ResultEntry[], cores: number | undefined): Chart[] {
  return [
    eagerSpeedupChart(entries),
    workerScalingChart(entries, cores),
    poolThroughputChart(entries, 'db-pool'),
    poolThroughputChart(entries, 'http-pool'),
  ];
}
