/** The default engine: mitata's low-level `measure`, which runs batches unrolled and sinks results. */
import { do_not_optimize, measure } from 'mitata';
import type { Op } from '../scenario.js';
import type { Clock, MicroEngine, RoundPlan } from './types.js';

export const mitataEngine: MicroEngine = {
  name: 'mitata',
  async measureRound(op: Op, round: RoundPlan, clock: Clock): Promise<number[]> {
    // The zero-arity wrapper keeps mitata in its plain-function mode; it returns the op's promise so
    // mitata awaits it, and sinks the value so the op cannot be eliminated (PITFALLS 5).
    const sink = () => {
      const r = op();
      do_not_optimize(r);
      return r;
    };
    const batched = round.batch > 1;
    const stats = await measure(sink, {
      min_cpu_time: round.budgetMs * 1e6,
      max_samples: round.maxSamples,
      min_samples: round.minSamples,
      // our calibrated batch instead of mitata's fixed 4096, so every op's sample lasts about as
      // long; mitata decides batching from its warmup call, which must not veto ours
      batch_samples: round.batch,
      batch_threshold: batched ? Number.POSITIVE_INFINITY : 0,
      warmup_threshold: batched ? Number.POSITIVE_INFINITY : 500_000,
      // GC once before the round (mitata's `gc` option), the same way on every runtime (PITFALLS 7)
      gc: () => clock.gc(),
    });
    // mitata drops the two lowest and highest samples of a round as outliers; the rest are raw
    return stats.samples;
  },
};
