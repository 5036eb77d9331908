/**
 * The duet's loop on a fake clock that only the ops move: each side's samples must hold its own
 * cost and none of the other's, the sides alternate in ABBA order, and both get one batch.
 */
import { describe, expect, it } from 'vitest';
import { measureDuet } from '../../src/measure/duet.js';
import type { Clock } from '../../src/measure/types.js';

function fakeClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  return {
    now: () => t,
    gc: () => true,
    advance(ms) {
      t += ms;
    },
  };
}

const budget = { budgetMs: 20, warmupMs: 10, maxWarmupMs: 20 };

describe('measureDuet', () => {
  it('gives each side its own cost per call, at one batch, as many samples on each side', async () => {
    const clock = fakeClock();
    // 1 µs and 3 µs per call, as the fake clock sees them
    const [a, b] = await measureDuet([() => clock.advance(0.001), () => clock.advance(0.003)], budget, clock);
    expect(a.samples.length).toBe(b.samples.length);
    expect(a.samples.length).toBeGreaterThan(5);
    for (const s of a.samples) expect(s).toBeCloseTo(1000, 6);
    for (const s of b.samples) expect(s).toBeCloseTo(3000, 6);
    expect(a.measurement).toMatchObject({ engine: 'duet', calibrated: true, async: false });
    expect(b.measurement.batch).toBe(a.measurement.batch);
    expect(a.measurement.batch % 4).toBe(0);
    // calibrated on the mean cost, 2 µs: 0.1 ms samples hold 50 calls, on the edge between the
    // multiples of 4 48 and 52 (the fake clock's sums round it); side a alone would give 100, b 32
    expect([48, 52]).toContain(a.measurement.batch);
  });

  it('keeps a batch it is given, awaits async ops, and alternates which side goes first (ABBA)', async () => {
    const clock = fakeClock();
    const calls: string[] = [];
    let measuring = false;
    const side = (name: string) => async () => {
      if (measuring) calls.push(name);
      clock.advance(0.002);
    };
    // the duet collects garbage once, right before its first sample: from then on calls are samples
    const gc = () => {
      measuring = true;
      return true;
    };
    const [a, b] = await measureDuet([side('a'), side('b')], { ...budget, batch: 8 }, { ...clock, gc });
    expect([a.measurement.batch, b.measurement.batch]).toEqual([8, 8]);
    expect(a.measurement.calibrated).toBe(false);
    expect(a.measurement.async).toBe(true);
    const batches = calls.filter((_, i) => i % 8 === 0).join('');
    expect(calls.length % 16).toBe(0);
    expect(batches.slice(0, 8)).toBe('abbaabba');
    expect(batches).toBe('abba'.repeat(batches.length / 4) + (batches.length % 4 ? 'ab' : ''));
  });
});
