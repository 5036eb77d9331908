/**
 * The default engine: mitata's own loop (`measure`: generated code that calls the op from one
 * monomorphic call site, a batch unrolled by four), with one change of ours. mitata sorts a
 * round's samples and drops the two lowest and highest (PITFALLS 17); we want every sample in the
 * order taken, so we hand it a clock that also writes down each reading. mitata reads it exactly
 * twice per sample, just before and just after the batch, so consecutive readings are the samples.
 */
import type { Op } from '../scenario.js';
import type { Clock, EnginePlan, MicroEngine, TimedSample } from './types.js';

export const mitataEngine: MicroEngine = {
  name: 'mitata',
  async measure(op: Op, plan: EnginePlan, clock: Clock): Promise<TimedSample[]> {
    // loaded here, not at the top: a process that runs another engine or kind never pays for it
    const { do_not_optimize, measure } = await import('mitata');
    const readings: number[] = [];
    const now = () => {
      const t = clock.now();
      readings.push(t);
      return t * 1e6;
    };
    // Sinks the value so the op cannot be eliminated (PITFALLS 5); returns the op's promise so
    // mitata's loop awaits it.
    const sink = plan.async
      ? () => {
          const r = op();
          do_not_optimize(r);
          return r;
        }
      : () => {
          do_not_optimize(op());
        };
    const batched = plan.batch > 1;
    await measure(sink, {
      now,
      // GC once before the first sample, the same way on every runtime (PITFALLS 7)
      gc: () => clock.gc(),
      min_cpu_time: plan.budgetMs * 1e6,
      min_samples: plan.minSamples,
      max_samples: plan.maxSamples,
      // our calibrated batch instead of mitata's 4096; mitata decides batching from its warm-up
      // calls, which must neither veto ours nor impose theirs
      batch_samples: plan.batch,
      batch_unroll: batched ? 4 : 1,
      batch_threshold: batched ? Number.POSITIVE_INFINITY : 0,
      warmup_threshold: batched ? Number.POSITIVE_INFINITY : 0,
    });
    const samples: TimedSample[] = [];
    for (let i = 0; i + 1 < readings.length; i += 2)
      samples.push({ start: readings[i], ms: readings[i + 1] - readings[i] });
    return samples;
  },
};
