/** Runs a micro engine over a series of rounds so the steady-state check sees samples in time order. */

import { isSteady, median } from '../result/stats.js';
import type { Op } from '../scenario.js';
import { mitataEngine } from './mitata.js';
import { tinybenchEngine } from './tinybench.js';
import type { Clock, MicroEngine, MicroSeries } from './types.js';

export const ENGINES: Record<MicroEngine['name'], MicroEngine> = { mitata: mitataEngine, tinybench: tinybenchEngine };

/** Rounds per series: enough for a trend test to detect drift (rho > 0.86 at n = 10), few enough to keep rounds long. */
const ROUNDS = 10;
/** Ops so slow that ten rounds of MIN_SAMPLES would overrun the budget get fewer rounds, never fewer than this. */
const MIN_ROUNDS = 3;
const MIN_SAMPLES = 2;
/** A batched sample lasts at least this long, so two clock reads cost well under 1% of it (PITFALLS 6). */
const MIN_SAMPLE_MS = 0.2;
/** Ops slower than this are timed one call per sample (mitata's own batching threshold). */
const UNBATCHED_MS = 0.065;
const MAX_SAMPLES_PER_ROUND = 250;

/** The op's cost per call in ms, over ~5 ms of calls (which also warms it up). */
async function costPerCall(op: Op, clock: Clock): Promise<number> {
  let calls = 0;
  const t0 = clock.now();
  do {
    const r = op();
    if (r instanceof Promise) await r;
    calls++;
  } while (clock.now() - t0 < 5 && calls < 100_000);
  return (clock.now() - t0) / calls;
}

/** Calls per sample; a multiple of 4, since mitata unrolls its batch loop four times. */
function batchSize(perCallMs: number): number {
  if (perCallMs >= UNBATCHED_MS) return 1;
  return Math.ceil(MIN_SAMPLE_MS / Math.max(perCallMs, 1e-6) / 4) * 4;
}

export async function measureMicro(engine: MicroEngine, op: Op, budgetMs: number, clock: Clock): Promise<MicroSeries> {
  const perCall = await costPerCall(op, clock);
  const batch = batchSize(perCall);
  const rounds = Math.max(MIN_ROUNDS, Math.min(ROUNDS, Math.floor(budgetMs / (MIN_SAMPLES * perCall))));
  const samples: number[] = [];
  const roundMedians: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const plan = { budgetMs: budgetMs / rounds, batch, minSamples: MIN_SAMPLES, maxSamples: MAX_SAMPLES_PER_ROUND };
    const round = await engine.measureRound(op, plan, clock);
    roundMedians.push(median(round));
    for (const s of round) samples.push(s);
  }
  return { samples, steady: isSteady(roundMedians) };
}
