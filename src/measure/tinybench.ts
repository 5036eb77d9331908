/**
 * The second engine: tinybench drives the loop (its time budget, its iteration floor); each of its
 * iterations runs one batch of ours, timed by us, so the sample is exactly the batch. tinybench's
 * own sample array comes back sorted (PITFALLS 17): we keep ours, in the order taken.
 */
import type { Op } from '../scenario.js';
import type { Clock, EnginePlan, MicroEngine, TimedSample } from './types.js';

export const tinybenchEngine: MicroEngine = {
  name: 'tinybench',
  async measure(op: Op, plan: EnginePlan, clock: Clock): Promise<TimedSample[]> {
    // loaded here, not at the top: a process that runs another engine or kind never pays for it
    const { Bench } = await import('tinybench');
    const samples: TimedSample[] = [];
    const sink = { value: undefined as unknown };
    // tinybench stops on its budget and iteration floor only: at maxSamples we stop it, as mitata
    // stops, rather than run on and drop what it times
    const enough = new AbortController();
    const record = (start: number) => {
      const ms = clock.now() - start;
      if (samples.push({ start, ms }) >= plan.maxSamples) enough.abort();
      // the budget is charged the whole batch
      return { overriddenDuration: ms };
    };
    const syncBatch = () => {
      const start = clock.now();
      for (let i = 0; i < plan.batch; i++) sink.value = op();
      return record(start);
    };
    const asyncBatch = async () => {
      const start = clock.now();
      for (let i = 0; i < plan.batch; i++) sink.value = await op();
      return record(start);
    };
    clock.gc();
    const bench = new Bench({
      time: plan.budgetMs,
      iterations: plan.minSamples,
      warmup: false,
      now: clock.now,
      retainSamples: false,
      signal: enough.signal,
    });
    bench.add('op', plan.async ? asyncBatch : syncBatch, { async: plan.async });
    const [task] = await bench.run();
    const result = task.result;
    if (result.state === 'errored') throw result.error;
    const stopped = result.state === 'aborted-with-statistics' && enough.signal.aborted;
    if (result.state !== 'completed' && !stopped) throw new Error(`tinybench ended in state ${result.state}`);
    // the last reference to the sink keeps every op's value observable (PITFALLS 5)
    if (sink.value === clock) throw new Error('unreachable');
    return samples;
  },
};
