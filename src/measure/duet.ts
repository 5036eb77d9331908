/**
 * The A/B duet of `compare --base` (after Bulej et al., "Duet benchmarking", ICPE 2020): the base
 * and head builds of one micro case, measured in one process batch by batch in ABBA order. A
 * process pair (two fresh processes back to back) cancels only the drift between pairs; within a
 * pair each side still draws its own process (layout, JIT timing) and its own minute of a VM's CPU
 * phase. In one process both sides share all of that, so it cancels in their ratio: on the study
 * VM the log-ratio of an A/A pair scattered with sd 0.001-0.006 in a duet against 0.14-0.47 in
 * process pairs for eager-tasks, async-generators, fan-out and resources (docs/ci.md).
 *
 * What a duet cannot separate is state the sides share: the heap and its collector, the engine's
 * builtins. A change whose cost lies there (more garbage, a megamorphic builtin) is partly charged
 * to both sides and shows smaller than it is; `--pairs process` measures without sharing.
 */
import type { Op } from '../scenario.js';
import { compileLoop, sink } from './loop.js';
import { batchFor, MAX_SAMPLES, type MicroBudget, samplePlan, seriesOf, warmUp, warmupCut } from './micro.js';
import type { Clock, MicroSeries, TimedSample } from './types.js';

/**
 * Measures `ops[0]` and `ops[1]` (in that order within the first round) until each has its budget
 * of samples; both get the same batch, the cell's or one calibrated on the mean cost of the two.
 */
export async function measureDuet(
  ops: readonly [Op, Op],
  budget: MicroBudget,
  clock: Clock,
): Promise<[MicroSeries, MicroSeries]> {
  const warm = [await warmUp(ops[0], budget, clock), await warmUp(ops[1], budget, clock)] as const;
  const batch = budget.batch ?? batchFor((warm[0].perCallMs + warm[1].perCallMs) / 2, budget.sampleMs);
  const plan = samplePlan(budget, ((warm[0].perCallMs + warm[1].perCallMs) / 2) * batch);
  const loops = warm.map((w) => compileLoop(w.async));
  const taken: [TimedSample[], TimedSample[]] = [[], []];
  const now = () => clock.now();
  clock.gc(); // once before the first sample, as the engines do (PITFALLS 7)
  const t0 = clock.now();
  for (let round = 0; ; round++) {
    // ABBA: each side goes first in every other round, so neither always runs after the other
    for (const side of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const start = clock.now();
      taken[side].push({ start, ms: await loops[side](ops[side], batch, now, sink) });
    }
    const enough = clock.now() - t0 >= 2 * plan.budgetMs && taken[0].length >= plan.minSamples;
    if (enough || taken[0].length >= MAX_SAMPLES) break;
  }
  // the sides share the clock: the rounds that started in its first 2 x warmupMs hold warmupMs of
  // each side's samples, and both sides drop those rounds, so their samples stay paired by round
  const cut = warmupCut(
    taken[0].map((s, round) => Math.min(s.start, taken[1][round].start)),
    2 * plan.warmupMs,
  );
  const how = { engine: 'duet' as const, batch, calibrated: budget.batch === undefined };
  return [seriesOf(taken[0], cut, how, warm[0]), seriesOf(taken[1], cut, how, warm[1])];
}
