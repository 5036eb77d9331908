/**
 * The statistical test of `compare`, on result entries made for the purpose with realistic noise
 * (between-fork spread larger than within-fork, PITFALLS 15). Seeded, so every rate is reproducible.
 */
import { describe, expect, test } from 'vitest';
import {
  compareEntries,
  compareResults,
  DEFAULT_COMPARE_OPTIONS,
  type EntryComparison,
  holmCorrection,
  smallForkWidening,
  studentTwoSidedP,
  type Verdict,
} from '../../src/report/compare.js';
import { seededRandom } from '../../src/result/stats.js';
import { type CellSpec, makeEntry, makeResult, type Noise, standardCells } from '../fixtures/make-result.js';

const micro: CellSpec = {
  scenario: 's',
  kind: 'micro',
  case: 'c',
  params: {},
  runtime: 'node',
  metric: { name: 'time per op', unit: 'ns', better: 'lower' },
  value: 1000,
};
const throughput: CellSpec = {
  ...micro,
  kind: 'throughput',
  metric: { name: 'throughput', unit: 'ops/s', better: 'higher' },
};

interface Rates {
  verdicts: Partial<Record<Verdict, number>>;
  /** share of trials whose 95% interval excluded 0 (the test's two-sided level is 5%) */
  significant: number;
}

function trials(cell: CellSpec, noise: Noise, factor: number, count: number, seed: number): Rates {
  const random = seededRandom(seed);
  const verdicts: Rates['verdicts'] = {};
  let significant = 0;
  for (let i = 0; i < count; i++) {
    const base = makeEntry(cell, noise, random);
    const head = makeEntry({ ...cell, value: cell.value * factor }, noise, random);
    // steadiness is judged separately; here the interval alone is under test
    base.steady = true;
    head.steady = true;
    const c = compareEntries(base, head, { ...DEFAULT_COMPARE_OPTIONS, resamples: 500, seed: i + 1 });
    verdicts[c.verdict] = (verdicts[c.verdict] ?? 0) + 1;
    if (c.ci && (c.ci.low > 0 || c.ci.high < 0)) significant++;
  }
  return { verdicts, significant: significant / count };
}

describe('false alarms over seeded A/A trials stay at or under the 5% level', () => {
  const cases: [string, Noise][] = [
    ['CI-like noise, 5 forks', { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 5, samplesPerFork: 20 }],
    [
      'PITFALLS 15 micro noise (between-fork CV 25%), 5 forks',
      { betweenForkCv: 0.25, withinForkCv: 0.05, forks: 5, samplesPerFork: 20 },
    ],
    ['few forks (3)', { betweenForkCv: 0.03, withinForkCv: 0.02, forks: 3, samplesPerFork: 20 }],
  ];
  for (const [name, noise] of cases)
    test(name, () => {
      const rates = trials(micro, noise, 1, 400, 11);
      console.info(
        `A/A ${name}: interval excluded 0 in ${(rates.significant * 100).toFixed(1)}%, verdicts`,
        rates.verdicts,
      );
      expect(rates.significant).toBeLessThanOrEqual(0.05);
      expect((rates.verdicts.slower ?? 0) / 400).toBeLessThanOrEqual(0.025);
    });
});

describe('a real change is found', () => {
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 10, samplesPerFork: 30 };
  test('a 10% slowdown of a time per op is called slower, never faster', () => {
    const rates = trials(micro, noise, 1.1, 40, 5);
    expect(rates.verdicts.slower ?? 0).toBeGreaterThanOrEqual(32);
    expect(rates.verdicts.faster).toBeUndefined();
  });
  test('respects metric.better: 10% fewer ops/s is slower, 10% more is faster', () => {
    expect(trials(throughput, noise, 0.9, 20, 6).verdicts.slower ?? 0).toBeGreaterThanOrEqual(16);
    expect(trials(throughput, noise, 1.1, 20, 7).verdicts.faster ?? 0).toBeGreaterThanOrEqual(16);
  });
  test('a significant change below the threshold is unchanged', () => {
    const rates = trials(
      micro,
      { betweenForkCv: 0.005, withinForkCv: 0.005, forks: 10, samplesPerFork: 30 },
      1.02,
      10,
      8,
    );
    expect(rates.significant).toBeGreaterThan(0.5);
    expect(rates.verdicts.unchanged).toBe(10);
  });
});

