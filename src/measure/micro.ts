/**
 * Measures one micro op in a fresh process: warm it up, decide (or take) the batch, let the engine
 * take samples, drop the engine's own warm-up, test the series for drift.
 *
 * The batch (calls per sample) is a property of the cell, like pyperf's `loops`: the cell's first
 * fork calibrates it and every later fork, on every runtime, is handed the same number, so a cell
 * is never timed as batch means in one fork and as single calls in another.
 */
import { isThenable } from '../patterns/deferred.js';
import type { MicroMeasurement } from '../result/schema.js';
import { blockMedians, isSteady, median } from '../result/stats.js';
import type { Op } from '../scenario.js';
import { compileLoop, sink } from './loop.js';
import { mitataEngine } from './mitata.js';
import { tinybenchEngine } from './tinybench.js';
import type { Clock, MicroEngine, MicroSeries, TimedSample } from './types.js';

export const ENGINES: Record<MicroEngine['name'], MicroEngine> = { mitata: mitataEngine, tinybench: tinybenchEngine };

/**
 * A batched sample lasts about this long. Two clock reads are then under 0.1% of it (PITFALLS 6),
 * and it is short beside the gaps a VM takes the CPU away in (one every ~0.4 ms on the study VM,
 * docs/architecture.md): most samples then contain none, so the median is an uninterrupted sample
 * whether the batch came out at half or twice this. With 0.5 ms samples the median sample held a
 * gap, and a ~160 ns op measured 5-10% dearer in 0.25-0.5 ms samples than in 12-125 µs ones.
 */
const SAMPLE_MS = 0.1;
/** Ops slower than this are timed one call per sample (mitata's own threshold): two clock reads stay under 0.5%. */
const UNBATCHED_MS = 0.065;
/** The engine's first samples run its freshly compiled loop: this share of the budget is warm-up. */
const ENGINE_WARMUP_SHARE = 0.2;
/** A fork's median needs a few samples, whatever the op costs. */
const MIN_SAMPLES = 5;
export const MAX_SAMPLES = 20_000;

export interface MicroBudget {
  /** time of the kept samples, ms */
  budgetMs: number;
  /** the op is called in a plain loop for at least this long first (tiering, caches, pools), ms */
  warmupMs: number;
  /** ... and at most this long, when its cost keeps falling (a JIT still tiering up) */
  maxWarmupMs: number;
  /** the length a batched sample aims at, when not SAMPLE_MS (for the study of it only) */
  sampleMs?: number;
  /** the cell's batch when an earlier fork calibrated it */
  batch?: number;
  /** the calls the cell's first fork warmed up with: this fork warms up at least as many (within maxWarmupMs) */
  warmupCalls?: number;
}

export interface WarmUp {
  calls: number;
  ms: number;
  /** ms per call over the settled end of the warm-up */
  perCallMs: number;
  async: boolean;
}

/** A warm-up slice: long enough to time, short enough to see tiering happen. */
const SLICE_MS = 5;
/** A fall in cost per call larger than this means the JIT is still improving the op. */
const SETTLED = 0.05;
/** A group of warm-up calls between two clock reads lasts at least this long, once it has doubled up to it. */
const GROUP_MS = 0.01;
/** The slices a calibration takes its median of, at the least. */
const MIN_SLICES = 3;

/**
 * Calls the op back to back, slice by slice, until its cost per call has stopped falling: at least
 * `warmupMs`, and then until the last half of the warm-up brought no slice 5% cheaper than the
 * best before it (V8 and JavaScriptCore tier up in steps, and on a busy machine their background
 * compilers arrive late), at most `maxWarmupMs`. A later fork also makes at least the calls the
 * cell's first fork made: an op of milliseconds whose first calls happen to be its cheapest (the
 * heap still small) satisfies the rule in a few calls, and such a fork sampled the heap's growth
 * that its siblings had warmed up through. Returns what it did and the settled cost per call.
 */
