import { test } from 'vitest';
import { compareEntries, DEFAULT_COMPARE_OPTIONS } from '../../src/report/compare.js';
import { makeEntry, type Noise } from '../fixtures/make-result.js';
import { seededRandom } from '../../src/measure/stats.js';
const cell = { scenario: 's', kind: 'micro' as const, case: 'c', params: {}, runtime: 'node', metric: { name: 't', unit: 'ns', better: 'lower' as const }, value: 1000 };
function rate(noise: Noise, factor: number, trials: number) {
  const r = seededRandom(7); const counts: Record<string, number> = {}; let sig = 0;
  const t0 = performance.now();
  for (let i = 0; i < trials; i++) {
    const a = makeEntry(cell, noise, r); const b = makeEntry({ ...cell, value: 1000 * factor }, noise, r);
    a.steady = true; b.steady = true;
    const c = compareEntries(a, b, { ...DEFAULT_COMPARE_OPTIONS, seed: i + 1 });
    counts[c.verdict] = (counts[c.verdict] ?? 0) + 1;
    if (c.ci && (c.ci.low > 0 || c.ci.high < 0)) sig++;
  }
  console.log(JSON.stringify(noise), factor, counts, 'sig', sig / trials, 'ms/trial', ((performance.now() - t0) / trials).toFixed(1));
}
test('rates', () => {
  rate({ betweenForkCv: 0.05, withinForkCv: 0.02, forks: 10, samplesPerFork: 40 }, 1, 300);
  rate({ betweenForkCv: 0.05, withinForkCv: 0.02, forks: 5, samplesPerFork: 40 }, 1, 300);
  rate({ betweenForkCv: 0.25, withinForkCv: 0.05, forks: 5, samplesPerFork: 40 }, 1, 300);
  rate({ betweenForkCv: 0.02, withinForkCv: 0.02, forks: 3, samplesPerFork: 40 }, 1, 300);
  rate({ betweenForkCv: 0.05, withinForkCv: 0.02, forks: 10, samplesPerFork: 40 }, 1.1, 100);
  rate({ betweenForkCv: 0.05, withinForkCv: 0.02, forks: 5, samplesPerFork: 40 }, 1.1, 100);
}, 600000);
