/**
 * How often a run table marks a cell "×" (beyond the noise) when no cell differs: rankTable on one
 * params group of K cells with F forks each (fork k in round k), every fork's median drawn around
 * one value with a fork effect and a round effect (sd 5% each), 21 samples a fork with 3% spread.
 * A table's tests are Holm-corrected at 5%, but each is against the best cell, which is picked from
 * the same forks: the share of tables with any "×" is the family-wise rate the marks really reach
 * (docs/result-schema.md, "×, ≈ and ?").
 *
 *   npx esbuild --bundle --format=esm --platform=node scripts/study/table-marks.ts --outfile=.tmp/table-marks.mjs
 *   node .tmp/table-marks.mjs [TABLES]       (default 2000 tables a setting)
 */

import { rankTable } from '../../src/report/standing.js';
import { summarize } from '../../src/result/estimator.js';
import type { ResultEntry } from '../../src/result/schema.js';
import { seededRandom } from '../../src/result/stats.js';

const tables = Number(process.argv[2] ?? 2000);
const random = seededRandom(3);
/** a standard normal draw (Box-Muller) */
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

function forkSamples(logCentre: number): number[] {
  return Array.from({ length: 21 }, () => Math.exp(logCentre + 0.03 * normal()));
}

function table(cells: number, forks: number): ResultEntry[] {
  const rounds = Array.from({ length: forks }, () => 0.05 * normal());
  return Array.from({ length: cells }, (_, c) => {
    const samples = rounds.map((round) => forkSamples(4 + round + 0.05 * normal()));
    return {
      key: `s/c${c}/p=1/node`,
      scenario: 's',
      kind: 'micro',
      case: `c${c}`,
      params: { p: 1 },
      runtime: 'node',
      status: 'ok',
      metric: { name: 'time', unit: 'ns', better: 'lower' },
      forks: samples.map((s) => ({ status: 'ok', samples: s, wallMs: 1 })),
      stats: summarize(samples),
    } as unknown as ResultEntry;
  });
}

for (const cells of [2, 3, 6, 18])
  for (const forks of [3, 5]) {
    let anyBeyond = 0;
    for (let t = 0; t < tables; t++) {
      const entries = table(cells, forks);
      const standings = rankTable(entries);
      if (entries.some((e) => standings.of(e)?.noise === 'beyond')) anyBeyond++;
    }
    console.log(
      `${cells} cells, ${forks} forks: a false × in ${((100 * anyBeyond) / tables).toFixed(1)}% of ${tables} tables`,
    );
  }
