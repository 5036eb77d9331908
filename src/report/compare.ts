/**
 * The statistics of `asyncbench compare`: entries of two result files are matched by key
 * (scenario/case/params/runtime) and each pair gets the change of its median with a 95% interval
 * from a hierarchical bootstrap (forks first, then samples within a fork: PITFALLS 15) of the
 * ratio head median / base median, and a verdict.
 */

import { redactText } from '../result/redact.js';
import type { ResultEntry, ResultFile } from '../result/schema.js';
import { hierarchicalResample, quantileSorted, seededRandom } from '../result/stats.js';

export type Verdict = 'faster' | 'slower' | 'unchanged' | 'unstable' | 'not comparable';

export interface CompareOptions {
  /** smallest change that counts, as a fraction (0.05 = 5%) */
  threshold: number;
  /** confidence level of the interval */
  level: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { threshold: 0.05, level: 0.95, resamples: 2000, seed: 1 };

export interface EntryComparison {
  key: string;
  base: ResultEntry;
  head: ResultEntry;
  /** head median / base median - 1, in the metric's own terms (positive = the number grew) */
  change?: number;
  /** interval of `change` */
  ci?: { low: number; high: number; level: number };
  /** two-sided p-value of "no change": bootstrap standard error against Student's t (2n-2 df) */
  p?: number;
  verdict: Verdict;
  /** why the verdict is unstable or not comparable */
  note?: string;
}

export interface Comparison {
  rows: EntryComparison[];
  added: ResultEntry[];
  removed: ResultEntry[];
  warnings: string[];
  options: CompareOptions;
  test: string;
}

export const TEST_NAME =
  'hierarchical bootstrap (forks, then samples) of the ratio of medians, 95% percentile interval widened for few forks, Holm-corrected over all entries';

/** Resampling thousands of samples per fork adds cost, not precision: keep evenly spaced order statistics. */
const MAX_SAMPLES_PER_FORK = 200;

function thinned(entry: ResultEntry): number[][] {
  return entry.forks
    .filter((f) => f.status === 'ok' && f.samples.length > 0)
    .map((f) => {
      const sorted = [...f.samples].sort((a, b) => a - b);
      if (sorted.length <= MAX_SAMPLES_PER_FORK) return sorted;
      return Array.from(
        { length: MAX_SAMPLES_PER_FORK },
        (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (MAX_SAMPLES_PER_FORK - 1))],
      );
    });
}

/** Median by quickselect (the bootstrap takes thousands of medians; sorting each would dominate). */
function selectMedian(values: Float64Array): number {
  const kth = (k: number): number => {
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const pivot = values[(lo + hi) >> 1];
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (values[i] < pivot) i++;
        while (values[j] > pivot) j--;
        if (i <= j) {
          const t = values[i];
          values[i++] = values[j];
          values[j--] = t;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else return values[k];
    }
    return values[k];
  };
  const mid = (values.length - 1) / 2;
  const low = kth(Math.floor(mid));
  return mid === Math.floor(mid) ? low : (low + kth(Math.ceil(mid))) / 2;
}

/** Bootstrap distribution (sorted) of head median / base median - 1, base and head resampled independently. */
export function changeDistribution(
  base: readonly number[][],
  head: readonly number[][],
  resamples: number,
  seed: number,
): number[] {
  const random = seededRandom(seed);
  const reps = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    const b = selectMedian(Float64Array.from(hierarchicalResample(base, random)));
    const h = selectMedian(Float64Array.from(hierarchicalResample(head, random)));
    reps[r] = h / b - 1;
  }
  return reps.sort((x, y) => x - y);
}

/** Two-sided 97.5% quantiles of Student's t by degrees of freedom (1..30); beyond 30, the normal's. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * A percentile bootstrap over n forks is too narrow when n is small: its variance misses the
 * factor n/(n-1), and its normal-like tails ignore that the spread itself is estimated from n
 * forks per side. Widen the interval about the observed change by sqrt(n/(n-1)) * t(2n-2)/z,
 * which brought the measured false-alarm rate of 3-5 fork A/A trials back under the nominal level.
 */
export function smallForkWidening(forks: number): number {
  if (forks < 2) return 1;
  const df = 2 * forks - 2;
  const t = df <= T_975.length ? T_975[df - 1] : 1.96;
  return Math.sqrt(forks / (forks - 1)) * (t / 1.96);
}

/** Is a positive change (the number grew) an improvement for this metric? */
function improvesWhenGrowing(entry: ResultEntry): boolean {
  return entry.metric.better === 'higher';
}

