/**
 * Bencher Metric Format (BMF): { "<benchmark>": { "<measure>": { value, lower_value, upper_value } } }.
 * Times per op go to Bencher's built-in `latency` measure (nanoseconds) and rates to `throughput`;
 * anything else to a measure named after the metric; latency percentiles of throughput cases to
 * `latency-p50` / `latency-p99` (ms), which a Bencher project creates on first upload.
 */
import type { ResultEntry, ResultFile } from '../result/schema.js';
import { entryLabel } from './format.js';

export interface BmfMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

export type Bmf = Record<string, Record<string, BmfMetric>>;

function measureOf(entry: ResultEntry): string {
  if (entry.metric.unit === 'ns' && entry.metric.better === 'lower') return 'latency';
  if (entry.metric.better === 'higher' && entry.metric.unit.endsWith('/s')) return 'throughput';
  return entry.metric.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export function toBencher(result: ResultFile): Bmf {
  const bmf: Bmf = {};
  for (const e of result.results) {
    if (e.status !== 'ok' || !e.stats) continue;
    const measures: Record<string, BmfMetric> = {
      [measureOf(e)]: { value: e.stats.median, lower_value: e.stats.ci.low, upper_value: e.stats.ci.high },
    };
    if (e.latency) {
      measures['latency-p50'] = { value: e.latency.p50 };
      measures['latency-p99'] = { value: e.latency.p99 };
    }
    bmf[entryLabel(e)] = measures;
  }
  return bmf;
}