export async function warmUp(op: Op, budget: MicroBudget, clock: Clock): Promise<WarmUp> {
  const t0 = clock.now();
  let calls = 0;
  let async = false;
  let best = Number.POSITIVE_INFINITY;
  let improvedAt = t0;
  const recent: number[] = [];
  // calls between two clock reads: doubled while a group is short, so the reads (40-90 ns each,
  // by runtime) weigh under 1% of a group. One read a call made every op cheaper than a read
  // calibrate as costing one, its batch a fraction of SAMPLE_MS, and its figure depend on it
  let group = 1;
  for (;;) {
    const sliceStart = clock.now();
    let sliceCalls = 0;
    let t = sliceStart;
    do {
      let made = 0;
      while (made < group) {
        const r = op();
        made++;
        // any thenable, not only a native Promise: a TaskGroup's Task (or a library's promise) returned
        // by an op and not awaited would time the call that starts it (4 ns for a 200 µs op)
        if (isThenable(r)) {
          async = true;
          await r;
        }
        // an op that turned dear within a group sized for its cheap calls ends the group at the
        // slice's end: a read per 65 536 calls, under 0.5% of the cheapest op's cost
        if ((made & 0xffff) === 0 && clock.now() - sliceStart >= SLICE_MS) break;
      }
      sliceCalls += made;
      const before = t;
      t = clock.now();
      if (t - before < GROUP_MS) group *= 2;
      else if (t - before > SLICE_MS) group = Math.max(1, group >> 1);
    } while (t - sliceStart < SLICE_MS);
    calls += sliceCalls;
    const perCall = (t - sliceStart) / sliceCalls;
    recent.push(perCall);
    if (recent.length > 8) recent.shift();
    if (perCall < best * (1 - SETTLED)) improvedAt = t;
    best = Math.min(best, perCall);
    const elapsed = t - t0;
    const settled =
      elapsed >= budget.warmupMs && t - improvedAt >= elapsed / 2 && calls >= Math.max(2, budget.warmupCalls ?? 0);
    // the cap ends a warm-up only once it has MIN_SLICES to take the median of: a slice that held a
    // stall (a 250 ms one in the first) calibrated the batch alone, at 1, for every fork of the cell
    if (settled || (elapsed >= budget.maxWarmupMs && recent.length >= MIN_SLICES))
      return { calls, ms: elapsed, perCallMs: median(recent), async };
  }
}

/** Calls per sample: 1 for slow ops, else a multiple of 4 (mitata's loop unrolls by four). */
export function batchFor(perCallMs: number, sampleMs = SAMPLE_MS): number {
  if (perCallMs >= UNBATCHED_MS) return 1;
  return Math.max(4, Math.round(sampleMs / Math.max(perCallMs, 1e-7) / 4) * 4);
}

export async function measureMicro(
  engine: MicroEngine,
  op: Op,
  budget: MicroBudget,
  clock: Clock,
): Promise<MicroSeries> {
  const warm = await warmUp(op, budget, clock);
  const batch = budget.batch ?? batchFor(warm.perCallMs, budget.sampleMs);
  const plan = samplePlan(budget, warm.perCallMs * batch);
  const taken = await engine.measure(
    op,
    { batch, async: warm.async, budgetMs: plan.budgetMs, minSamples: plan.minSamples, maxSamples: MAX_SAMPLES },
    clock,
  );
  if (!warm.async) refuseLateThenable(op);
  const cut = warmupCut(
    taken.map((s) => s.start),
    plan.warmupMs,
  );
  const series = seriesOf(taken, cut, { engine: engine.name, batch, calibrated: budget.batch === undefined }, warm);
  if (warm.async || !(median(series.samples) < EMPTY_OP_CHECK_NS)) return series;
  const emptyOp = againstEmptyOp(op, batch, clock);
  // an empty op the clock could not see (0 ns) tells nothing, and a result file refuses it
  if (!(emptyOp.emptyNs > 0)) return series;
  return { ...series, measurement: { ...series.measurement, emptyOp } };
}

/** Below this many ns a call, a synchronous op is also timed beside an empty op (MicroMeasurement.emptyOp). */
export const EMPTY_OP_CHECK_NS = 10;
const EMPTY_OP_WARMUP_MS = 10;
const EMPTY_OP_ROUNDS = 21;