describe('unstable', () => {
  const random = seededRandom(3);
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 5, samplesPerFork: 30 };
  test('when a side is not steady, even if slower', () => {
    const base = makeEntry(micro, noise, random);
    const head = { ...makeEntry({ ...micro, value: 2000 }, noise, random), steady: false };
    expect(compareEntries(base, head)).toMatchObject({
      verdict: 'unstable',
      note: expect.stringMatching(/not steady/),
    });
  });
  test('with one fork (the interval ignores between-process noise)', () => {
    const one = { ...noise, forks: 1 };
    const c = compareEntries(
      { ...makeEntry(micro, one, random), steady: true },
      { ...makeEntry({ ...micro, value: 2000 }, one, random), steady: true },
    );
    expect(c).toMatchObject({ verdict: 'unstable', note: expect.stringMatching(/one fork/) });
  });
  test('when the interval is too wide to judge', () => {
    const wide = { ...noise, betweenForkCv: 0.4 };
    const c = compareEntries(
      { ...makeEntry(micro, wide, random), steady: true },
      { ...makeEntry(micro, wide, random), steady: true },
    );
    expect(c.verdict).toBe('unstable');
  });
});

test('a failed side is not comparable', () => {
  const random = seededRandom(4);
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 3, samplesPerFork: 10 };
  const c = compareEntries(
    makeEntry(micro, noise, random),
    makeEntry({ ...micro, status: 'failed', reason: 'boom' }, noise, random),
  );
  expect(c).toMatchObject({ verdict: 'not comparable', note: 'head failed: boom' });
});

test('the small-fork widening shrinks towards 1 as forks grow', () => {
  expect(smallForkWidening(1)).toBe(1);
  expect(smallForkWidening(3)).toBeGreaterThan(smallForkWidening(10));
  expect(smallForkWidening(100)).toBeCloseTo(1, 1);
});

describe('whole-file A/A comparisons (family-wise: any faster/slower in the file counts)', () => {
  test('call nothing faster or slower in at most 5% of seeded trials', () => {
    const cells = standardCells(['node', 'bun'], ['eager-tasks', 'workers']);
    const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 5, samplesPerFork: 20 };
    const trialsCount = 40;
    let alarms = 0;
    for (let i = 0; i < trialsCount; i++) {
      const base = makeResult({ seed: 100 + i, cells, noise });
      const head = makeResult({ seed: 900 + i, cells, noise });
      const { rows } = compareResults(base, head, { resamples: 500 });
      if (rows.some((r) => r.verdict === 'slower' || r.verdict === 'faster')) alarms++;
    }
    console.info(
      `whole-file A/A (${cells.length} entries): ${alarms} of ${trialsCount} trials called anything faster or slower`,
    );
    expect(alarms / trialsCount).toBeLessThanOrEqual(0.05);
  });

  test('the Holm step-down keeps only the changes that pass its thresholds', () => {
    const rows = [0.001, 0.02, 0.03, 0.2].map((p) => ({ p, verdict: 'slower' }) as EntryComparison);
    expect(holmCorrection(rows, 0.05).map((r) => r.verdict)).toEqual(['slower', 'unchanged', 'unchanged', 'unchanged']);
  });
});

test("Student's t p-values match the tables", () => {
  expect(studentTwoSidedP(2.306, 8)).toBeCloseTo(0.05, 3);
  expect(studentTwoSidedP(4.303, 2)).toBeCloseTo(0.05, 3);
  expect(studentTwoSidedP(0, 5)).toBeCloseTo(1, 6);
});
