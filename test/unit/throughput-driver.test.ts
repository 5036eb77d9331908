import { describe, expect, it } from 'vitest';
import { runThroughput } from '../../src/measure/throughput.js';
import type { ThroughputOptions } from '../../src/measure/types.js';

const clock = { now: () => performance.now(), gc: () => false };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function options(overrides: Partial<ThroughputOptions> = {}): ThroughputOptions {
  return { concurrency: 1, warmupMs: 20, durationMs: 200, intervalMs: 50, clock, ...overrides };
}

/** An op that sleeps `ms` and tracks how many calls are in flight at once. */
function trackedOp(ms: number) {
  const seen = { inFlight: 0, maxInFlight: 0, calls: 0 };
  const op = async () => {
    seen.calls++;
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    await sleep(ms);
    seen.inFlight--;
  };
  return { op, seen };
}

describe('runThroughput', () => {
  it('keeps exactly `concurrency` ops in flight', async () => {
    const { op, seen } = trackedOp(5);
    await runThroughput(op, options({ concurrency: 8 }));
    expect(seen.maxInFlight).toBe(8);
    expect(seen.inFlight).toBe(0); // every op finished before it resolved
  });

  it('gives one throughput sample per interval and counts the measured ops', async () => {
    const { op, seen } = trackedOp(2);
    const series = await runThroughput(op, options({ concurrency: 2, durationMs: 200, intervalMs: 50 }));
    expect(series.samples).toHaveLength(4);
    // not every interval must hold a completion: a busy machine can pause this process for 50 ms
    expect(series.samples.every((s) => s >= 0)).toBe(true);
    expect(series.ops).toBeGreaterThan(0);
    // warmup ops are called but not counted
    expect(series.ops).toBeLessThan(seen.calls + 1);
    // each op counts in the intervals its run time covers: the ops at the window's edges in part
    const perSecond = series.samples.reduce((a, b) => a + b, 0) * (50 / 1000);
    expect(Math.abs(perSecond - series.ops)).toBeLessThanOrEqual(2);
  });

  it('reads a rate between whole ops per interval: 25 ops/s of 30 and 50 ms ops, not 20 or 30', async () => {
    // a clock the op moves, so the series is exact: ops of 30 and 50 ms in turn, one at a time
    let now = 0;
    let calls = 0;
    const fake = { now: () => now, gc: () => false };
    const op = () => {
      now += calls++ % 2 === 0 ? 30 : 50;
    };
    const series = await runThroughput(op, {
      concurrency: 1,
      warmupMs: 0,
      durationMs: 1100,
      intervalMs: 100,
      clock: fake,
    });
    // 11 intervals: the median is one of them, not the mean of two (which happened to be 25)
    const median = [...series.samples].sort((a, b) => a - b)[5];
    // the intervals differ by where the ops fall in them; whole ops gave 20 or 30
    expect(Math.abs(median - 25)).toBeLessThan(25 * 0.03);
    expect(series.ops).toBe(27);
    // an op across an interval's edge counts in each by its share of its own run time: 0-100 holds
    // 2 + 20/30 ops, 100-200 10/30 + 2 + 10/50; the last, 1000-1100, 40/50 + 1 + 30/50, the op
    // running past the window's end counted by its part inside over its whole length
    const cycle = [80 / 3, 76 / 3, 24, 24];
    const expected = [...cycle, ...cycle, ...cycle.slice(0, 3)];
    expect(series.samples).toHaveLength(11);
    for (const [i, s] of series.samples.entries()) expect(s, `interval ${i}`).toBeCloseTo(expected[i], 9);
    // latency: each of the 28 ops started in the window, the one ending after it too
    expect(series.latency).toMatchObject({ count: 28, max: 50 });
  });

  it('records latency percentiles in ms from a histogram, in order', async () => {
    const { op } = trackedOp(3);
    const { latency } = await runThroughput(op, options({ concurrency: 4 }));
    expect(latency.count).toBeGreaterThan(0);
    expect(latency.p50).toBeGreaterThan(0);
    expect(latency.p50).toBeLessThanOrEqual(latency.p90);
    expect(latency.p90).toBeLessThanOrEqual(latency.p99);
    expect(latency.p99).toBeLessThanOrEqual(latency.p999);
    expect(latency.p999).toBeLessThanOrEqual(latency.max);
  });

  it('has at least one interval when the window is shorter than an interval', async () => {
    const { op } = trackedOp(1);
    const series = await runThroughput(op, options({ durationMs: 300, intervalMs: 1000 }));
    expect(series.samples).toHaveLength(1);
  });

  it('refuses a window no op ended in: a figure of slivers of ops is no measurement', async () => {
    // a clock the op moves: every op takes 50 ms, the window 1 ms
    let now = 0;
    const fake = { now: () => now, gc: () => false };
    const op = () => {
      now += 50;
    };
    const window = { concurrency: 1, warmupMs: 10, durationMs: 1, intervalMs: 100, clock: fake };
    await expect(runThroughput(op, window)).rejects.toThrow(/no op ended inside the 1 ms measuring window/);
  });

  it('rejects with the error an op throws, after the ops in flight have settled', async () => {
    let inFlight = 0;
    let calls = 0;
    const boom = new Error('boom');
    const op = async () => {
      inFlight++;
      calls++;
      await sleep(2);
      inFlight--;
      if (calls === 10) throw boom;
    };
    await expect(runThroughput(op, options({ concurrency: 4 }))).rejects.toBe(boom);
    expect(inFlight).toBe(0);
  });

  it('accepts an op that returns synchronously', async () => {
    let calls = 0;
    const series = await runThroughput(() => ++calls, options({ durationMs: 50, warmupMs: 0 }));
    expect(series.ops).toBeGreaterThan(0);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    await expect(runThroughput(() => 1, options({ concurrency: 0 }))).rejects.toThrow(/concurrency/);
  });
});
