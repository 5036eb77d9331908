import { describe, expect, it } from 'vitest';
import {
  estimateCentre,
  holmRejects,
  pairedRatio,
  summarize,
  trimmedMean,
  welchRatio,
} from '../../src/result/estimator.js';
import {
  blockMedians,
  isSteady,
  median,
  quantile,
  seededRandom,
  studentQuantile,
  studentTwoSidedP,
  trendCorrelation,
} from '../../src/result/stats.js';

/** normal variate by Box-Muller from a seeded uniform source */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** forks whose centres differ between processes more than samples differ within one (PITFALLS 15) */
function noisyForks(random: () => number, forks: number, perFork: number, centre: number, between = 0.15): number[][] {
  return Array.from({ length: forks }, () => {
    const forkCentre = centre * Math.exp(between * gaussian(random));
    return Array.from({ length: perFork }, () => forkCentre * (1 + 0.03 * gaussian(random)));
  });
}

describe('basic statistics', () => {
  it('computes quantiles with interpolation', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(quantile([0, 10], 0.99)).toBeCloseTo(9.9);
  });
  it("matches Student's t tables both ways", () => {
    expect(studentTwoSidedP(2.306, 8)).toBeCloseTo(0.05, 3);
    expect(studentTwoSidedP(4.303, 2)).toBeCloseTo(0.05, 3);
    expect(studentTwoSidedP(0, 5)).toBeCloseTo(1, 6);
    expect(studentQuantile(0.05, 2)).toBeCloseTo(4.303, 2);
    expect(studentQuantile(0.05, 1000)).toBeCloseTo(1.962, 2);
    expect(studentQuantile(0.001, 4)).toBeCloseTo(8.61, 1);
    // the tables round to 3 digits; scipy 1.17.1 (2 * stats.t.sf(t, df), stats.t.isf(p / 2, df)) holds
    // them to 1e-10: a t quantile from a bisection stopped early, or the normal's 1.95996, is off
    expect(studentTwoSidedP(2.306, 8)).toBeCloseTo(0.050000322761284174, 12);
    expect(studentTwoSidedP(4.303, 2)).toBeCloseTo(0.0499925249852145, 12);
    expect(studentQuantile(0.05, 2)).toBeCloseTo(4.302652729749464, 9);
    expect(studentQuantile(0.05, 1000)).toBeCloseTo(1.9623390808264085, 9);
    expect(studentQuantile(0.001, 4)).toBeCloseTo(8.610301581379275, 9);
  });
  it('takes block medians of a series in time order', () => {
    expect(blockMedians([1, 1, 5, 5, 9, 9], 3)).toEqual([1, 5, 9]);
  });
});

