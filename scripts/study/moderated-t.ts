/**
 * An interval tried against the one asyncbench prints, on the runs of a coverage study
 * (coverage.js): a moderated t (Smyth 2004, limma's "empirical Bayes" for many genes with few
 * replicates). Each cell's between-fork variance of log fork medians is shrunk towards a prior
 * fitted to all the cells of the same run (d₀ and s₀² by the moments of the log variances), and the
 * cell gets d₀ + n − 1 degrees of freedom. Prints the coverage and the median half-width of both.
 * Not used by asyncbench (docs/architecture.md, "Statistics: one estimator").
 *
 *   npx esbuild --bundle --format=esm --platform=node scripts/study/moderated-t.ts --outfile=.tmp/moderated-t.mjs
 *   node .tmp/moderated-t.mjs DIR       (DIR: the --out of coverage.js)
 */
import { mean, median, studentQuantile } from '../../src/result/stats.js';
import { logForkMedians, logTruth, studyRuns } from './study-runs.mjs';

const variance = (xs: number[]) => xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1);

/** ψ and ψ′ by recurrence up to 6, then their asymptotic series. */
function digamma(x: number): number {
  let r = 0;
  for (; x < 6; x++) r -= 1 / x;
  return r + Math.log(x) - 1 / (2 * x) - 1 / (12 * x ** 2) + 1 / (120 * x ** 4) - 1 / (252 * x ** 6);
}
function trigamma(x: number): number {
  let r = 0;
  for (; x < 6; x++) r += 1 / x ** 2;
  return r + 1 / x + 1 / (2 * x ** 2) + 1 / (6 * x ** 3) - 1 / (30 * x ** 5) + 1 / (42 * x ** 7);
}

/** limma's fitFDist by moments: the prior degrees of freedom d₀ (Infinity: all cells alike) and s₀². */
function prior(variances: number[], d: number): { d0: number; s02: number } {
  const e = variances.map((s2) => Math.log(s2) - digamma(d / 2) + Math.log(d / 2));
  const excess = variance(e) - trigamma(d / 2);
  let d0 = Number.POSITIVE_INFINITY;
  if (excess > 0) {
    let [lo, hi] = [1e-6, 1e6];
    for (let i = 0; i < 200; i++) {
      const mid = Math.sqrt(lo * hi);
      if (trigamma(mid / 2) > excess) lo = mid;
      else hi = mid;
    }
    d0 = Math.sqrt(lo * hi);
  }
  const shift = Number.isFinite(d0) ? digamma(d0 / 2) - Math.log(d0 / 2) : 0;
  return { d0, s02: Math.exp(mean(e) + shift) };
}

const runs = studyRuns(process.argv[2]);

const tally = { plain: { covered: 0, widths: [] as number[] }, moderated: { covered: 0, widths: [] as number[] } };
let total = 0;
for (const [r, run] of runs.entries()) {
  const cells = run.results
    .filter((e) => e.status === 'ok')
    .map((e) => ({ key: e.key, x: logForkMedians(e) }))
    .filter((c) => c.x.length >= 3);
  if (cells.length === 0) continue;
  const { d0, s02 } = prior(
    cells.map((c) => variance(c.x)),
    cells[0].x.length - 1,
  );
  for (const { key, x } of cells) {
    const truth = logTruth(runs, r, key);
    if (truth === undefined) continue;
    const miss = Math.abs(truth - mean(x));
    const n = x.length;
    const plain = studentQuantile(0.05, n - 1) * Math.sqrt(variance(x) / n);
    const posterior = Number.isFinite(d0) ? (d0 * s02 + (n - 1) * variance(x)) / (d0 + n - 1) : s02;
    const df = Number.isFinite(d0) ? d0 + n - 1 : 1e6;
    const moderated = studentQuantile(0.05, df) * Math.sqrt(posterior / n);
    for (const [name, half] of [
      ['plain', plain],
      ['moderated', moderated],
    ] as const) {
      tally[name].covered += miss <= half ? 1 : 0;
      tally[name].widths.push(Math.exp(half) - 1);
    }
    total++;
  }
}
for (const [name, t] of Object.entries(tally))
  console.log(
    `${name === 'plain' ? "Student's t per cell (printed)" : 'moderated t (pooled prior)'}: ${t.covered} of ${total} (${((100 * t.covered) / total).toFixed(1)}%), median half-width ±${(100 * median(t.widths)).toFixed(0)}%`,
  );
