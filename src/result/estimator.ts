/**
 * The one fork-aware estimator: the figure a table prints, its interval, and the tests `compare`
 * and the reports' "x" marks use all come from here, so a printed interval is the interval tested.
 *
 * The fork (one fresh process) is the unit of replication (PITFALLS 15). Each fork gives one value,
 * the median of its samples; forks weigh the same whatever their sample count. Timings are
 * multiplicative (a change is a ratio), so fork values are combined on the log scale: the cell's
 * centre is the geometric mean of its fork medians, and its interval is Student's t on the logs
 * with n - 1 degrees of freedom, which holds its level with as few as 2-3 forks where a percentile
 * bootstrap over 3 forks spans only their min..max (about 75% coverage).
 */
import type {
  ConfidenceInterval,
  ResultEntry,
  ResultFile,
  RunRatio,
  RunShift,
  SessionSpread,
  Stats,
} from './schema.js';
import {
  chiSquareSurvival,
  coefficientOfVariation,
  mean,
  median,
  medianOrderBounds,
  quantileSorted,
  sortedCopy,
  stddev,
  studentQuantile,
  studentTwoSidedP,
} from './stats.js';

export const CI_LEVEL = 0.95;

export const CENTRE_METHOD = "Student's t on the log of fork medians (forks weigh the same)";
/** A median of 0 or less has no log (a throughput fork with no op in most intervals, say). */
const PLAIN_CENTRE_METHOD =
  "Student's t on the fork medians themselves, a median of 0 or less among them having no log (forks weigh the same)";
export const WITHIN_PROCESS_METHOD = 'order statistics of the median (binomial), within-process only (one fork)';

/** Each fork's median; empty forks are left out. */
export function forkMedians(forks: readonly (readonly number[])[]): number[] {
  return forks.filter((f) => f.length > 0).map(median);
}

/** Log scale where every value is positive (times, rates); the plain scale otherwise. */
function scaleOf(values: readonly number[]): { to(x: number): number; from(y: number): number } {
  return values.every((v) => v > 0) ? { to: Math.log, from: Math.exp } : { to: (x) => x, from: (y) => y };
}

export interface CentreEstimate {
  centre: number;
  ci: ConfidenceInterval;
}

/**
 * One fork: the distribution-free interval of its median, between two of its order statistics. It
 * treats the samples as independent, which samples of one process in time order are not quite, and
 * it holds nothing of the spread between processes: hence labelled within-process only. (A percentile
 * bootstrap of the median was here, over the samples thinned to 500: its width was that of 500
 * samples whatever the count, so its "95%" was of no definite sample.)
 */
function withinProcess(samples: readonly number[], level: number): CentreEstimate {
  const sorted = sortedCopy(samples);
  // under 6 samples min..max holds less than `level`: the interval carries what it holds
  const bounds = medianOrderBounds(sorted.length, level);
  return {
    centre: quantileSorted(sorted, 0.5),
    ci: { low: sorted[bounds.lo], high: sorted[bounds.hi], level: bounds.level, method: WITHIN_PROCESS_METHOD },
  };
}

/**
 * The centre of a cell and its confidence interval, from the raw samples of each fork. With a
 * session spread (`run --sessions`) the interval also holds what moves whole runs: its variance is
 * the forks' (s²/n) plus the spread's, and its degrees of freedom Welch-Satterthwaite's for that sum.
 */
