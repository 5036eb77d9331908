// The run-to-run spread (`run --sessions`): estimated from earlier runs, added to a run's interval.
import { describe, expect, it } from 'vitest';
import {
  estimateCentre,
  historyOf,
  ratioToEarlier,
  runCells,
  runShift,
  sessionSpread,
  welchRatio,
} from '../../src/result/estimator.js';
import type { ResultEntry, ResultFile, ScenarioKind, SessionSpread } from '../../src/result/schema.js';
import { mean, median, seededRandom } from '../../src/result/stats.js';
import type { Metric } from '../../src/scenario.js';
import { type CellSpec, makeResult } from '../fixtures/make-result.js';

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A spread as 5 earlier runs of 24 cells that moved by 10% would give. */
const RUN_SPREAD = { variance: 0.01, df: 4, runs: 5, cells: 24 };

/** The log-scale spreads of the two-level model: whole runs shift, then each fork. */
const RUN_SD = 0.1;
const FORK_SD = 0.04;

/** One fork's samples around `centre`: a little noise within the process. */
function fork(random: () => number, centre: number): number[] {
  const forkCentre = centre * Math.exp(FORK_SD * gaussian(random));
  return Array.from({ length: 20 }, () => forkCentre * (1 + 0.01 * gaussian(random)));
}

/** A run of `cells` cells (true centre 100 each) with `forks` forks, all shifted by the run's own factor. */
function run(random: () => number, cells: number, forks: number): number[][][] {
  const shift = Math.exp(RUN_SD * gaussian(random));
  return Array.from({ length: cells }, () => Array.from({ length: forks }, () => fork(random, 100 * shift)));
}

/** Just what sessionSpread and runShift read of a result file: the forks, and the centre and metric of each cell. */
function asFile(cells: number[][][], status: 'ok' | 'failed' = 'ok'): ResultFile {
  const results = cells.map((forks, i) => ({
    key: `cell-${i}`,
    status,
    metric: { name: 'time per op', unit: 'ns', better: 'lower' },
    forks: forks.map((samples) => ({ samples })),
    stats: { median: Math.exp(mean(forks.map((f) => Math.log(median(f))))) },
  }));
  return { results } as unknown as ResultFile;
}

/**
 * 1000 seeded trials, each with the spread of 5 earlier runs of 24 cells: how often `trial` says
 * yes with that spread, and how often without it.
 */
function trials(
  seed: number,
  trial: (random: () => number, spread: SessionSpread | undefined) => [boolean, boolean],
): { withSpread: number; forksOnly: number } {
  const random = seededRandom(seed);
  const count = { withSpread: 0, forksOnly: 0 };
  for (let t = 0; t < 1000; t++) {
    const [withSpread, forksOnly] = trial(
      random,
      sessionSpread([Array.from({ length: 5 }, () => runCells(asFile(run(random, 24, 3))))]),
    );
    count.withSpread += withSpread ? 1 / 1000 : 0;
    count.forksOnly += forksOnly ? 1 / 1000 : 0;
  }
  return count;
}

