/** What the measuring child asks of an engine or driver, and what it gets back. */
import type { LatencyPercentiles, MicroMeasurement } from '../result/schema.js';
import type { Op } from '../scenario.js';

export interface Clock {
  /** milliseconds, monotonic */
  now(): number;
  /** forces GC where possible */
  gc(): boolean;
}

/**
 * A micro-benchmark engine: the loop that calls the op `batch` times per sample. Both engines hand
 * back every sample they took, in the order taken, untrimmed: the drift test and the result file's
 * raw samples depend on it (PITFALLS 17).
 */
export interface MicroEngine {
  readonly name: Exclude<MicroMeasurement['engine'], 'duet'>;
  /** measures `op` until `plan.budgetMs` of samples are taken; returns the samples in time order */
  measure(op: Op, plan: EnginePlan, clock: Clock): Promise<TimedSample[]>;
}

export interface EnginePlan {
  /** calls of the op per sample: 1, or a multiple of 4 (mitata's loop unrolls by four) */
  batch: number;
  /** the op returns a promise: each call is awaited */
  async: boolean;
  /** time of the samples taken, ms */
  budgetMs: number;
  /** samples taken even past the budget */
  minSamples: number;
  /** samples taken at most */
  maxSamples: number;
}

/** One sample: when its batch started (ms, the clock's) and how long the batch took (ms). */
export interface TimedSample {
  start: number;
  ms: number;
}

export interface MicroSeries {
  /** ns per call, in time order, warm-up samples left out */
  samples: number[];
  steady: boolean;
  measurement: MicroMeasurement;
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