export function estimateCentre(
  forks: readonly (readonly number[])[],
  level = CI_LEVEL,
  sessions?: SessionSpread,
  values: readonly number[] = forkMedians(forks),
): CentreEstimate {
  if (values.length === 1) return withinProcess(forks.find((f) => f.length > 0) ?? [], level);
  const scale = scaleOf(values);
  const logs = values.map(scale.to);
  const m = mean(logs);
  const n = logs.length;
  const forkVariance = stddev(logs) ** 2 / n;
  // the spread is of log centres: it applies only where the forks' values are on the log scale too
  const spread = scale.to === Math.log ? sessions : undefined;
  const between = spread?.variance ?? 0;
  const variance = forkVariance + between;
  const df = spread && between > 0 ? variance ** 2 / (forkVariance ** 2 / (n - 1) + between ** 2 / spread.df) : n - 1;
  const half = studentQuantile(1 - level, df) * Math.sqrt(variance);
  const centreMethod = scale.to === Math.log ? CENTRE_METHOD : PLAIN_CENTRE_METHOD;
  const method = spread ? `${centreMethod}, ${sessionsMethod(spread)}` : centreMethod;
  return {
    centre: scale.from(m),
    ci: {
      low: scale.from(m - half),
      high: scale.from(m + half),
      level,
      method,
      ...(spread ? { sessions: spread } : {}),
    },
  };
}

/** below this many degrees of freedom the spread's t quantile is 4.3 or more: the report says why it is wide */
const FEW_SPREAD_DF = 3;

const sessionsMethod = (s: SessionSpread) =>
  `plus the run-to-run spread of ${s.runs} earlier runs${s.revisions ? ` of ${s.revisions} revisions of the code, pooled within each` : ''} (${s.cells} cell${s.cells === 1 ? '' : 's'}; Satterthwaite df${fewRunsNote(s.df)})`;

const fewRunsNote = (df: number) =>
  df < FEW_SPREAD_DF
    ? `; with ${df} degree${df === 1 ? '' : 's'} of freedom the spread keeps the interval wide until more earlier runs of these cells are at hand`
    : '';

/** Summary statistics of a cell from the raw samples of each fork. */
export function summarize(forks: readonly (readonly number[])[]): Stats {
  const nonEmpty = forks.filter((f) => f.length > 0);
  const all = sortedCopy(nonEmpty.flat());
  // each fork is sorted once for its median, which the centre and the between-fork spread share
  const medians = forkMedians(nonEmpty);
  const { centre, ci } = estimateCentre(nonEmpty, CI_LEVEL, undefined, medians);
  return {
    n: all.length,
    forks: nonEmpty.length,
    min: all[0],
    max: all[all.length - 1],
    mean: mean(all),
    median: centre,
    p75: quantileSorted(all, 0.75),
    p99: quantileSorted(all, 0.99),
    stddev: stddev(all),
    cv: coefficientOfVariation(all),
    ci,
    ...(nonEmpty.length > 1 ? { betweenForkCv: coefficientOfVariation(medians) } : {}),
    withinForkCv: median(nonEmpty.map(coefficientOfVariation)),
  };
}

/**
 * How much whole runs move, from earlier result files of this machine: a two-level model (Kalibera
 * and Jones, "Rigorous benchmarking in reasonable time", 2013), runs above forks. For each cell
 * measured with 2+ forks in 2+ runs of a group, the variance of its runs' log centres less the mean
 * variance its forks explain (s²/n); the spread is the mean over cells, floored at 0 per cell. A
 * group is one revision of the code: runs of different code lend their spread but not their
 * difference, which is a change, not noise, so each cell's variance is pooled within groups
 * (sum of squares over sum of degrees of freedom). A shift of a whole run is common to its cells,
 * so the runs, not the cells, give the degrees of freedom: runs − 1 summed over groups.
 * Undefined when no cell qualifies.
 */
export function sessionSpread(groups: readonly (readonly RunCells[])[]): SessionSpread | undefined {
  const pooled = new Map<string, { squares: number; df: number; forkVariances: number[] }>();
  let df = 0;
  let revisions = 0;
  for (const group of groups) {
    let groupRuns = 0;
    for (const [key, runsOfCell] of runsByCell(group)) {
      if (runsOfCell.length < 2) continue;
      const cell = pooled.get(key) ?? { squares: 0, df: 0, forkVariances: [] };
      cell.squares += stddev(runsOfCell.map((x) => x.centre)) ** 2 * (runsOfCell.length - 1);
      cell.df += runsOfCell.length - 1;
      cell.forkVariances.push(...runsOfCell.map((x) => x.forkVariance));
      pooled.set(key, cell);
      groupRuns = Math.max(groupRuns, runsOfCell.length);
    }
    if (groupRuns === 0) continue;
    df += groupRuns - 1;
    revisions++;
  }
  if (pooled.size === 0) return undefined;
  const excess = [...pooled.values()].map((c) => Math.max(0, c.squares / c.df - mean(c.forkVariances)));
  const spread: SessionSpread = { variance: mean(excess), df, runs: df + revisions, cells: pooled.size };
  return revisions > 1 ? { ...spread, revisions } : spread;
}

