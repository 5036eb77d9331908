/**
 * Statistics over raw samples. The fork (one fresh process) is the unit of replication
 * (PITFALLS 15): intervals resample forks first, then samples within each chosen fork.
 */
import type { ConfidenceInterval, Stats } from './schema.js';

/** Small, fast, seedable PRNG (mulberry32), so a bootstrap is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function stddev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

export function coefficientOfVariation(xs: readonly number[]): number {
  const m = mean(xs);
  return m === 0 ? 0 : stddev(xs) / Math.abs(m);
}

/** Quantile of already sorted values, linear interpolation between closest ranks. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function quantile(xs: readonly number[], q: number): number {
  return quantileSorted(
    [...xs].sort((a, b) => a - b),
    q,
  );
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** k-th smallest value (0-based) by quickselect: O(n) on average; reorders `xs` in place. */
function select(xs: number[], k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i] < pivot) i++;
      while (xs[j] > pivot) j--;
      if (i <= j) {
        [xs[i], xs[j]] = [xs[j], xs[i]];
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k];
  }
  return xs[k];
}

/** Median of a scratch array (reordered in place): the bootstrap's inner loop, so no sort. */
function medianInPlace(xs: number[]): number {
  const n = xs.length;
  const upper = select(xs, n >> 1);
  if (n % 2 === 1) return upper;
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (xs[i] > lower) lower = xs[i];
  return (lower + upper) / 2;
}

/**
 * One hierarchical bootstrap replicate: draw forks with replacement, then within each drawn fork
 * draw its samples with replacement, and pool them. With one fork this degrades to the ordinary
 * (within-process) bootstrap.
 */
export function hierarchicalResample(forks: readonly (readonly number[])[], random: () => number): number[] {
  const out: number[] = [];
  for (let f = 0; f < forks.length; f++) {
    const fork = forks[Math.floor(random() * forks.length)];
    for (let i = 0; i < fork.length; i++) out.push(fork[Math.floor(random() * fork.length)]);
  }
  return out;
}

/** Bootstrap replicates of a statistic over hierarchically resampled forks. */
export function bootstrapDistribution(
  forks: readonly (readonly number[])[],
  statistic: (xs: number[]) => number,
  { resamples = 1000, seed = 1 } = {},
): number[] {
  const random = seededRandom(seed);
  const reps = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) reps[r] = statistic(hierarchicalResample(forks, random));
  return reps.sort((a, b) => a - b);
}

/** Percentile-bootstrap confidence interval of the median. */
export function confidenceInterval(forks: readonly (readonly number[])[], level = 0.95, seed = 1): ConfidenceInterval {
  // Resampling every sample of a long series is costly and adds little: the between-fork spread
  // dominates (PITFALLS 15). Each fork keeps 500 evenly spaced order statistics, its distribution.
  const thinned = forks.map((f) =>
    thin(
      [...f].sort((a, b) => a - b),
      500,
    ),
  );
  const reps = bootstrapDistribution(thinned, medianInPlace, { seed });
  const alpha = (1 - level) / 2;
  return {
    low: quantileSorted(reps, alpha),
    high: quantileSorted(reps, 1 - alpha),
    level,
    method:
      forks.length > 1 ? 'hierarchical bootstrap (forks, then samples)' : 'bootstrap, within-process only (one fork)',
  };
}

function thin(sorted: number[], max: number): number[] {
  if (sorted.length <= max) return sorted;
  const out = new Array<number>(max);
  for (let i = 0; i < max; i++) out[i] = sorted[Math.round((i * (sorted.length - 1)) / (max - 1))];
  return out;
}

/** Spearman's rank correlation of a series with time (its index): +1 rises steadily, -1 falls. */
export function trendCorrelation(series: readonly number[]): number {
  const n = series.length;
  const order = series.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(n);
  for (let r = 0; r < n; r++) ranks[order[r][1]] = r;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (ranks[i] - i) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/**
 * Steady-state check on a series in time order (round medians, interval throughputs). A series is
 * not steady when it drifts: a monotonic trend significant at the 1% level (Spearman's rho against
 * time, z = rho * sqrt(n - 1) > 2.58) that also moves the centre by more than `tolerance` between
 * the first and last third. JIT tiering late, GC pressure growing or a pool degrading look like
 * that; a noisy but trendless series (a shared machine) does not, and is left to the CI.
 */
export function isSteady(series: readonly number[], tolerance = 0.1): boolean {
  if (series.length < 6) return true;
  const third = Math.floor(series.length / 3);
  const first = median(series.slice(0, third));
  const last = median(series.slice(series.length - third));
  const centre = Math.max(Math.abs(first), Math.abs(last));
  const moved = centre !== 0 && Math.abs(last - first) / centre > tolerance;
  const trending = Math.abs(trendCorrelation(series)) * Math.sqrt(series.length - 1) > 2.58;
  return !(moved && trending);
}

/** Summary statistics of a cell from the raw samples of each fork. */
export function summarize(forks: readonly (readonly number[])[]): Stats {
  const nonEmpty = forks.filter((f) => f.length > 0);
  const all = nonEmpty.flat().sort((a, b) => a - b);
  const forkMedians = nonEmpty.map(median);
  return {
    n: all.length,
    forks: nonEmpty.length,
    min: all[0],
    max: all[all.length - 1],
    mean: mean(all),
    median: quantileSorted(all, 0.5),
    p75: quantileSorted(all, 0.75),
    p99: quantileSorted(all, 0.99),
    stddev: stddev(all),
    cv: coefficientOfVariation(all),
    ci: confidenceInterval(nonEmpty),
    ...(nonEmpty.length > 1 ? { betweenForkCv: coefficientOfVariation(forkMedians) } : {}),
    withinForkCv: median(nonEmpty.map(coefficientOfVariation)),
  };
}
