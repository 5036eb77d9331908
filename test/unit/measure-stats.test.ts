import { describe, expect, it } from 'vitest';
import { confidenceInterval, isSteady, median, quantile, seededRandom, summarize } from '../../src/result/stats.js';

/** normal variate by Box-Muller from a seeded uniform source */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** forks whose centres differ between processes more than samples differ within one (PITFALLS 15) */
function noisyForks(random: () => number, forks: number, perFork: number, centre: number): number[][] {
  return Array.from({ length: forks }, () => {
    const forkCentre = centre * (1 + 0.15 * gaussian(random));
    return Array.from({ length: perFork }, () => forkCentre * (1 + 0.03 * gaussian(random)));
  });
}

describe('basic statistics', () => {
  it('computes quantiles with interpolation', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(quantile([0, 10], 0.99)).toBeCloseTo(9.9);
  });
  it('summarizes forks with both spreads', () => {
    const s = summarize([
      [1, 2, 3],
      [2, 3, 4],
    ]);
    expect(s).toMatchObject({ n: 6, forks: 2, min: 1, max: 4, median: 2.5 });
    expect(s.betweenForkCv).toBeGreaterThan(0);
    expect(s.ci.method).toMatch(/hierarchical/);
    expect(summarize([[5, 5, 5]]).ci.method).toMatch(/within-process only/);
  });
});

describe('confidenceInterval', () => {
  it('covers the true centre about 95% of the time when forks vary (hierarchical)', () => {
    const random = seededRandom(42);
    let covered = 0;
    const trials = 100;
    for (let t = 0; t < trials; t++) {
      const ci = confidenceInterval(noisyForks(random, 8, 60, 100), 0.95, t + 1);
      if (ci.low <= 100 && 100 <= ci.high) covered++;
    }
    // percentile bootstrap with few forks under-covers a little; it must not collapse to the
    // within-process interval, which would cover far less than this
    expect(covered / trials).toBeGreaterThan(0.8);
  });
  it('is narrower than the between-process spread would allow only when there is one fork', () => {
    const random = seededRandom(7);
    const [one] = noisyForks(random, 1, 200, 100);
    const ci = confidenceInterval([one]);
    expect(ci.high - ci.low).toBeLessThan(5);
  });
});

describe('isSteady', () => {
  it('accepts a flat noisy series and flags a trend', () => {
    const random = seededRandom(3);
    const flat = Array.from({ length: 30 }, () => 100 + 2 * gaussian(random));
    const rising = Array.from({ length: 30 }, (_, i) => 100 + i * 2);
    expect(isSteady(flat)).toBe(true);
    expect(isSteady(rising)).toBe(false);
  });
  it('does not flag a noisy series without a trend, nor a small trend', () => {
    const random = seededRandom(5);
    const noisy = Array.from({ length: 10 }, () => 100 * (1 + 0.2 * gaussian(random)));
    const slightlyRising = Array.from({ length: 30 }, (_, i) => 100 + i * 0.2);
    expect(isSteady(noisy)).toBe(true);
    expect(isSteady(slightlyRising)).toBe(true);
  });
  it('flags a drop in the middle of the series (a pool degrading)', () => {
    const drop = Array.from({ length: 40 }, (_, i) => (i < 20 ? 1000 : 700) + (i % 3));
    expect(isSteady(drop)).toBe(false);
  });
});
