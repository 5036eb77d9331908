/**
 * Cells of one run paired by round (src/result/estimator.ts, roundPairedRatio): a slow phase of
 * the machine that hits fork k of every cell cancels, and pairs that share nothing keep the level.
 */
import { describe, expect, test } from 'vitest';
import { roundPairedRatio, welchRatio } from '../../src/result/estimator.js';
import { seededRandom } from '../../src/result/stats.js';

/** one fork: a few samples around `centre` */
const fork = (centre: number, random: () => number) =>
  Array.from({ length: 9 }, () => centre * (1 + (random() - 0.5) * 0.01));

describe('roundPairedRatio', () => {
  test('a 3% gap under slow phases shared by both cells is found, where Welch sees only noise', () => {
    const random = seededRandom(7);
    const phases = [1, 1.4, 1, 1.3, 1.05];
    const a = phases.map((p) => fork(100 * p * (1 + (random() - 0.5) * 0.01), random));
    const b = phases.map((p) => fork(103 * p * (1 + (random() - 0.5) * 0.01), random));
    const paired = roundPairedRatio(a, b);
    expect(paired?.p).toBeLessThan(0.01);
    expect(paired?.change).toBeCloseTo(0.03, 2);
    expect(welchRatio(a, b)?.p).toBeGreaterThan(0.3);
  });

  test('with no shared phase and no difference it rejects at about its level (2000 seeded trials)', () => {
    const random = seededRandom(11);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let rejected = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      const cell = () => Array.from({ length: 3 }, () => fork(100 * Math.exp(0.1 * gauss()), random));
      if ((roundPairedRatio(cell(), cell())?.p ?? 1) < 0.05) rejected++;
    }
    expect(rejected / trials).toBeGreaterThan(0.03);
    expect(rejected / trials).toBeLessThan(0.07);
  });

  test('cells with different fork counts are not paired', () => {
    const random = seededRandom(3);
    expect(roundPairedRatio([fork(1, random), fork(1, random)], [fork(1, random)])).toBeUndefined();
  });
});
