import { describe, expect, test } from 'vitest';
import { compileLoop } from '../../src/measure/loop.js';
import { EMPTY_OP_CHECK_NS, ENGINES, measureMicro, warmUp } from '../../src/measure/micro.js';
import type { Clock, EnginePlan } from '../../src/measure/types.js';

/** A clock that advances 1 ms per read and counts the GCs asked of it. */
function fakeClock(): Clock & { gcs: number[]; reads: number } {
  const clock = {
    reads: 0,
    gcs: [] as number[],
    now: () => ++clock.reads,
    gc: () => {
      clock.gcs.push(clock.reads);
      return true;
    },
  };
  return clock;
}

const plan = (over: Partial<EnginePlan>): EnginePlan => ({
  batch: 1,
  async: false,
  budgetMs: 10,
  minSamples: 5,
  maxSamples: 1000,
  ...over,
});

describe.each(Object.values(ENGINES))('the $name engine', (engine) => {
  test('calls the op batch times per sample, hands back every sample in time order, GC first', async () => {
    let calls = 0;
    const clock = fakeClock();
    const samples = await engine.measure(() => void calls++, plan({ batch: 8 }), clock);
    expect(samples.length).toBeGreaterThanOrEqual(5);
    expect(calls).toBeGreaterThanOrEqual(8 * samples.length);
    // the fake clock: each sample reads 1 ms, so a 10 ms budget is 10 samples of exactly 8 calls
    // (a batch of 9 divided by 8 would read every op 12% dearer)
    expect(samples.length).toBe(10);
    expect(calls).toBe(8 * samples.length);
    for (let i = 1; i < samples.length; i++) expect(samples[i].start).toBeGreaterThan(samples[i - 1].start);
    expect(samples.every((s) => s.ms > 0)).toBe(true);
    expect(clock.gcs.length).toBeGreaterThanOrEqual(1);
    expect(clock.gcs[0]).toBeLessThanOrEqual(samples[0].start);
  });

  test('awaits an async op before the next call', async () => {
    let running = 0;
    let overlapped = false;
    const op = async () => {
      overlapped ||= running > 0;
      running++;
      await null;
      running--;
    };
    const samples = await engine.measure(op, plan({ async: true, batch: 4 }), fakeClock());
    expect(samples.length).toBeGreaterThanOrEqual(5);
    expect(overlapped).toBe(false);
  });

  test('stops at maxSamples: every batch it times is a sample', async () => {
    let calls = 0;
    const op = () => void calls++;
    const samples = await engine.measure(op, plan({ budgetMs: 100, minSamples: 3, maxSamples: 7 }), fakeClock());
    // 100 ms of budget holds far more than 7 samples of 1 ms: maxSamples is what stops it
    expect(samples.length).toBe(7);
    expect(calls).toBe(7); // a batch of 1
  });
});

test('the mitata engine calls the op exactly batch times per sample', async () => {
  let calls = 0;
  const samples = await ENGINES.mitata.measure(() => void calls++, plan({ batch: 12 }), fakeClock());
  expect(calls).toBe(12 * samples.length);
});

describe('the warm-up', () => {
  /** an op whose first 3 calls take 1 ms of the fake clock and every later one 3 ms (a heap growing) */
  function cheapFirst() {
    let t = 0;
    let calls = 0;
    const clock: Clock = { now: () => t, gc: () => true };
    const op = () => {
      t += ++calls <= 3 ? 1 : 3;
    };
    return { clock, op };
  }
  const budget = { budgetMs: 10, warmupMs: 10, maxWarmupMs: 1000 };

  test('an op cheapest at first settles its own rule in a few calls', async () => {
    const { clock, op } = cheapFirst();
    expect((await warmUp(op, budget, clock)).calls).toBeLessThan(40);
  });

  test("a later fork makes at least the calls of the cell's first fork", async () => {
    const { clock, op } = cheapFirst();
    expect((await warmUp(op, { ...budget, warmupCalls: 40 }, clock)).calls).toBeGreaterThanOrEqual(40);
  });

  test("calibrates a call cheaper than a clock read at its own cost, not the read's", async () => {
    // a read costs 50 ns of the fake clock, a call 0.25 ns: one read a call calibrated at ~50 ns
    let t = 0;
    const clock: Clock = {
      now: () => {
        t += 50e-6;
        return t;
      },
      gc: () => true,
    };
    const op = () => {
      t += 0.25e-6;
    };
    const warm = await warmUp(op, budget, clock);
    expect(warm.perCallMs).toBeGreaterThan(0.25e-6);
    expect(warm.perCallMs).toBeLessThan(0.25e-6 * 1.05);
  });

  test('an op that turns 10^5 times dearer after its cheap calls ends its group at the slice, not 10^5 slices later', async () => {
    // 0.1 ns a call for the first 2^20 calls, then 10 µs: a group sized for the cheap calls
    // (hundreds of thousands) would run for seconds of the fake clock
    let t = 0;
    let calls = 0;
    const clock: Clock = { now: () => t, gc: () => true };
    const op = () => {
      t += ++calls <= 2 ** 20 ? 1e-7 : 0.01;
    };
    const warm = await warmUp(op, { budgetMs: 10, warmupMs: 10, maxWarmupMs: 1000 }, clock);
    // the cap, plus at most one check's 65 536 calls (655 ms of the fake clock)
    expect(warm.ms).toBeLessThan(1000 + 65_536 * 0.01 + 10);
  });

  test('a stall in the first slice does not calibrate the batch, though it ends the warm-up time', async () => {
    // the review's hiccup: the op's first warm-up call held up 250 ms, the cap 200 ms
    let t = 0;
    let calls = 0;
    const clock: Clock = { now: () => t, gc: () => true };
    const op = () => {
      t += ++calls === 1 ? 250 : 0.001;
    };
    const warm = await warmUp(op, { ...budget, maxWarmupMs: 200 }, clock);
    expect(warm.perCallMs).toBeCloseTo(0.001, 6);
  });

  test('but never warms up past maxWarmupMs', async () => {
    const { clock, op } = cheapFirst();
    const warm = await warmUp(op, { ...budget, maxWarmupMs: 50, warmupCalls: 1e9 }, clock);
    expect(warm.ms).toBeLessThan(60);
  });
});