/** One cell of one earlier run, all the spread needs of it: a file's samples can be let go. */
export interface RunOfCell {
  /** mean log fork median */
  centre: number;
  /** its variance from the forks' spread, s²/n */
  forkVariance: number;
}

export type RunCells = Map<string, RunOfCell>;

/** The cells of a run measured ok with 2+ forks of positive values, by cell key. */
export function runCells(run: Pick<ResultFile, 'results'>): RunCells {
  const cells: RunCells = new Map();
  for (const entry of run.results) {
    const values = entry.status === 'ok' ? forkMedians(entry.forks.map((f) => f.samples)) : [];
    if (values.length < 2 || values.some((v) => v <= 0)) continue;
    const logs = values.map(Math.log);
    cells.set(entry.key, { centre: mean(logs), forkVariance: stddev(logs) ** 2 / logs.length });
  }
  return cells;
}

/** Per cell key, the runs that measured it. */
function runsByCell(runs: readonly RunCells[]): Map<string, RunOfCell[]> {
  const byKey = new Map<string, RunOfCell[]>();
  for (const run of runs)
    for (const [key, cell] of run) {
      const seen = byKey.get(key) ?? [];
      seen.push(cell);
      byKey.set(key, seen);
    }
  return byKey;
}

/** Each cell's mean log centre over earlier runs of the same code: what `runShift` sets a new run against. */
export interface History {
  centres: Map<string, number>;
  /** the runs behind the centres */
  runs: number;
}

export function historyOf(runs: readonly RunCells[]): History {
  return {
    centres: new Map([...runsByCell(runs)].map(([key, r]) => [key, mean(r.map((x) => x.centre))])),
    runs: runs.length,
  };
}

/**
 * Where a new run sits against the earlier runs of its code: the median over the cells they share
 * of its centre against theirs, as times (a rate inverted, so a slower machine is above 1 in every
 * cell); undefined when they share none.
 */
export function ratioToEarlier(entries: readonly ResultEntry[], history: History): RunRatio | undefined {
  // a cell's centre is already the geometric mean of its fork medians (stats.median)
  const diffs = entries.flatMap((e) => {
    const before = history.centres.get(e.key);
    const centre = e.status === 'ok' ? e.stats?.median : undefined;
    if (before === undefined || centre === undefined || !(centre > 0)) return [];
    // a slow machine raises times and lowers rates: left as they are, the two cancel in the median
    return [(Math.log(centre) - before) * (e.metric.better === 'higher' ? -1 : 1)];
  });
  return diffs.length === 0 ? undefined : { ratio: Math.exp(median(diffs)), cells: diffs.length };
}

/**
 * The shift, judged: beyond the spread (two-sided 95%: a run's shift has the spread's variance and
 * its forks' share, the earlier runs' mean those over their number) says the machine was not as it
 * was in those runs, so the run's intervals do not hold its shift.
 */
