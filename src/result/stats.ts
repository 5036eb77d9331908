/**
 * Statistics primitives over raw samples: order statistics, moments, the steady-state test and
 * Student's t distribution. The fork-aware estimator built on them is `estimator.ts`.
 */

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

/** Samples as an array or a typed array (sorted copies are Float64Arrays: see `sortedCopy`). */
export type Numbers = ArrayLike<number> & Iterable<number>;

/**
 * An ascending copy. A Float64Array sorts numerically without a comparator, in the engine's native
 * code: about ten times faster than Array#sort((a, b) => a - b) on the thousands of samples of a
 * cell, which every reader of a result file sorts again (derive.ts). The order is the same (-0 before
 * 0 only, which are equal), so every figure is too.
 */
export function sortedCopy(xs: Numbers): Float64Array {
  const copy = new Float64Array(xs.length);
  copy.set(xs); // not Float64Array.from, which walks the iterator one value at a time
  return copy.sort();
}

export function mean(xs: Numbers): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function stddev(xs: Numbers): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

export function coefficientOfVariation(xs: Numbers): number {
  const m = mean(xs);
  return m === 0 ? 0 : stddev(xs) / Math.abs(m);
}

/** Quantile of already sorted values, linear interpolation between closest ranks. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function quantile(xs: Numbers, q: number): number {
  return quantileSorted(sortedCopy(xs), q);
}

export function median(xs: Numbers): number {
  return quantile(xs, 0.5);
}

/** Spearman's rank correlation of a series with time (its index): +1 rises steadily, -1 falls. */
export function trendCorrelation(series: readonly number[]): number {
  const n = series.length;
  const order = series.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(n);
  // tied values share their average rank: ranked in time order, as a stable sort leaves them, the
  // integer counts of a throughput series read as a trend (rho about 0.5 on a flat two-valued one)
  for (let lo = 0; lo < n; ) {
    let hi = lo;
    while (hi + 1 < n && order[hi + 1][0] === order[lo][0]) hi++;
    for (let r = lo; r <= hi; r++) ranks[order[r][1]] = (lo + hi) / 2;
    lo = hi + 1;
  }
  // Pearson's correlation of the ranks with time, which is Spearman's rho with ties too
  const centre = (n - 1) / 2;
  let [sxy, sxx, syy] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    sxy += (i - centre) * (ranks[i] - centre);
    sxx += (i - centre) ** 2;
    syy += (ranks[i] - centre) ** 2;
  }
  return syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/**
 * Steady-state check on a series in time order (block medians of the samples, interval
 * throughputs). A series is not steady when it drifts: a monotonic trend significant at the 1%
 * level (Spearman's rho against time, z = rho * sqrt(n - 1) > 2.58) that also moves the centre by
 * more than `tolerance` between the first and last third. JIT tiering late, GC pressure growing or
 * a pool degrading look like that; a noisy but trendless series (a shared machine) does not.
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

/** Medians of `blocks` consecutive slices of a time-ordered series: the series the drift test reads. */
export function blockMedians(samples: readonly number[], blocks = 10): number[] {
  const n = Math.min(blocks, samples.length);
  return Array.from({ length: n }, (_, b) =>
    median(samples.slice(Math.floor((b * samples.length) / n), Math.floor(((b + 1) * samples.length) / n))),
  );
}

/**
 * 0-based indices [lo, hi] of the order statistics that bound a distribution-free interval for the
 * median of n independent samples: the count of samples under the true median is Binomial(n, 1/2),
 * so [x(r), x(n+1-r)] misses it with probability 2 P(B <= r - 1); r is the largest that keeps this
 * at or under 1 - level. Exact, from the binomial's pmf summed in log space (2^-n underflows past
 * n = 1074). Under 6 samples even min..max holds less than 95% (1 - 2^(1-n)): then it is min..max,
 * and `level` says what it holds (75% for 3 samples, none for 1); else `level` is the one asked for.
 */
export function medianOrderBounds(n: number, level: number): { lo: number; hi: number; level: number } {
  const tail = (1 - level) / 2;
  let logPmf = -n * Math.LN2;
  let cdf = 0;
  let r = 0;
  for (; r < n; r++) {
    const next = cdf + Math.exp(logPmf);
    if (next > tail) break;
    cdf = next;
    logPmf += Math.log(n - r) - Math.log(r + 1);
  }
  const lo = Math.max(r - 1, 0);
  // r = 0: even x(1) alone is under the median more often than the tail allows
  const held = r === 0 ? 1 - 2 * Math.exp(-n * Math.LN2) : level;
  return { lo, hi: n - 1 - lo, level: held };
}

/** Continued fraction of the regularized incomplete beta function (Numerical Recipes, betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const aa of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + aa * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-13) break;
  }
  return h;
}

/** log Γ(x), Lanczos approximation. */
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
  // NaN is no evidence, not proof: a test fed a NaN must not come out significant
  if (Number.isNaN(t) || Number.isNaN(df)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  const x = df / (df + t * t);
  if (x >= 1) return 1;
  const a = df / 2;
  const front = Math.exp(logGamma(a + 0.5) - logGamma(a) - logGamma(0.5) + a * Math.log(x) + 0.5 * Math.log(1 - x));
  return x < (a + 1) / (a + 1.5)
    ? (front * betaContinuedFraction(a, 0.5, x)) / a
    : 1 - (front * betaContinuedFraction(0.5, a, 1 - x)) / 0.5;
}

/** The t value whose two-sided p-value is `p` (the (1 - p/2) quantile), by bisection on the CDF. */
export function studentQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1;
  while (studentTwoSidedP(hi, df) > p) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-10 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Upper tail of the chi-square distribution, P(X ≥ x) with `df` degrees of freedom: the regularized
 * upper incomplete gamma Q(df/2, x/2), by its series below a + 1 and its continued fraction above
 * (the split where each converges fast).
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(x > 0)) return 1;
  const a = df / 2;
  const z = x / 2;
  const front = Math.exp(-z + a * Math.log(z) - logGamma(a));
  if (z < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= z / (a + n);
      sum += term;
    }
    return Math.max(0, 1 - front * sum);
  }
  const tiny = 1e-300;
  let b = z + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    h *= d * c;
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return Math.min(1, front * h);
}