describe('the cell estimator', () => {
  it('summarizes forks with both spreads; the centre is the geometric mean of fork medians', () => {
    const s = summarize([
      [1, 2, 3],
      [4, 4, 4],
    ]);
    expect(s).toMatchObject({ n: 6, forks: 2, min: 1, max: 4 });
    expect(s.median).toBeCloseTo(Math.sqrt(2 * 4));
    // all six: mean 3, squared deviations 8 over n - 1 = 5; p75 at rank 3.75 of 0..5 is 4
    expect(s.mean).toBe(3);
    expect(s.p75).toBe(4);
    expect(s.p99).toBe(4);
    expect(s.stddev).toBeCloseTo(Math.sqrt(8 / 5), 12);
    expect(s.cv).toBeCloseTo(Math.sqrt(8 / 5) / 3, 12);
    // between forks: the CV of the fork medians 2 and 4 (sd sqrt 2, mean 3), not of all samples
    expect(s.betweenForkCv).toBeGreaterThan(0);
    expect(s.betweenForkCv).toBeCloseTo(Math.SQRT2 / 3, 12);
    // within: the median of the forks' own CVs, 1/2 and 0
    expect(s.withinForkCv).toBeCloseTo(0.25, 12);
    expect(s.ci.method).toMatch(/Student's t/);
    expect(summarize([[5, 5, 5]]).ci.method).toMatch(/within-process only/);
  });
  // scipy 1.17.1: the largest r with scipy.stats.binom.cdf(r - 1, n, 0.5) <= 0.025 is 40 for n = 100
  // and 9861 for n = 20 000; under 6 samples none is, and min..max is all there is
  it('gives one fork the order-statistic interval of its median, as wide as its sample count says', () => {
    const ranks = (n: number) => Array.from({ length: n }, (_, i) => n - i); // n..1, unsorted
    expect(estimateCentre([ranks(100)]).ci).toMatchObject({ low: 40, high: 61 });
    expect(estimateCentre([ranks(20_000)]).ci).toMatchObject({ low: 9861, high: 10_140 });
    expect(estimateCentre([ranks(5)]).ci).toMatchObject({ low: 1, high: 5 });
    expect(estimateCentre([ranks(10)]).ci).toMatchObject({ low: 2, high: 9 });
  });
  it('says what min..max holds under 6 samples (1 - 2^(1-n)), not 95%', () => {
    const ranks = (n: number) => Array.from({ length: n }, (_, i) => n - i);
    expect(estimateCentre([ranks(1)]).ci).toMatchObject({ low: 1, high: 1, level: 0 });
    expect(estimateCentre([ranks(3)]).ci).toMatchObject({ low: 1, high: 3, level: 0.75 });
    expect(estimateCentre([ranks(5)]).ci).toMatchObject({ low: 1, high: 5, level: 0.9375 });
    // 6 samples: min..max holds 1 - 2/64 = 96.9%, at least the 95% asked for
    expect(estimateCentre([ranks(6)]).ci).toMatchObject({ low: 1, high: 6, level: 0.95 });
    expect(estimateCentre([ranks(100)]).ci.level).toBe(0.95);
  });
  it('weighs forks the same whatever their sample count', () => {
    const few = [10, 10, 10];
    const many = Array.from({ length: 1000 }, () => 20);
    expect(estimateCentre([few, many]).centre).toBeCloseTo(Math.sqrt(200));
  });
  for (const forks of [3, 5, 10])
    it(`covers the true centre about 95% of the time with ${forks} forks`, () => {
      const random = seededRandom(40 + forks);
      let covered = 0;
      const trials = 2000;
      for (let t = 0; t < trials; t++) {
        const { ci } = estimateCentre(noisyForks(random, forks, 40, 100));
        if (ci.low <= 100 && 100 <= ci.high) covered++;
      }
      // 2000 trials: the binomial sd of the rate is 0.5%, so 93-97% holds unless the method is off
      expect(covered / trials).toBeGreaterThan(0.93);
      expect(covered / trials).toBeLessThan(0.97);
    });
});

describe('ratio tests', () => {
  it('Welch: a 20% slowdown over 5 forks a side is significant, an A/A is not (most of the time)', () => {
    const random = seededRandom(9);
    let alarms = 0;
    for (let i = 0; i < 400; i++) {
      const t = welchRatio(noisyForks(random, 5, 20, 100, 0.05), noisyForks(random, 5, 20, 100, 0.05));
      if (t && t.p < 0.05) alarms++;
    }
    expect(alarms / 400).toBeLessThan(0.08);
    const slow = welchRatio(noisyForks(random, 5, 20, 100, 0.03), noisyForks(random, 5, 20, 120, 0.03));
    expect(slow?.p).toBeLessThan(0.01);
    expect(slow?.change).toBeGreaterThan(0.1);
  });
  it('paired: drift shared by a pair cancels', () => {
    // each pair runs while the machine is in a different state (+-30%); head is 5% slower
    const random = seededRandom(11);
    const pairs = Array.from({ length: 8 }, () => {
      const state = Math.exp(0.3 * gaussian(random));
      return { base: 100 * state * (1 + 0.005 * gaussian(random)), head: 105 * state * (1 + 0.005 * gaussian(random)) };
    });
    const paired = pairedRatio(pairs);
    expect(paired?.p).toBeLessThan(0.001);
    expect(paired?.change).toBeCloseTo(0.05, 1);
    const unpaired = welchRatio(
      pairs.map((p) => [p.base]),
      pairs.map((p) => [p.head]),
    );
    expect(unpaired?.p).toBeGreaterThan(0.05);
  });
  it('paired: one fork in another JIT mode does not blow the interval up (Yuen, 20% trimmed)', () => {
    const random = seededRandom(5);
    const pairs = Array.from({ length: 8 }, () => ({ base: 100, head: 100 * (1 + 0.01 * gaussian(random)) }));
    pairs[5] = { base: 798, head: 378 }; // measured: resources/withResource on node, one pair of an A/A session
    const paired = pairedRatio(pairs);
    expect(paired?.df).toBe(5);
    expect(paired?.low).toBeGreaterThan(-0.05);
    expect(paired?.high).toBeLessThan(0.05);
  });
  it('paired: below 8 pairs nothing is trimmed, so the test keeps its level where trimming would leave 3-5', () => {
    const random = seededRandom(11);
    for (const n of [5, 6, 7]) {
      let alarms = 0;
      const trials = 20_000;
      for (let t = 0; t < trials; t++) {
        const pairs = Array.from({ length: n }, () => ({ base: 100, head: 100 * Math.exp(0.03 * gaussian(random)) }));
        if ((pairedRatio(pairs)?.p ?? 1) <= 0.05) alarms++;
      }
      // Student's t is exact here: 5% (one standard error of the rate is 0.15%); Yuen's with one
      // pair off each end gave 6.3% at 5 pairs
      expect(alarms / trials).toBeGreaterThan(0.045);
      expect(alarms / trials).toBeLessThan(0.055);
      expect(trimmedMean(Array.from({ length: n }, (_, i) => i)).df).toBe(n - 1);
    }
  });
  it('paired: below 5 pairs nothing is trimmed (Student exactly)', () => {
    const d = [0.01, -0.02, 0.03, 0.05];
    const t = trimmedMean(d);
    expect(t.df).toBe(3);
    expect(t.centre).toBeCloseTo(0.0175, 12);
    expect(t.se).toBeCloseTo(Math.sqrt(0.002675 / 3 / 4), 12); // s^2 = sum of squared deviations / (n - 1)
  });
  it('paired: from 5 pairs, 20% trimmed from each end for the centre and winsorized for the spread (Yuen)', () => {
    // n = 8, g = 1: sorted -0.5, -0.02, 0.01, 0.02, 0.03, 0.04, 0.05, 0.9; the centre is the mean of
    // the middle six (0.13 / 6); the spread is of -0.02, -0.02, 0.01 ... 0.05, 0.05 (mean 0.02,
    // squared deviations 0.0056, s^2 = 0.0008), se^2 = (n - 1) s^2 / (h (h - 1)) with h = 6
    const t = trimmedMean([0.05, -0.02, 0.01, 0.03, -0.5, 0.02, 0.04, 0.9]);
    expect(t.df).toBe(5);
    expect(t.centre).toBeCloseTo(0.13 / 6, 12);
    expect(t.se).toBeCloseTo(Math.sqrt((7 * 0.0008) / (6 * 5)), 12);
  });
  it('paired: false alarms stay at the level under heavy-tailed noise, and it finds more than Student', () => {
    const random = seededRandom(23);
    // a pair's log ratio: 3% noise, and one pair in ten with a mode switch of +-50% either way
    const logRatios = (change: number) =>
      Array.from({ length: 8 }, () => {
        const jump = random() < 0.1 ? (random() < 0.5 ? -0.5 : 0.5) : 0;
        return Math.log1p(change) + 0.03 * gaussian(random) + jump;
      });
    const p = (d: number[], trim: number) => {
      const t = trimmedMean(d, trim);
      return studentTwoSidedP(t.centre / t.se, t.df);
    };
    const rates = { alarms: [0, 0], found: [0, 0] }; // [Yuen, Student]
    for (let i = 0; i < 2000; i++) {
      const same = logRatios(0);
      const slower = logRatios(0.1);
      for (const [k, trim] of [0.2, 0].entries()) {
        if (p(same, trim) < 0.05) rates.alarms[k]++;
        if (p(slower, trim) < 0.05) rates.found[k]++;
      }
    }
    expect(rates.alarms[0] / 2000).toBeLessThan(0.06);
    expect(rates.found[0]).toBeGreaterThan(rates.found[1]); // measured: 1793 against 1220 of 2000
  });
  it('needs two forks a side', () => {
    expect(welchRatio([[1, 2]], [[1, 2]])).toBeUndefined();
    expect(pairedRatio([{ base: 1, head: 2 }])).toBeUndefined();
  });
  it('Holm rejects step-down', () => {
    expect(holmRejects([0.001, 0.02, 0.03, 0.2], 0.05)).toEqual([true, false, false, false]);
    expect(holmRejects([0.001, 0.012, 0.03], 0.05)).toEqual([true, true, true]);
  });

  it('takes a NaN for no evidence: never significant, never rejected, and it still counts in the family', () => {
    expect(studentTwoSidedP(Number.NaN, 4)).toBeNaN();
    expect(studentTwoSidedP(Number.POSITIVE_INFINITY, 4)).toBe(0);
    expect(holmRejects([Number.NaN, 0.001, 0.03], 0.05)).toEqual([false, true, false]);
    // an infinite median makes the log ratios NaN: before, p came out 0 and the change "significant"
    const test = pairedRatio([
      { base: 100, head: Number.POSITIVE_INFINITY },
      { base: 101, head: 102 },
      { base: 99, head: 100 },
    ]);
    expect(test?.p ?? Number.NaN).toBeNaN();
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
  it('does not read a trend into tied values: a flat series of integer counts (throughput intervals)', () => {
    // 1000 series of 30 intervals holding 2 or 3 ops each, in random order: no trend at all
    const random = seededRandom(8);
    let flagged = 0;
    for (let t = 0; t < 1000; t++)
      if (!isSteady(Array.from({ length: 30 }, () => (random() < 0.5 ? 20 : 30)))) flagged++;
    // at the test's 1% level (one-sided, with the 10% move it also asks for); ties in time order flagged 34%
    expect(flagged / 1000).toBeLessThan(0.03);
    expect(trendCorrelation([5, 5, 5, 5])).toBe(0);
    expect(trendCorrelation([1, 1, 2, 2])).toBeCloseTo(0.894, 3);
  });
});