/**
 * The op and an empty op, each in a loop made for it (loop.ts), after EMPTY_OP_WARMUP_MS each, then
 * a batch of each in turn for EMPTY_OP_ROUNDS rounds: the medians, ns a call. mitata times an empty
 * op beside every benchmark and calls one within 1.42x of it "likely optimized out". The engine's
 * own loop cannot time the empty op: it has seen the op, and there an empty op read 5-16 ns a call
 * where it takes 0.2 (a review, 2026-12-07); so both are timed anew, alike.
 */
function againstEmptyOp(op: Op, batch: number, clock: Clock): { opNs: number; emptyNs: number } {
  const timed = [op, () => undefined].map((fn) => ({ fn, loop: compileLoop(false), ns: [] as number[] }));
  const now = () => clock.now();
  // bounded by calls too: a clock that stood still would hold the warm-up for ever
  for (const t of timed)
    for (let calls = 0, end = clock.now() + EMPTY_OP_WARMUP_MS; clock.now() < end && calls < 10_000; calls++)
      t.loop(t.fn, batch, now, sink);
  for (let round = 0; round < EMPTY_OP_ROUNDS; round++)
    for (const t of round % 2 === 0 ? timed : [...timed].reverse())
      t.ns.push(((t.loop(t.fn, batch, now, sink) as number) * 1e6) / batch);
  return { opNs: median(timed[0].ns), emptyNs: median(timed[1].ns) };
}

/**
 * An op the warm-up found synchronous is sampled without await: one that returns a promise later
 * had its samples time the calls that start its work, and failed or passed by runtime (Bun reports
 * the promises' rejections before the fork ends, node and deno after). One more call, after the
 * samples, fails the fork the same way everywhere.
 */
function refuseLateThenable(op: Op): void {
  const late = op();
  if (!isThenable(late)) return;
  Promise.resolve(late).catch(() => {}); // its outcome is not the point: no unhandled rejection
  throw new Error(
    'the op returned a promise after its warm-up found it synchronous, so its samples did not wait for it: return a promise from every call or from none',
  );
}

/**
 * What one side's sampling takes: the kept budget plus the engine's own warm-up share, and enough
 * samples to leave MIN_SAMPLES after that warm-up is dropped.
 */
export function samplePlan(
  budget: MicroBudget,
  sampleMs: number,
): { budgetMs: number; minSamples: number; warmupMs: number } {
  const warmupMs = budget.budgetMs * ENGINE_WARMUP_SHARE;
  return {
    budgetMs: budget.budgetMs + warmupMs,
    minSamples: MIN_SAMPLES + Math.ceil(warmupMs / Math.max(sampleMs, 1e-6)),
    warmupMs,
  };
}

/**
 * The kept samples of a series taken in batches of `how.batch`, as ns per call, with its drift test
 * and method: the first `cut` samples (warmupCut's) were the engine's warm-up.
 */
export function seriesOf(
  taken: TimedSample[],
  cut: number,
  how: Pick<MicroMeasurement, 'engine' | 'batch' | 'calibrated'>,
  warm: WarmUp,
): MicroSeries {
  const samples = taken.slice(cut).map((s) => (s.ms * 1e6) / how.batch);
  const measurement: MicroMeasurement = {
    ...how,
    async: warm.async,
    warmupCalls: warm.calls + cut * how.batch,
    warmupMs: warm.ms + taken.slice(0, cut).reduce((sum, s) => sum + s.ms, 0),
  };
  return { samples, steady: isSteady(blockMedians(samples)), measurement };
}

/**
 * How many of the samples (by their start times) fell in the engine's warm-up, leaving at least
 * MIN_SAMPLES; and never more than its share of the samples: an engine that reached MAX_SAMPLES
 * inside the warm-up's time kept 5 of 20 000 samples
 */
export function warmupCut(starts: number[], warmupMs: number): number {
  if (starts.length === 0) return 0;
  const end = starts[0] + warmupMs;
  const first = starts.findIndex((start) => start >= end);
  const cut = first === -1 ? starts.length : first;
  return Math.min(cut, Math.floor(starts.length * ENGINE_WARMUP_SHARE), Math.max(0, starts.length - MIN_SAMPLES));
}
