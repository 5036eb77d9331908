/** Runs a micro engine over a series of rounds so the steady-state check sees samples in time order. */
import type { Op } from '../harness/scenario.js';
import { mitataEngine } from './mitata.js';
import { isSteady, median } from './stats.js';
import { tinybenchEngine } from './tinybench.js';
import type { Clock, MicroEngine, MicroSeries } from './types.js';

export const ENGINES: Record<MicroEngine['name'], MicroEngine> = { mitata: mitataEngine, tinybench: tinybenchEngine };

/** Rounds per series: enough for a trend test to detect drift (rho > 0.86 at n = 10), few enough to keep rounds long. */
const ROUNDS = 10;
/** A batched sample lasts at least this long, so two clock reads cost well under 1% of it (PITFALLS 6). */
const MIN_SAMPLE_MS = 0.2;
/** Ops slower than this are timed one call per sample (mitata's own batching threshold). */
const UNBATCHED_MS = 0.065;
const MAX_SAMPLES_PER_ROUND = 250;

/** Calls per sample, from the op's cost over ~5 ms of calls (which also warms it up). */
async function calibrateBatch(op: Op, clock: Clock): Promise<number> {
  let calls = 0;
  const t0 = clock.now();
  do {
    const r = op();
    if (r instanceof Promise) await r;
    calls++;
  } while (clock.now() - t0 < 5 && calls < 100_000);
  const perCall = (clock.now() - t0) / calls;
  if (perCall >= UNBATCHED_MS) return 1;
  // a multiple of 4: mitata unrolls its batch loop four times
  return Math.ceil(MIN_SAMPLE_MS / Math.max(perCall, 1e-6) / 4) * 4;
}

export async function measureMicro(engine: MicroEngine, op: Op, budgetMs: number, clock: Clock): Promise<MicroSeries> {
  const batch = await calibrateBatch(op, clock);
  const samples: number[] = [];
  const roundMedians: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = await engine.measureRound(
      op,
      { budgetMs: budgetMs / ROUNDS, batch, maxSamples: MAX_SAMPLES_PER_ROUND },
      clock,
    );
    roundMedians.push(median(round));
    for (const s of round) samples.push(s);
  }
  return { samples, steady: isSteady(roundMedians) };
}
