/**
 * The figures of an ok entry that are functions of its forks: its statistics, latency percentiles,
 * cold call, side figures and steadiness. The harness writes them (aggregate.ts) and every reader
 * derives them again from the forks (io.ts readResultFile), so a printed or tested figure always
 * traces back to the raw samples: a file whose `stats.median` was edited, or that an older estimator
 * wrote, is read with the figures its samples give today.
 */
import { CI_LEVEL, estimateCentre, summarize } from './estimator.js';
import type { ForkRecord, LatencyPercentiles, ResultEntry, SessionSpread } from './schema.js';
import { median } from './stats.js';

const LATENCY_KEYS = ['p50', 'p90', 'p99', 'p999', 'max', 'count'] as const;

function medianOf<T extends string>(records: Record<T, number>[], keys: readonly T[]): Record<T, number> {
  return Object.fromEntries(keys.map((k) => [k, median(records.map((r) => r[k]))])) as Record<T, number>;
}

function medianExtra(forks: readonly ForkRecord[]): ResultEntry['extra'] {
  const names = [...new Set(forks.flatMap((f) => Object.keys(f.extra ?? {})))];
  if (names.length === 0) return undefined;
  return Object.fromEntries(
    names.map((name) => {
      const values = forks.flatMap((f) => (f.extra?.[name] ? [f.extra[name]] : []));
      return [name, { value: median(values.map((v) => v.value)), unit: values[0].unit }];
    }),
  );
}

export type DerivedFigures = Pick<ResultEntry, 'stats' | 'steady' | 'latency' | 'cold' | 'extra'>;

/**
 * The forks' figures. `sessions`: the run-to-run spread the run's interval was widened by (`run
 * --sessions`), an input the forks cannot give, so a reader passes on the one the file names.
 */
export function deriveFigures(forks: readonly ForkRecord[], sessions?: SessionSpread): DerivedFigures {
  const samples = forks.map((f) => f.samples);
  const stats = summarize(samples);
  if (sessions) stats.ci = estimateCentre(samples, CI_LEVEL, sessions).ci;
  const latencies = forks.flatMap((f) => (f.latency ? [f.latency] : []));
  const colds = forks.flatMap((f) => (f.cold === undefined ? [] : [f.cold]));
  const extra = medianExtra(forks);
  return {
    stats,
    steady: forks.every((f) => f.steady !== false),
    ...(latencies.length ? { latency: medianOf<keyof LatencyPercentiles>(latencies, LATENCY_KEYS) } : {}),
    ...(colds.length ? { cold: median(colds) } : {}),
    ...(extra ? { extra } : {}),
  };
}

/** An ok entry whose interval includes the run-to-run spread (`run --sessions`); other entries unchanged. */
export function withSessions(entry: ResultEntry, sessions: SessionSpread): ResultEntry {
  return entry.status === 'ok' && entry.stats ? { ...entry, ...deriveFigures(entry.forks, sessions) } : entry;
}
