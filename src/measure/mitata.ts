/**
 * The default engine: mitata's measuring loop, ported from its `fn` (mitata/src/lib.mjs) rather than
 * called. As in mitata, the loop is generated for each measurement (a `Function` constructor
 * compiles it anew, so the op is called from a call site of its own, monomorphic), a batch is
 * unrolled by four, and every value goes to mitata's `do_not_optimize` so a pure op cannot be
 * eliminated (PITFALLS 5). Two changes, both measured (docs/architecture.md, "The loop moved in"):
 * - mitata's `measure` allocates a 2^20-slot samples array (8 MiB) just before its first sample.
 *   On V8 that one large allocation sets off a burst of collector work that the next tenths of a
 *   second of a memory-hungry op pay for. Ours writes its readings into a typed array sized for
 *   the plan and touched before the first sample.
 * - mitata sorts a round's samples and drops the two lowest and highest (PITFALLS 17); ours keeps
 *   every sample, in the order taken.
 */
import type { Op } from '../scenario.js';
import type { Clock, EnginePlan, MicroEngine, TimedSample } from './types.js';

/** calls per pass of a batched loop (mitata's batch_unroll) */
const UNROLL = 4;

type Loop = (fn: () => unknown, now: () => number, gc: () => void, readings: Float64Array) => Promise<number>;

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as FunctionConstructor;

/**
 * The loop for one plan. As in mitata's, the batch, the sample counts and the budget are literals,
 * the loop is an async function whether or not the op is (a sync op is called without await), and
 * a sample is the time between two clock reads around the batch. Returns the samples taken.
 */
function compileLoop(plan: EnginePlan): Loop {
  const call = plan.async ? 'await $fn();' : '$fn();';
  const batch = plan.batch === 1 ? call : `for (let o = 0; o < ${plan.batch / UNROLL}; o++) { ${call.repeat(UNROLL)} }`;
  return new AsyncFunction(
    '$fn',
    '$now',
    '$gc',
    '$readings',
    `let spent = 0;
    let n = 0;
    $gc();
    for (; n < ${plan.maxSamples}; n++) {
      if (n >= ${plan.minSamples} && spent >= ${plan.budgetMs}) break;
      const t0 = $now();
      ${batch}
      const t1 = $now();
      $readings[2 * n] = t0;
      $readings[2 * n + 1] = t1;
      spent += t1 - t0;
    }
    return n;`,
  ) as Loop;
}

export const mitataEngine: MicroEngine = {
  name: 'mitata',
  async measure(op: Op, plan: EnginePlan, clock: Clock): Promise<TimedSample[]> {
    // loaded here, not at the top: a process that runs another engine or kind never pays for it
    const { do_not_optimize } = await import('mitata');
    if (plan.batch !== 1 && plan.batch % UNROLL !== 0)
      throw new Error(`batch ${plan.batch} is not 1 or a multiple of 4`);
    // returns the op's promise so the loop awaits it
    const sink = plan.async
      ? () => {
          const r = op();
          do_not_optimize(r);
          return r;
        }
      : () => {
          do_not_optimize(op());
        };
    // every page of the readings is written before the first sample, so no sample takes a fault for them
    const readings = new Float64Array(2 * plan.maxSamples).fill(0);
    // GC once before the first sample, the same way on every runtime (PITFALLS 7)
    const taken = await compileLoop(plan)(
      sink,
      () => clock.now(),
      () => clock.gc(),
      readings,
    );
    const samples: TimedSample[] = [];
    for (let i = 0; i < taken; i++) samples.push({ start: readings[2 * i], ms: readings[2 * i + 1] - readings[2 * i] });
    return samples;
  },
};
