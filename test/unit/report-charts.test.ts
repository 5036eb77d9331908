import { expect, test, vi } from 'vitest';
import { headlineCharts } from '../../src/report/charts/headline.js';
import { renderSvg } from '../../src/report/charts/render.js';
import { scenarioCharts } from '../../src/report/charts/scenario.js';
import { makeResult, standardCells } from '../fixtures/make-result.js';

test('every chart of a full result renders to SVG in Node without a warning', async () => {
  const warn = vi.spyOn(console, 'warn');
  const error = vi.spyOn(console, 'error');
  const { results } = makeResult({ seed: 1 });
  const charts = [
    ...headlineCharts(results, 2),
    ...['eager-tasks', 'workers', 'db-pool', 'http-pool'].flatMap((s) => scenarioCharts(results, s)),
  ];
  expect(charts.every((c) => c.spec)).toBe(true);
  for (const chart of charts) expect(await renderSvg(chart.spec ?? {})).toMatch(/^<svg[\s\S]*role-mark[\s\S]*<\/svg>$/);
  expect(warn).not.toHaveBeenCalled();
  expect(error).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

test('the pool chart draws the reference figure once per size and runtime', () => {
  const chart = headlineCharts(makeResult({ seed: 1 }).results, 2).find((c) => c.id === 'headline-db-pool-throughput');
  const data = chart?.spec?.data as { values: { series: string; runtime: string }[] } | undefined;
  const rows = data?.values ?? [];
  expect(rows.filter((r) => r.series === 'pgbench (reference)' && r.runtime === 'node')).toHaveLength(4);
});

test('the worker scaling ideal is linear up to the cores and flat beyond; cores params resolve', () => {
  const { results } = makeResult({ seed: 1 });
  const asCores = results.map((e) =>
    e.scenario === 'workers' && e.params.workers === 2 ? { ...e, params: { ...e.params, workers: 'cores' } } : e,
  );
  const chart = headlineCharts(asCores, 2).find((c) => c.id === 'headline-worker-scaling');
  type Row = { series: string; runtime: string; workers: number; speedup: number };
  const rows = (chart?.spec?.data as { values: Row[] } | undefined)?.values ?? [];
  const ideal = rows.filter((r) => r.series === 'ideal' && r.runtime === 'node');
  expect(ideal.map((r) => [r.workers, r.speedup]).sort((a, b) => a[0] - b[0])).toEqual([
    [1, 1],
    [2, 2],
    [4, 2],
  ]);
  expect(rows.some((r) => r.series !== 'ideal' && r.workers === 2)).toBe(true);
});

test("the worker scaling ideal starts at each runtime's own smallest pool, the one its points are divided by", () => {
  // bun's 1-worker cells failed: its points are speedups over 2 workers, so its ideal is too
  const cells = standardCells(['node', 'bun'], ['workers']).map((c) =>
    c.runtime === 'bun' && c.params.workers === 1 ? { ...c, status: 'failed' as const, reason: 'crashed' } : c,
  );
  const chart = headlineCharts(makeResult({ seed: 1, cells }).results, 8).find(
    (c) => c.id === 'headline-worker-scaling',
  );
  type Row = { series: string; runtime: string; workers: number; speedup: number };
  const rows = (chart?.spec?.data as { values: Row[] } | undefined)?.values ?? [];
  const ideal = (runtime: string) =>
    rows
      .filter((r) => r.series === 'ideal' && r.runtime === runtime)
      .map((r) => [r.workers, r.speedup])
      .sort((a, b) => a[0] - b[0]);
  expect(ideal('bun')).toEqual([
    [2, 1],
    [4, 2],
  ]);
  expect(ideal('node')).toEqual([
    [1, 1],
    [2, 2],
    [4, 4],
  ]);
  // the reference point of each bun series is its 2-worker cell, at 1: on the ideal, not below it
  expect(
    rows.filter((r) => r.runtime === 'bun' && r.series !== 'ideal' && r.workers === 2).map((r) => r.speedup),
  ).toEqual([1, 1]);
});