function notComparable(base: ResultEntry, head: ResultEntry): string | undefined {
  if (base.status !== 'ok' || !base.stats)
    return `base ${base.status}${base.reason ? `: ${redactText(base.reason)}` : ''}`;
  if (head.status !== 'ok' || !head.stats)
    return `head ${head.status}${head.reason ? `: ${redactText(head.reason)}` : ''}`;
  if (base.metric.unit !== head.metric.unit || base.metric.better !== head.metric.better)
    return `metric changed from ${base.metric.unit} (${base.metric.better} is better) to ${head.metric.unit} (${head.metric.better} is better)`;
  return undefined;
}

/**
 * Verdict rules, in order:
 * - unstable: either side is not steady, has one fork only (its interval ignores the between-process
 *   spread), or the interval is so wide (half-width over twice the threshold) that a change twice
 *   the threshold could hide in it;
 * - faster/slower: the interval excludes 0 and the median changed by at least the threshold;
 * - unchanged: otherwise (within the noise, or significant but below the threshold).
 */
function judge(
  base: ResultEntry,
  head: ResultEntry,
  change: number,
  low: number,
  high: number,
  threshold: number,
): Pick<EntryComparison, 'verdict' | 'note'> {
  if (base.steady === false || head.steady === false)
    return { verdict: 'unstable', note: `${base.steady === false ? 'base' : 'head'} samples drift (not steady)` };
  const forks = Math.min(thinned(base).length, thinned(head).length);
  if (forks < 2)
    return { verdict: 'unstable', note: 'one fork: the interval ignores between-process noise (PITFALLS 15)' };
  const significant = low > 0 || high < 0;
  if (significant && Math.abs(change) >= threshold) {
    const better = change > 0 === improvesWhenGrowing(head);
    return { verdict: better ? 'faster' : 'slower' };
  }
  if ((high - low) / 2 > 2 * threshold)
    return { verdict: 'unstable', note: `interval too wide to judge (±${(((high - low) / 2) * 100).toFixed(0)}%)` };
  return { verdict: 'unchanged' };
}

export function compareEntries(
  base: ResultEntry,
  head: ResultEntry,
  options: CompareOptions = DEFAULT_COMPARE_OPTIONS,
): EntryComparison {
  const reason = notComparable(base, head);
  if (reason) return { key: head.key, base, head, verdict: 'not comparable', note: reason };
  const baseForks = thinned(base);
  const headForks = thinned(head);
  const reps = changeDistribution(baseForks, headForks, options.resamples, options.seed);
  const alpha = (1 - options.level) / 2;
  const change = (head.stats?.median ?? 0) / (base.stats?.median ?? 1) - 1;
  const widen = smallForkWidening(Math.min(baseForks.length, headForks.length));
  const low = change - (change - quantileSorted(reps, alpha)) * widen;
  const high = change + (quantileSorted(reps, 1 - alpha) - change) * widen;
  // the p-value for the family-wise correction: the bootstrap standard error, corrected by
  // sqrt(n/(n-1)), against Student's t with 2n-2 degrees of freedom, whose tails (far heavier than
  // the normal's with few forks) are what the Holm thresholds probe
  const forks = Math.min(baseForks.length, headForks.length);
  const se =
    ((quantileSorted(reps, 0.975) - quantileSorted(reps, 0.025)) / (2 * 1.96)) *
    Math.sqrt(forks / Math.max(1, forks - 1));
  return {
    key: head.key,
    base,
    head,
    change,
    ci: { low, high, level: options.level },
    p: forks < 2 ? 1 : se > 0 ? studentTwoSidedP(change / se, 2 * forks - 2) : change === 0 ? 1 : 0,
    ...judge(base, head, change, low, high, options.threshold),
  };
}

/** Continued fraction of the regularized incomplete beta function (Numerical Recipes, betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < 1e-300 ? 1e-300 : d);
  let h = d;
  for (let m = 1; m <= 200; m++) {
    for (const aa of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + aa * d;
      d = 1 / (Math.abs(d) < 1e-300 ? 1e-300 : d);
      c = 1 + aa / c;
      if (Math.abs(c) < 1e-300) c = 1e-300;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-12) break;
  }
  return h;
}

function logGamma(x: number): number {
  const g = [
    76.18009172947146, -86.5053203294168, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2,
    -0.5395239384953e-5,
  ];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const coefficient of g) ser += coefficient / ++y;
  return -tmp + Math.log((2.506628274631 * ser) / x);
}

/** Two-sided p-value of Student's t with `df` degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2). */
export function studentTwoSidedP(t: number, df: number): number {
  const x = df / (df + t * t);
  const a = df / 2;
  const front = Math.exp(logGamma(a + 0.5) - logGamma(a) - logGamma(0.5) + a * Math.log(x) + 0.5 * Math.log(1 - x));
  return x < (a + 1) / (a + 1.5)
    ? (front * betaContinuedFraction(a, 0.5, x)) / a
    : 1 - (front * betaContinuedFraction(0.5, a, 1 - x)) / 0.5;
}

