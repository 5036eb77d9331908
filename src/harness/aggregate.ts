/** Turns the forks of one cell into its result entry: status, statistics over all forks, medians of the side figures. */

import { summarize } from '../result/estimator.js';
import type { ForkRecord, LatencyPercentiles, ResultEntry } from '../result/schema.js';
import { median } from '../result/stats.js';
import type { Cell } from './plan.js';

function medianOf<T extends string>(records: Record<T, number>[], keys: readonly T[]): Record<T, number> {
  return Object.fromEntries(keys.map((k) => [k, median(records.map((r) => r[k]))])) as Record<T, number>;
}

const LATENCY_KEYS = ['p50', 'p90', 'p99', 'p999', 'max', 'count'] as const;

function medianExtra(forks: ForkRecord[]): ResultEntry['extra'] {
  const names = [...new Set(forks.flatMap((f) => Object.keys(f.extra ?? {})))];
  if (names.length === 0) return undefined;
  return Object.fromEntries(
    names.map((name) => {
      const values = forks.flatMap((f) => (f.extra?.[name] ? [f.extra[name]] : []));
      return [name, { value: median(values.map((v) => v.value)), unit: values[0].unit }];
    }),
  );
}

/**
 * A cell is ok when every fork measured; otherwise it takes the first fork's failure, so a case
 * that fails one time in three is reported failed, never averaged into a figure.
 */
export function aggregate(cell: Cell, forks: ForkRecord[]): ResultEntry {
  const entry: ResultEntry = {
    key: cell.key,
    scenario: cell.scenario.id,
    kind: cell.scenario.kind,
    case: cell.caseName,
    params: cell.params,
    runtime: cell.runtime.label,
    status: 'ok',
    metric: cell.scenario.caseMetrics?.[cell.caseName] ?? cell.scenario.metric,
    forks,
  };
  const bad = forks.find((f) => f.status !== 'ok');
  if (bad) return { ...entry, status: bad.status, reason: bad.reason };
  if (forks.length === 0 || forks.some((f) => f.samples.length === 0))
    return { ...entry, status: 'failed', reason: 'no samples were taken' };
  const latencies = forks.flatMap((f) => (f.latency ? [f.latency] : []));
  const colds = forks.flatMap((f) => (f.cold === undefined ? [] : [f.cold]));
  const headline = cell.scenario.headline;
  const headlineUnit = headline && forks.find((f) => f.extra?.[headline.figure])?.extra?.[headline.figure].unit;
  return {
    ...entry,
    stats: summarize(forks.map((f) => f.samples)),
    steady: forks.every((f) => f.steady !== false),
    ...(latencies.length ? { latency: medianOf<keyof LatencyPercentiles>(latencies, LATENCY_KEYS) } : {}),
    ...(colds.length ? { cold: median(colds) } : {}),
    extra: medianExtra(forks),
    ...(headline && headlineUnit ? { headline: { ...headline, unit: headlineUnit } } : {}),
  };
}
