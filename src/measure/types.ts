/** What the measuring child asks of an engine or driver, and what it gets back. */
import type { LatencyPercentiles } from '../result/schema.js';
import type { Op } from '../scenario.js';

export interface Clock {
  /** milliseconds, monotonic */
  now(): number;
  /** forces GC where possible */
  gc(): boolean;
}

/**
 * A micro-benchmark engine: mitata (default) or tinybench. An engine measures one round; the
 * series of rounds (src/measure/micro.ts) keeps time order for the steady-state check, since both
 * engines hand back their samples sorted.
 */
export interface MicroEngine {
  readonly name: 'mitata' | 'tinybench';
  /** measures `op` for about `round.budgetMs`; returns ns per op, one value per (batched) sample */
  measureRound(op: Op, round: RoundPlan, clock: Clock): Promise<number[]>;
}

export interface RoundPlan {
  budgetMs: number;
  /** calls of the op per sample, so one sample lasts long enough that the clock reads vanish */
  batch: number;
  /** samples a round takes even past its budget */
  minSamples: number;
  /** upper bound of samples per round, so fast ops do not fill the result file */
  maxSamples: number;
}

export interface MicroSeries {
  /** ns per op; rounds in time order, samples sorted within a round */
  samples: number[];
  steady: boolean;
}

export interface ThroughputOptions {
  /** ops kept in flight (closed loop) */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** length of one throughput interval; each gives one sample */
  intervalMs: number;
  clock: Clock;
}

export interface ThroughputSeries {
  /** ops/s of each interval, in time order */
  samples: number[];
  steady: boolean;
  latency: LatencyPercentiles;
  /** ops completed while measuring */
  ops: number;
}
