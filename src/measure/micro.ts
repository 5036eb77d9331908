/**
 * Measures one micro op in a fresh process: warm it up, decide (or take) the batch, let the engine
 * take samples, drop the engine's own warm-up, test the series for drift.
 *
 * The batch (calls per sample) is a property of the cell, like pyperf's `loops`: the cell's first
 * fork calibrates it and every later fork, on every runtime, is handed the same number, so a cell
 * is never timed as batch means in one fork and as single calls in another.
 */
import type { MicroMeasurement } from '../result/schema.js';
import { blockMedians, isSteady, median } from '../result/stats.js';
import type { Op } from '../scenario.js';
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
const MAX_SAMPLES = 20_000;

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
}

interface WarmUp {
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

/**
 * Calls the op back to back, slice by slice, until its cost per call has stopped falling: at least
 * `warmupMs`, and then until the last half of the warm-up brought no slice 5% cheaper than the
 * best before it (V8 and JavaScriptCore tier up in steps, and on a busy machine their background
 * compilers arrive late), at most `maxWarmupMs`. Returns what it did and the settled cost per call.
 */
async function warmUp(op: Op, budget: MicroBudget, clock: Clock): Promise<WarmUp> {
  const t0 = clock.now();
  let calls = 0;
  let async = false;
  let best = Number.POSITIVE_INFINITY;
  let improvedAt = t0;
  const recent: number[] = [];
  for (;;) {
    const sliceStart = clock.now();
    let sliceCalls = 0;
    let t = sliceStart;
    do {
      const r = op();
      if (r instanceof Promise) {
        async = true;
        await r;
      }
      sliceCalls++;
      t = clock.now();
    } while (t - sliceStart < SLICE_MS);
    calls += sliceCalls;
    const perCall = (t - sliceStart) / sliceCalls;
    recent.push(perCall);
    if (recent.length > 8) recent.shift();
    if (perCall < best * (1 - SETTLED)) improvedAt = t;
    best = Math.min(best, perCall);
    const elapsed = t - t0;
    const settled = elapsed >= budget.warmupMs && t - improvedAt >= elapsed / 2 && calls >= 2;
    if (settled || elapsed >= budget.maxWarmupMs) return { calls, ms: elapsed, perCallMs: median(recent), async };
  }
}

/** Calls per sample: 1 for slow ops, else a multiple of 4 (the engines unroll by four). */
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
  const sampleMs = warm.perCallMs * batch;
  const engineWarmupMs = budget.budgetMs * ENGINE_WARMUP_SHARE;
  const taken = await engine.measure(
    op,
    {
      batch,
      async: warm.async,
      budgetMs: budget.budgetMs + engineWarmupMs,
      minSamples: MIN_SAMPLES + Math.ceil(engineWarmupMs / Math.max(sampleMs, 1e-6)),
      maxSamples: MAX_SAMPLES,
    },
    clock,
  );
  const kept = dropWarmup(taken, engineWarmupMs);
  const samples = kept.map((s) => (s.ms * 1e6) / batch);
  const dropped = taken.length - kept.length;
  const measurement: MicroMeasurement = {
    engine: engine.name,
    batch,
    calibrated: budget.batch === undefined,
    async: warm.async,
    warmupCalls: warm.calls + dropped * batch,
    warmupMs: warm.ms + taken.slice(0, dropped).reduce((sum, s) => sum + s.ms, 0),
  };
  return { samples, steady: isSteady(blockMedians(samples)), measurement };
}

/** Leaves out the samples that started within the engine's warm-up, keeping at least MIN_SAMPLES. */
function dropWarmup(samples: TimedSample[], warmupMs: number): TimedSample[] {
  if (samples.length === 0) return samples;
  const end = samples[0].start + warmupMs;
  const first = samples.findIndex((s) => s.start >= end);
  const cut = first === -1 ? samples.length : first;
  return samples.slice(Math.min(cut, Math.max(0, samples.length - MIN_SAMPLES)));
}