export function runShift(
  entries: readonly ResultEntry[],
  history: History,
  spread: SessionSpread,
): RunShift | undefined {
  const ratio = ratioToEarlier(entries, history);
  if (ratio === undefined) return undefined;
  // the forks move a run's centres too: with a spread of 0 (runs that did not move beyond their
  // forks) a shift well inside the forks' noise was called beyond it. The median of c cells has
  // about π/2 · σ²/c of a cell's fork variance σ² (s²/n of its log fork medians).
  const own = [...runCells({ results: entries as ResultEntry[] })].filter(([key]) => history.centres.has(key));
  const forks = own.length === 0 ? 0 : ((Math.PI / 2) * mean(own.map(([, cell]) => cell.forkVariance))) / ratio.cells;
  const variance = (spread.variance + forks) * (1 + 1 / history.runs);
  const limit = studentQuantile(1 - CI_LEVEL, spread.df) * Math.sqrt(variance);
  return { ...ratio, beyond: Math.abs(Math.log(ratio.ratio)) > limit };
}

/** A test of head against base: the ratio of centres, its interval and p-value. */
export interface RatioTest {
  /** head / base - 1 */
  change: number;
  low: number;
  high: number;
  level: number;
  /** two-sided p-value of "no change" */
  p: number;
  df: number;
  /** smallest change this test would detect with 80% power at `alpha` (as a fraction) */
  detectable: number;
  test: string;
}

export const WELCH_TEST = "Welch's t-test on the log of fork medians";
export const YUEN_TEST = "Yuen's paired t-test (20% trimmed) on the log ratio of fork medians";
export const PAIRED_TEST = `${YUEN_TEST} (A/B pairs run back to back)`;
export const ROUND_TEST = `${YUEN_TEST}, paired by round`;

function ratioTest(diff: number, se: number, df: number, test: string, level: number, alpha = 1 - level): RatioTest {
  const half = studentQuantile(1 - level, df) * se;
  // no spread at all: any difference is beyond it; a NaN (an infinite median) judges nothing
  const p =
    Number.isNaN(se) || Number.isNaN(diff) ? Number.NaN : se > 0 ? studentTwoSidedP(diff / se, df) : diff === 0 ? 1 : 0;
  // 80% power: the critical value at alpha plus the t value one standard error short of it
  const detectable = Math.expm1((studentQuantile(alpha, df) + studentQuantile(0.4, df)) * se);
  return {
    change: Math.expm1(diff),
    low: Math.expm1(diff - half),
    high: Math.expm1(diff + half),
    level,
    p,
    df,
    detectable,
    test,
  };
}

/**
 * Unpaired: head's forks against base's forks (two runs, two runtimes, two cases). Needs two
 * forks a side; `alpha` is the level the detectable change is computed for (after corrections).
 * Two separate runs each carry their run's shift: with a run-to-run spread (`run --sessions`) its
 * variance counts once a side, with Welch-Satterthwaite degrees of freedom over the three parts.
 */
export function welchRatio(
  base: readonly (readonly number[])[],
  head: readonly (readonly number[])[],
  level = CI_LEVEL,
  alpha = 1 - level,
  sessions?: SessionSpread,
): RatioTest | undefined {
  const a = forkMedians(base);
  const b = forkMedians(head);
  if (a.length < 2 || b.length < 2 || [...a, ...b].some((v) => !(v > 0))) return undefined;
  const la = a.map(Math.log);
  const lb = b.map(Math.log);
  const va = stddev(la) ** 2 / la.length;
  const vb = stddev(lb) ** 2 / lb.length;
  const runs = sessions ? 2 * sessions.variance : 0;
  const total = va + vb + runs;
  // Welch-Satterthwaite degrees of freedom; with no spread at all, the pooled n - 2
  const df =
    total > 0
      ? total ** 2 / (va ** 2 / (la.length - 1) + vb ** 2 / (lb.length - 1) + runs ** 2 / (sessions?.df ?? 1))
      : la.length + lb.length - 2;
  const test = sessions ? `${WELCH_TEST}, ${sessionsMethod(sessions)}` : WELCH_TEST;
  return ratioTest(mean(lb) - mean(la), Math.sqrt(total), df, test, level, alpha);
}

