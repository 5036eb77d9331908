/**
 * The JSON github-action-benchmark reads with `tool: customSmallerIsBetter` or
 * `customBiggerIsBetter`: an array of { name, unit, value, range, extra }. The action takes one
 * direction per file, so the entries are split by their metric's direction.
 */
import type { ResultFile } from '../result/schema.js';
import { entryLabel, plainDigits as plain } from './format.js';

export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range: string;
  extra: string;
}

export type GabDirection = 'smaller' | 'bigger';

export function toGithubActionBenchmark(result: ResultFile, direction: GabDirection): GabEntry[] {
  const better = direction === 'smaller' ? 'lower' : 'higher';
  return result.results.flatMap((e) => {
    if (e.status !== 'ok' || !e.stats || e.metric.better !== better) return [];
    const { median, ci, forks, n } = e.stats;
    return [
      {
        name: entryLabel(e),
        unit: e.metric.unit,
        value: median,
        range: `± ${plain((ci.high - ci.low) / 2, 3)}`,
        extra: `${Math.round(ci.level * 100)}% CI [${plain(ci.low, 4)}, ${plain(ci.high, 4)}] (${ci.method}); ${forks} fork${forks === 1 ? '' : 's'}, ${n} sample${n === 1 ? '' : 's'}${e.steady === false ? '; NOT steady' : ''}`,
      },
    ];
  });
}