describe('the run-to-run spread', () => {
  it('measures how much whole runs move, not how much their forks do', () => {
    const random = seededRandom(7);
    const runs = Array.from({ length: 30 }, () => runCells(asFile(run(random, 24, 3))));
    const spread = sessionSpread([runs]);
    expect(spread).toMatchObject({ df: 29, runs: 30, cells: 24 });
    // 29 df: the estimate of a variance of 0.01 is within a factor of 2 far beyond chance
    expect(spread?.variance).toBeGreaterThan(RUN_SD ** 2 / 2);
    expect(spread?.variance).toBeLessThan(RUN_SD ** 2 * 2);
  });

  it('is zero when runs do not move beyond their forks', () => {
    const random = seededRandom(8);
    const still = Array.from({ length: 10 }, () =>
      runCells(asFile(Array.from({ length: 24 }, () => [fork(random, 100), fork(random, 100), fork(random, 100)]))),
    );
    // per cell the excess is floored at 0, so the mean is small but need not be exactly 0
    expect(sessionSpread([still])?.variance).toBeLessThan(FORK_SD ** 2 / 3);
  });

  it('uses only cells measured with 2+ forks in 2+ runs', () => {
    const random = seededRandom(9);
    const spreadOf = (...files: ResultFile[]) => sessionSpread([files.map(runCells)]);
    expect(spreadOf(asFile(run(random, 4, 3)))).toBeUndefined();
    expect(spreadOf(asFile(run(random, 4, 1)), asFile(run(random, 4, 1)))).toBeUndefined();
    expect(spreadOf(asFile(run(random, 4, 3), 'failed'), asFile(run(random, 4, 3)))).toBeUndefined();
    expect(spreadOf(asFile(run(random, 4, 3)), asFile(run(random, 2, 3)))).toMatchObject({
      runs: 2,
      cells: 2,
      df: 1,
    });
  });

  it('pools within revisions of the code: a change between them is not spread', () => {
    const random = seededRandom(10);
    const before = Array.from({ length: 15 }, () => runCells(asFile(run(random, 24, 3))));
    // the next commit made every cell 50% slower: a change, not noise
    const after = Array.from({ length: 15 }, () =>
      runCells(asFile(run(random, 24, 3).map((cell) => cell.map((f) => f.map((x) => x * 1.5))))),
    );
    const pooled = sessionSpread([before, after]);
    expect(pooled).toMatchObject({ df: 28, runs: 30, cells: 24, revisions: 2 });
    expect(pooled?.variance).toBeGreaterThan(RUN_SD ** 2 / 2);
    expect(pooled?.variance).toBeLessThan(RUN_SD ** 2 * 2);
    // as one group the change would count as noise: log(1.5)² / 4 is 4 times the run variance
    expect(sessionSpread([[...before, ...after]])?.variance).toBeGreaterThan(RUN_SD ** 2 * 3);
    expect(estimateCentre([[1], [2]], 0.95, pooled).ci.method).toMatch(/30 earlier runs of 2 revisions of the code/);
    const lone = { variance: 0.01, df: 1, runs: 2, cells: 1 };
    expect(estimateCentre([[1], [2]], 0.95, lone).ci.method).toMatch(
      /\(1 cell; Satterthwaite df; with 1 degree of freedom the spread keeps the interval wide until more earlier runs of these cells are at hand\)$/,
    );
    expect(estimateCentre([[1], [2]], 0.95, { ...lone, df: 3, runs: 4 }).ci.method).toMatch(
      /\(1 cell; Satterthwaite df\)$/,
    );
    // a revision with one run has no spread of its own to lend
    expect(sessionSpread([before.slice(0, 1), after.slice(0, 1)])).toBeUndefined();
  });

  it('widens the interval by the spread and says so; a spread of 0 changes only the label', () => {
    const forks = [
      [100, 101],
      [104, 103],
      [98, 99],
    ];
    const plain = estimateCentre(forks);
    const still = estimateCentre(forks, 0.95, { variance: 0, df: 4, runs: 5, cells: 24 });
    expect([still.ci.low, still.ci.high]).toEqual([plain.ci.low, plain.ci.high]);
    expect(still.ci.method).toMatch(/run-to-run spread of 5 earlier runs \(24 cells/);
    expect(plain.ci.sessions).toBeUndefined();
    const moving = estimateCentre(forks, 0.95, RUN_SPREAD);
    expect(moving.centre).toBe(plain.centre);
    expect(moving.ci.high - moving.ci.low).toBeGreaterThan(2 * (plain.ci.high - plain.ci.low));
    expect(moving.ci.sessions).toEqual(RUN_SPREAD);
  });

  it('leaves a figure on the plain scale (a value <= 0) and one fork as they were', () => {
    const spread = RUN_SPREAD;
    const signed = [
      [-1, 0],
      [1, 2],
      [0, 1],
    ];
    expect(estimateCentre(signed, 0.95, spread).ci).toEqual(estimateCentre(signed).ci);
    // and says it is on the plain scale, not the log one
    expect(estimateCentre(signed).ci.method).toMatch(/^Student's t on the fork medians themselves/);
    expect(
      estimateCentre([
        [1, 2],
        [3, 4],
      ]).ci.method,
    ).toMatch(/^Student's t on the log of fork medians/);
    expect(estimateCentre([[5, 6, 7]], 0.95, spread).ci.method).toMatch(/within-process only/);
  });

  // The claim of docs/architecture.md ("Run-to-run spread"), on the model it assumes: with 5 earlier
  // runs, the interval of a new run's cell covers the true centre about 95% of the time, where this
  // run's forks alone cover far less once runs move more than forks do.
  it('covers the true centre about 95% of the time when whole runs move, with 5 earlier runs', () => {
    const hits = trials(11, (random, spread) => {
      const [cell] = run(random, 1, 3);
      const covers = ({ low, high }: { low: number; high: number }) => low <= 100 && 100 <= high;
      return [covers(estimateCentre(cell, 0.95, spread).ci), covers(estimateCentre(cell).ci)];
    });
    // 1000 trials: the binomial sd of a 95% rate is 0.7%
    expect(hits.withSpread).toBeGreaterThan(0.92);
    expect(hits.withSpread).toBeLessThan(0.985);
    expect(hits.forksOnly).toBeLessThan(0.75);
  });

  // compare of two separate runs (no A/B pairs): each run carries its own shift
  it('keeps an unpaired test of two runs at its level when whole runs move', () => {
    const alarms = trials(12, (random, spread) => {
      const [base] = run(random, 1, 3);
      const [head] = run(random, 1, 3);
      const changed = (p = 1) => p < 0.05;
      return [changed(welchRatio(base, head, 0.95, 0.05, spread)?.p), changed(welchRatio(base, head)?.p)];
    });
    expect(alarms.withSpread).toBeLessThan(0.08);
    expect(alarms.forksOnly).toBeGreaterThan(0.3);
    const random = seededRandom(13);
    const [base] = run(random, 1, 3);
    expect(welchRatio(base, base, 0.95, 0.05, RUN_SPREAD)?.test).toMatch(
      /Welch's t-test .*, plus the run-to-run spread of 5 earlier runs/,
    );
  });

  it('says when a run sits beyond the spread of the earlier runs, about 5% of the time when it does not', () => {
    const random = seededRandom(14);
    let beyond = 0;
    for (let t = 0; t < 1000; t++) {
      const earlier = Array.from({ length: 5 }, () => runCells(asFile(run(random, 24, 3))));
      const spread = sessionSpread([earlier]);
      if (!spread) throw new Error('no spread');
      const now = asFile(run(random, 24, 3)).results;
      if (runShift(now, historyOf(earlier), spread)?.beyond) beyond++;
    }
    expect(beyond / 1000).toBeGreaterThan(0.02);
    expect(beyond / 1000).toBeLessThan(0.09);
    const earlier = Array.from({ length: 8 }, () => runCells(asFile(run(random, 24, 3))));
    const slow = asFile(run(random, 24, 3).map((cell) => cell.map((f) => f.map((x) => x * 1.5))));
    const shift = runShift(slow.results, historyOf(earlier), sessionSpread([earlier]) ?? RUN_SPREAD);
    expect(shift).toMatchObject({ cells: 24, beyond: true });
    expect(shift?.ratio).toBeGreaterThan(1.3);
  });

  it("calls a shift within the forks' noise no shift, where the runs did not move beyond their forks", () => {
    const random = seededRandom(15);
    const still = () => runCells(asFile(Array.from({ length: 24 }, () => [1, 2, 3].map(() => fork(random, 100)))));
    const noSpread: SessionSpread = { variance: 0, df: 4, runs: 5, cells: 24 };
    let beyond = 0;
    for (let t = 0; t < 1000; t++) {
      const earlier = Array.from({ length: 5 }, still);
      const now = asFile(Array.from({ length: 24 }, () => [1, 2, 3].map(() => fork(random, 100)))).results;
      if (runShift(now, historyOf(earlier), noSpread)?.beyond) beyond++;
    }
    // a limit of 0 called every one of them beyond; with the forks' share it is 0.6% (under 5%: the
    // spread's 4 df widen the forks' part too)
    expect(beyond / 1000).toBeLessThan(0.09);
    const slow = asFile(Array.from({ length: 24 }, () => [1, 2, 3].map(() => fork(random, 120)))).results;
    expect(runShift(slow, historyOf(Array.from({ length: 5 }, still)), noSpread)?.beyond).toBe(true);
  });

  it('sees a slower machine in times and rates alike: a rate that fell counts as a time that rose', () => {
    const metrics: [ScenarioKind, Metric, number][] = [
      ['micro', { name: 'time per op', unit: 'ns', better: 'lower' }, 1000],
      ['throughput', { name: 'throughput', unit: 'ops/s', better: 'higher' }, 5000],
    ];
    const cells = [1, 2, 3, 4].flatMap((i) =>
      metrics.map(
        ([kind, metric, value]): CellSpec => ({
          scenario: kind,
          kind,
          case: `c${i}`,
          params: {},
          runtime: 'node',
          metric,
          value: value * i,
        }),
      ),
    );
    const earlier = [1, 2].map((seed) => runCells(makeResult({ seed, cells })));
    // the machine 30% slower: every time 1.3x, every rate 1/1.3 (the two cancelled: 1.00x)
    const slow = makeResult({ seed: 9, cells, change: (c) => (c.metric.better === 'lower' ? 1.3 : 1 / 1.3) });
    const ratio = ratioToEarlier(slow.results, historyOf(earlier));
    expect(ratio?.cells).toBe(8);
    expect(ratio?.ratio).toBeGreaterThan(1.2);
    expect(ratio?.ratio).toBeLessThan(1.4);
    // exactly: the median over cells of the log centre against the earlier runs' mean log centre, a
    // rate's sign turned (a cell's centre, stats.median, is the geometric mean of its fork medians)
    const files = [1, 2].map((seed) => makeResult({ seed, cells }));
    const logCentre = (e: ResultEntry) => Math.log(e.stats?.median ?? Number.NaN);
    const diffs = slow.results.map((e) => {
      const before = files.map((f) => logCentre(f.results.find((x) => x.key === e.key) as ResultEntry));
      return (logCentre(e) - (before[0] + before[1]) / 2) * (e.metric.better === 'higher' ? -1 : 1);
    });
    expect(diffs).toHaveLength(8);
    expect(ratio?.ratio).toBeCloseTo(Math.exp(median(diffs)), 12);
    const shift = runShift(slow.results, historyOf(earlier), RUN_SPREAD);
    expect(shift?.ratio).toBe(ratio?.ratio);
  });
});
