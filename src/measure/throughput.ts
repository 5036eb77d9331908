/**
 * The closed-loop throughput driver (DESIGN.md, kind `throughput`): `concurrency` workers each call
 * the op back to back, so exactly that many ops are in flight; a warmup runs first with the same
 * load, then the measuring window. Every op's latency goes into an HDR histogram; ops are counted
 * per interval, so a series that drifts (a pool degrading, JIT tiering late) shows.
 */
import type { LatencyPercentiles } from '../result/schema.js';
import { isSteady } from '../result/stats.js';
import type { Op } from '../scenario.js';
import type { ThroughputOptions, ThroughputSeries } from './types.js';

/** Latencies are recorded in whole microseconds, up to one hour. */
const MAX_LATENCY_US = 3_600_000_000;

async function latencyHistogram() {
  // loaded here, not at the top: it costs ~70 ms of start-up, and micro and process children never
  // record a latency
  const { default: hdr } = await import('hdr-histogram-js');
  // The pure-JS build: the WebAssembly one needs an async init and is not needed at these rates.
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_LATENCY_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

type Histogram = Awaited<ReturnType<typeof latencyHistogram>>;

function percentiles(histogram: Histogram): LatencyPercentiles {
  // A percentile is its bucket's highest equivalent value, which can lie just above the exact max.
  const at = (q: number) => Math.min(histogram.getValueAtPercentile(q), histogram.maxValue) / 1000;
  return {
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: histogram.maxValue / 1000,
    count: histogram.totalCount,
  };
}

/**
 * The measuring window is cut into whole intervals (at least one); an interval count rather than
 * a remainder keeps every sample's denominator the same.
 */
function intervalLayout(durationMs: number, intervalMs: number): { count: number; lengthMs: number } {
  const count = Math.max(1, Math.round(durationMs / intervalMs));
  return { count, lengthMs: durationMs / count };
}

export async function runThroughput(op: Op, options: ThroughputOptions): Promise<ThroughputSeries> {
  const { concurrency, warmupMs, durationMs, intervalMs, clock } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const layout = intervalLayout(durationMs, intervalMs);
  const opsByInterval = new Array<number>(layout.count).fill(0);
  const histogram = await latencyHistogram();
  const measureFrom = clock.now() + warmupMs;
  const measureUntil = measureFrom + durationMs;
  let failure: { error: unknown } | null = null;
  let ops = 0;
  const intervalOf = (t: number) => Math.min(layout.count - 1, Math.floor((t - measureFrom) / layout.lengthMs));
  /**
   * Each op counts once, spread over the intervals its run time covers (the part inside the
   * window). Counted whole in the interval it ended in, an interval held a whole number of ops, and
   * with 2 or 3 ops an interval the median of its samples was 20 or 30 ops/s where 25 was true.
   */
  const credit = (started: number, ended: number) => {
    const from = Math.max(started, measureFrom);
    const until = Math.min(ended, measureUntil);
    const span = ended - started;
    if (span <= 0) {
      // too quick for the clock: all of it where it ended
      if (ended >= measureFrom && ended < measureUntil) opsByInterval[intervalOf(ended)] += 1;
      return;
    }
    for (let k = intervalOf(from); from < until && k < layout.count; k++) {
      const lo = Math.max(from, measureFrom + k * layout.lengthMs);
      const hi = Math.min(until, measureFrom + (k + 1) * layout.lengthMs);
      if (hi <= lo) break;
      opsByInterval[k] += (hi - lo) / span;
    }
  };

  const worker = async () => {
    // Stop starting ops at the end of the window (or after any op failed); ops in flight finish,
    // so teardown never closes a pool under a running query.
    while (failure === null) {
      const started = clock.now();
      if (started >= measureUntil) return;
      try {
        await op();
      } catch (error) {
        failure ??= { error };
        return;
      }
      const ended = clock.now();
      // Latency: every op started inside the window (also those that end after it, so a slow
      // tail is not cut off). Throughput: the ops' run time inside the window, by interval.
      if (started >= measureFrom)
        histogram.recordValue(Math.min(MAX_LATENCY_US, Math.max(1, Math.round((ended - started) * 1000))));
      if (ended >= measureFrom && ended < measureUntil) ops++;
      credit(started, ended);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  // a window no op ended in holds at most slivers of ops: its figure (0 req/s at --duration 1e-6)
  // would be recorded as a measurement where none was made
  if (ops === 0)
    throw new Error(
      `no op ended inside the ${durationMs} ms measuring window, so it measured nothing: a longer window (--duration) holds whole ops`,
    );

  const samples = opsByInterval.map((n) => (n * 1000) / layout.lengthMs);
  return {
    samples,
    steady: isSteady(samples),
    latency: percentiles(histogram),
    ops,
  };
}