describe('an op that turns async after its warm-up', () => {
  for (const engine of Object.values(ENGINES))
    test(`${engine.name}: fails the fork, on every runtime alike`, async () => {
      // the review's op: synchronous through the warm-up, then a promise from every call (one that
      // settles later: its samples timed the call that starts it; node and deno passed it at 115 ns
      // a call, Bun at 20.7 µs)
      let t = 0;
      let sampling = false;
      // the engines collect once before their first sample: from then on the op is async
      const clock: Clock = {
        now: () => t,
        gc: () => {
          sampling = true;
          return true;
        },
      };
      const op = () => {
        t += 0.01;
        return sampling ? Promise.resolve(t) : t;
      };
      const budget = { budgetMs: 1, warmupMs: 0.2, maxWarmupMs: 0.5, batch: 1 };
      await expect(measureMicro(engine, op, budget, clock)).rejects.toThrow(
        'the op returned a promise after its warm-up found it synchronous',
      );
    });
});

describe('an op close to an empty one', () => {
  /** a clock the op moves on by `ns` a call, and every read by 1 µs (the loop's own cost) */
  const costing = (ns: number) => {
    let t = 0;
    const clock: Clock = { now: () => (t += 0.001), gc: () => true };
    return { clock, op: () => (t += ns / 1e6) };
  };
  const budget = { budgetMs: 2, warmupMs: 0.5, maxWarmupMs: 1 };

  for (const engine of Object.values(ENGINES))
    test(`${engine.name}: is timed beside an empty op below EMPTY_OP_CHECK_NS a call, and only then`, async () => {
      const fast = costing(2);
      const near = (await measureMicro(engine, fast.op, budget, fast.clock)).measurement.emptyOp;
      // the empty op costs the loop's two clock reads only, spread over the op's batch; the op 2 ns more
      expect(near?.emptyNs).toBeGreaterThan(0);
      expect((near?.opNs ?? 0) - (near?.emptyNs ?? 0)).toBeCloseTo(2, 6);
      const slow = costing(5 * EMPTY_OP_CHECK_NS);
      expect((await measureMicro(engine, slow.op, budget, slow.clock)).measurement.emptyOp).toBeUndefined();
      const awaited = costing(2);
      const asyncOp = async () => awaited.op();
      expect((await measureMicro(engine, asyncOp, budget, awaited.clock)).measurement.emptyOp).toBeUndefined();
    });

  for (const engine of Object.values(ENGINES))
    test(`${engine.name}: records no empty op the clock could not see (a file would refuse 0 ns)`, async () => {
      // only the op moves this clock: the empty op reads 0 ns, and its warm-up must still end
      let t = 0;
      const clock: Clock = { now: () => t, gc: () => true };
      const op = () => (t += 2 / 1e6);
      const measured = await measureMicro(engine, op, budget, clock);
      expect(measured.samples.length).toBeGreaterThan(0);
      expect(measured.measurement.emptyOp).toBeUndefined();
    });
});

test('every timing loop is compiled from a source of its own: V8 shares feedback between functions of one source', () => {
  expect(compileLoop(false).toString()).not.toBe(compileLoop(false).toString());
  expect(compileLoop(true).toString()).not.toBe(compileLoop(true).toString());
});
