/**
 * Measures one micro op in a fresh process: warm it up, decide (or take) the batch, let the engine
 * take samples, drop the engine's own warm-up, test the series for drift.
 *
 * The batch (calls per sample) is a property of the cell, like pyperf's `loops`: the cell's first
 * fork calibrates it and every later fork, on every runtime, is handed the same number, so a cell
 * is never timed as batch means in one fork and as single calls in another.
 */
import type { MicroMeasurement } from '../result/schema.js';
import { blockMedians, isSteady } from '../result/stats.js';
import type { Op } from '../scenario.js';
import { mitataEngine } from './mitata.js';
import { tinybenchEngine } from './tinybench.js';
import type { Clock, MicroEngine, MicroSeries, TimedSample } from './types.js';

export const ENGINES: Record<MicroEngine['name'], MicroEngine> = { mitata: mitataEngine, tinybench: tinybenchEngine };

/** A batched sample lasts about this long: two clock reads are then well under 0.1% of it (PITFALLS 6). */
const SAMPLE_MS = 0.5;
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
  /** time the op is called in a plain loop first (tiering, caches, pools), ms */
  warmupMs: number;
  /** the cell's batch when an earlier fork calibrated it */
  batch?: number;
}

interface WarmUp {
  calls: number;
  ms: number;
  /** ms per call over the second half of the warm-up, when JIT tiering has mostly settled */
  perCallMs: number;
  async: boolean;
}

/** Calls the op back to back for `ms` (at least twice): the warm-up, and the cost per call it reveals. */
async function warmUp(op: Op, ms: number, clock: Clock): Promise<WarmUp> {
  const t0 = clock.now();
  let calls = 0;
  let async = false;
  let halfCalls = 0;
  let halfAt = t0;
  for (;;) {
    const r = op();
    if (r instanceof Promise) {
      async = true;
      await r;
    }
    calls++;
    const t = clock.now();
    if (halfCalls === 0 && t - t0 >= ms / 2) {
      halfCalls = calls;
      halfAt = t;
    }
    if ((t - t0 >= ms && calls >= 2 && calls > halfCalls) || calls >= 10_000_000) {
      const perCallMs = halfCalls > 0 && calls > halfCalls ? (t - halfAt) / (calls - halfCalls) : (t - t0) / calls;
      return { calls, ms: t - t0, perCallMs, async };
    }
  }
}

/** Calls per sample: 1 for slow ops, else a multiple of 4 (the engines unroll by four). */
export function batchFor(perCallMs: number): number {
  if (perCallMs >= UNBATCHED_MS) return 1;
  return Math.max(4, Math.round(SAMPLE_MS / Math.max(perCallMs, 1e-7) / 4) * 4);
}

export async function measureMicro(
  engine: MicroEngine,
  op: Op,
  budget: MicroBudget,
  clock: Clock,
): Promise<MicroSeries> {
  const warm = await warmUp(op, budget.warmupMs, clock);
  const batch = budget.batch ?? batchFor(warm.perCallMs);
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