/** Share of the pair ratios trimmed from each end by the paired test (Yuen's usual 20%). */
export const PAIR_TRIM = 0.2;
/**
 * The fewest values trimmed. With 5-7, one off each end leaves 3-5 and Yuen's t runs liberal: 6.4%
 * false alarms at 5% with 5 normal values (test/unit/measure-stats.test.ts), where Student's t is
 * exact; from 8 on (h = 6) a simulation review found 5.3-5.6%. Fewer values give Student's t, which
 * an odd pair off by far makes wide (it finds less), never liberal.
 */
const MIN_TRIMMED = 8;

/**
 * Yuen's trimmed mean of `d` with its standard error and degrees of freedom: g = floor(trim * n)
 * values off each end, the mean of the h = n - 2g left, the spread from the winsorized values
 * (each trimmed one replaced by its nearest kept one), se = sqrt((n - 1) s_w^2 / (h (h - 1))),
 * h - 1 degrees of freedom. Below MIN_TRIMMED values nothing is trimmed: it is then Student's t
 * exactly.
 */
export function trimmedMean(d: readonly number[], trim = PAIR_TRIM): { centre: number; se: number; df: number } {
  const sorted = [...d].sort((a, b) => a - b);
  const n = sorted.length;
  const g = n < MIN_TRIMMED ? 0 : Math.floor(trim * n);
  const h = n - 2 * g;
  const winsorized = sorted.map((_, i) => sorted[Math.min(Math.max(i, g), n - g - 1)]);
  const sw = stddev(winsorized);
  return { centre: mean(sorted.slice(g, n - g)), se: Math.sqrt(((n - 1) * sw * sw) / (h * (h - 1))), df: h - 1 };
}

/**
 * Paired: fork k of head ran beside fork k of base, so what both shared (machine drift, seed)
 * cancels. The test is Yuen's on the trimmed log ratios, not Student's on their mean: on this VM a
 * fork now and then lands in another JIT mode, 30-100% off its pair partner (docs/ci.md), and one
 * such pair in eight widened a plain t interval three- to eightfold. Trimming keeps the test centred
 * where it matters: under "no change" with the A/B order drawn at random, the log ratios are
 * symmetric about 0, and so is their trimmed mean (its t approximation runs a little liberal with
 * few values left: docs/ci.md).
 */
export function pairedRatio(
  pairs: readonly { base: number; head: number }[],
  level = CI_LEVEL,
  alpha = 1 - level,
  test = PAIRED_TEST,
): RatioTest | undefined {
  // a pair with a median of 0 or less has no log ratio; leaving it out would test the pairs that
  // stayed alike and call a side that collapsed to 0 (a throughput) unchanged: no test at all
  if (pairs.length < 2 || !pairs.every((p) => p.base > 0 && p.head > 0)) return undefined;
  const { centre, se, df } = trimmedMean(pairs.map((p) => Math.log(p.head / p.base)));
  return ratioTest(centre, se, df, test, level, alpha);
}

/**
 * Two cells of one run with as many forks, fork k against fork k. A run measures in rounds (fork k
 * of every cell in its k-th round, the cells of a scenario back to back), so fork k of two cells
 * ran seconds apart, and a slow phase of the machine, which lasts minutes on a shared host and
 * slows every cell alike, cancels in their ratio (duet benchmarking). Pairs that shared nothing
 * leave the test valid, only with fewer degrees of freedom than Welch's.
 */
export function roundPairedRatio(
  base: readonly (readonly number[])[],
  head: readonly (readonly number[])[],
): RatioTest | undefined {
  if (base.length !== head.length) return undefined;
  // by round, before leaving anything out: a fork with no value drops its round, not its place
  const pairs = base.flatMap((forkA, k) => {
    const forkB = head[k] as readonly number[];
    return forkA.length > 0 && forkB.length > 0 ? [{ base: median(forkA), head: median(forkB) }] : [];
  });
  return pairedRatio(pairs, CI_LEVEL, 1 - CI_LEVEL, ROUND_TEST);
}

/**
 * Holm-Bonferroni step-down over many tests: which null hypotheses are rejected while the chance
 * of any false rejection in the whole family stays at or under `alpha`.
 */
