/** What `compare` and `compare --base` share: their percent and format flags, and how a comparison is emitted. */
import { type Comparison, compareOutcome } from '../report/compare.js';
import {
  COMPARE_FORMATS,
  COMPARE_RENDERERS,
  type CompareFormat,
  type CompareSources,
} from '../report/compare-output.js';
import { errorCode } from '../result/errors.js';
import { currentRuntime } from '../runtimes/current.js';
import { UsageError } from './command.js';

export function parsePercent<F extends number | undefined>(
  value: string | undefined,
  flag: string,
  fallback: F,
): number | F {
  if (value === undefined) return fallback;
  // decimal only: Number() also reads '0x10' (16) and '1e1' (10)
  const text = value.trim().replace(/\s*%$/, '');
  const pct = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (!(pct >= 0 && pct <= 100)) throw new UsageError(`${flag} takes a percentage between 0 and 100, got '${value}'`);
  return pct / 100;
}

/** --threshold: a percentage above 0, since no interval lies within ±0 (nothing could be 'unchanged'). */
export function parseThreshold<F extends number | undefined>(value: string | undefined, fallback: F): number | F {
  const threshold = parsePercent(value, '--threshold', fallback);
  if (threshold === 0)
    throw new UsageError(`--threshold takes a percentage above 0 (at 0 nothing can be 'unchanged'), got '${value}'`);
  return threshold;
}

export function parseFormat(value: string | undefined): CompareFormat {
  if (value === undefined) return 'text';
  if (!(COMPARE_FORMATS as readonly string[]).includes(value))
    throw new UsageError(`--format takes ${COMPARE_FORMATS.join('|')}, got '${value}'`);
  return value as CompareFormat;
}

/**
 * Prints the comparison in `format`, appends the Markdown to $GITHUB_STEP_SUMMARY when set, and
 * returns the exit code (saying why on stderr when it is 3).
 */
export async function emitComparison(
  comparison: Comparison,
  sources: CompareSources,
  format: CompareFormat,
  maxUnjudged: number,
): Promise<number> {
  console.log(COMPARE_RENDERERS[format](comparison, sources));
  const runtime = await currentRuntime();
  const summary = runtime.env('GITHUB_STEP_SUMMARY');
  if (summary)
    try {
      runtime.appendFileSync(summary, `${COMPARE_RENDERERS.md(comparison, sources)}\n`);
    } catch (error) {
      // the summary is a copy for the CI page: the verdict and its exit code stand without it
      console.error(
        `asyncbench: warning: cannot append the table to GITHUB_STEP_SUMMARY (${summary}): ${errorCode(error)}`,
      );
    }
  const { code, why } = compareOutcome(comparison, maxUnjudged);
  if (why) console.error(`asyncbench: ${why}`);
  return code;
}