/**
 * Many entries are compared at once, and a CI job fails if any one is called slower: at 1% per
 * entry, 67 entries would fail an A/A comparison half the time. The Holm-Bonferroni step-down
 * keeps the chance of any false faster/slower in the whole comparison at or under 1 - level;
 * a faster/slower that does not survive it becomes unchanged, with the reason.
 */
export function holmCorrection(rows: EntryComparison[], alpha: number): EntryComparison[] {
  const tested = rows.filter((r) => r.p !== undefined).sort((a, b) => (a.p ?? 1) - (b.p ?? 1));
  const m = tested.length;
  const rejected = new Set<EntryComparison>();
  for (const [i, row] of tested.entries()) {
    if ((row.p ?? 1) > alpha / (m - i)) break;
    rejected.add(row);
  }
  return rows.map((r) =>
    (r.verdict === 'slower' || r.verdict === 'faster') && !rejected.has(r)
      ? {
          ...r,
          verdict: 'unchanged',
          note: `${r.verdict} alone, not over all ${m} entries compared (Holm, p=${(r.p ?? 1).toPrecision(2)})`,
        }
      : r,
  );
}

function describeMachine(m: ResultFile['machine']): string {
  return `${m.os} ${m.arch}, ${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB`;
}

const COMPARED_CONFIG = ['engine', 'forks', 'quick', 'durationS', 'serverRuntime'] as const;

/** Differences that make a comparison measure the machine or the setup as much as the code. */
export function comparisonWarnings(base: ResultFile, head: ResultFile): string[] {
  const warnings: string[] = [];
  if (describeMachine(base.machine) !== describeMachine(head.machine))
    warnings.push(
      `different machines: base ran on ${describeMachine(base.machine)}, head on ${describeMachine(head.machine)}`,
    );
  for (const h of head.runtimes) {
    const b = base.runtimes.find((r) => r.label === h.label);
    if (!b) continue;
    const describe = (r: typeof h) =>
      `${r.name} ${r.version} (${r.engine.name} ${r.engine.version}) ${r.flags.join(' ')}`.trim();
    if (describe(b) !== describe(h))
      warnings.push(`runtime '${h.label}' differs: base ${describe(b)}, head ${describe(h)}`);
  }
  for (const key of COMPARED_CONFIG)
    if (base.config[key] !== head.config[key])
      warnings.push(`config '${key}' differs: base ${String(base.config[key])}, head ${String(head.config[key])}`);
  for (const [side, file] of [
    ['base', base],
    ['head', head],
  ] as const) {
    if (!file.run.complete)
      warnings.push(`the ${side} run did not complete (interrupted): some entries may be missing`);
    if (file.git?.dirty) warnings.push(`the ${side} run was made from a working tree with uncommitted changes`);
  }
  return warnings;
}

export function compareResults(base: ResultFile, head: ResultFile, options: Partial<CompareOptions> = {}): Comparison {
  const opts = { ...DEFAULT_COMPARE_OPTIONS, ...options };
  const baseByKey = new Map(base.results.map((e) => [e.key, e]));
  const headKeys = new Set(head.results.map((e) => e.key));
  const rows: EntryComparison[] = [];
  const added: ResultEntry[] = [];
  for (const h of head.results) {
    const b = baseByKey.get(h.key);
    if (b) rows.push(compareEntries(b, h, opts));
    else added.push(h);
  }
  return {
    rows: holmCorrection(rows, 1 - opts.level),
    added,
    removed: base.results.filter((e) => !headKeys.has(e.key)),
    warnings: comparisonWarnings(base, head),
    options: opts,
    test: TEST_NAME,
  };
}

/** The exit code of `compare`: 1 when any entry got significantly slower beyond the threshold. */
export function hasRegression(comparison: Comparison): boolean {
  return comparison.rows.some((r) => r.verdict === 'slower');
}