export function holmRejects(pValues: readonly number[], alpha: number): boolean[] {
  // a NaN p-value counts in the family and is never rejected (as p = 1; a NaN would also break the sort)
  const order = pValues.map((p, i) => [Number.isNaN(p) ? 1 : p, i] as const).sort((x, y) => x[0] - y[0]);
  const rejected = new Array<boolean>(pValues.length).fill(false);
  for (const [rank, [p, i]] of order.entries()) {
    if (p > alpha / (pValues.length - rank)) break;
    rejected[i] = true;
  }
  return rejected;
}

export const ROUNDS_TEST = "Friedman's test (each cell's forks ranked by round)";
/** Fewer cells than this say too little about the rounds (and Friedman's chi-square is then rough). */
const MIN_ROUND_CELLS = 8;

export interface RoundEffects {
  /** forks per cell, fork k in round k */
  rounds: number;
  /** the cells that had that many forks, all measured */
  cells: number;
  /** per round, the median over cells of fork k's median against its cell's centre, as a time (> 1: slower) */
  factors: number[];
  /** of the test that every round ran at the same speed */
  p: number;
  test: string;
}

/**
 * Did the machine run every round at the same speed? A run measures fork k of every cell in its
 * k-th round, so a phase of a shared host that slows every fresh process for a while shows as one
 * round slower (or faster) across most cells, whatever they measure. Friedman's test asks that
 * without a model of the op's noise: within each cell the rounds are ranked, and with no round
 * effect every ranking is equally likely. Higher-is-better figures are turned into times first.
 */
export function roundEffects(entries: readonly ResultEntry[]): RoundEffects | undefined {
  const asTimes = entries
    .filter((e) => e.status === 'ok' && e.forks.length >= 2 && e.forks.every((f) => f.samples.length > 0))
    .map((e) => forkMedians(e.forks.map((f) => f.samples)).map((m) => (e.metric.better === 'higher' ? 1 / m : m)))
    // a median of 0 has no log: its cell is left out (1 / 0, a higher-is-better one's, is Infinity)
    .filter((values) => values.every((v) => v > 0 && Number.isFinite(v)));
  const counts = new Map<number, number>();
  for (const values of asTimes) counts.set(values.length, (counts.get(values.length) ?? 0) + 1);
  const [rounds] = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] ?? [0];
  const cells = asTimes.filter((values) => values.length === rounds);
  if (rounds < 2 || cells.length < MIN_ROUND_CELLS) return undefined;
  const rankSums = new Array<number>(rounds).fill(0);
  const logRatios = Array.from({ length: rounds }, () => [] as number[]);
  // Σ(t³ - t) over every group of t tied values in a cell: ties shrink the ranks' variance
  let ties = 0;
  for (const values of cells) {
    const sorted = [...values].sort((a, b) => a - b);
    const centre = mean(values.map(Math.log));
    for (const [k, v] of values.entries()) {
      // the average rank of v among its cell's forks (ties share it)
      rankSums[k] += (sorted.indexOf(v) + sorted.lastIndexOf(v)) / 2 + 1;
      logRatios[k].push(Math.log(v) - centre);
    }
    for (let i = 0; i < sorted.length; ) {
      const t = sorted.lastIndexOf(sorted[i] as number) - i + 1;
      ties += t ** 3 - t;
      i += t;
    }
  }
  const n = cells.length;
  const q = (12 / (n * rounds * (rounds + 1))) * rankSums.reduce((s, r) => s + r * r, 0) - 3 * n * (rounds + 1);
  // the tie correction (as scipy's friedmanchisquare); every cell all tied ranks nothing: no evidence
  const tieFactor = 1 - ties / (n * rounds * (rounds * rounds - 1));
  return {
    rounds,
    cells: n,
    factors: logRatios.map((l) => Math.exp(median(l))),
    p: tieFactor > 0 ? chiSquareSurvival(q / tieFactor, rounds - 1) : 1,
    test: ROUNDS_TEST,
  };
}
