/**
 * The arithmetic around a micro fork's sampling (src/measure/micro.ts): the batch, the engine's
 * sampling plan, the cut of the engine's own warm-up and the series it leaves. Exact values: all
 * of it is deterministic.
 */
import { describe, expect, test } from 'vitest';
import { batchFor, samplePlan, seriesOf, warmupCut } from '../../src/measure/micro.js';

describe('batchFor', () => {
  test('times ops of 65 µs or more one call per sample', () => {
    expect(batchFor(0.065)).toBe(1);
    expect(batchFor(3)).toBe(1);
  });
  test('else fills a 0.1 ms sample, rounded to a multiple of 4, at least 4', () => {
    expect(batchFor(0.001)).toBe(100); // 100 calls of 1 µs
    expect(batchFor(0.00003)).toBe(3332); // 3333.3 calls of 30 ns, to the nearest 4
    expect(batchFor(0.0649)).toBe(4); // 1.5 calls rounds to 0, then the least of 4
    expect(batchFor(0.001, 0.5)).toBe(500);
    // a 0 ns op (an empty function the clock cannot see) is still a finite batch
    expect(batchFor(0)).toBe(1_000_000);
  });
});

describe('samplePlan', () => {
  test('adds the engine warm-up share (20%) to the budget and enough samples to keep 5 after it', () => {
    const budget = { budgetMs: 200, warmupMs: 100, maxWarmupMs: 600 };
    expect(samplePlan(budget, 0.1)).toEqual({ budgetMs: 240, minSamples: 5 + 400, warmupMs: 40 });
    expect(samplePlan(budget, 50)).toEqual({ budgetMs: 240, minSamples: 5 + 1, warmupMs: 40 });
  });
});

describe('warmupCut', () => {
  test('cuts the samples that started within the warm-up window', () => {
    const starts = Array.from({ length: 20 }, (_, i) => 100 + i * 10); // 100, 110, ... 290
    expect(warmupCut(starts, 35)).toBe(4); // 100..130 start before 135
    expect(warmupCut(starts, 0)).toBe(0);
  });
  test('keeps at least 5 samples and 80% of them, and cuts nothing of an empty series', () => {
    const starts = Array.from({ length: 10 }, (_, i) => i);
    expect(warmupCut(starts, 100)).toBe(2);
    expect(warmupCut(starts.slice(0, 6), 100)).toBe(1);
    expect(warmupCut(starts.slice(0, 4), 100)).toBe(0);
    expect(warmupCut([], 100)).toBe(0);
    // an engine that reached its 20 000 samples within the warm-up's time: 5 were kept (a review)
    const fast = Array.from({ length: 20_000 }, (_, i) => i * 0.001);
    expect(warmupCut(fast, 40)).toBe(4000);
  });
});

describe('seriesOf', () => {
  test('keeps the samples after the cut as ns per call, in order, and counts the cut as warm-up', () => {
    const taken = [0.02, 0.01, 0.004, 0.006, 0.004, 0.004, 0.005, 0.004].map((ms, i) => ({ start: i, ms }));
    const warm = { calls: 1000, ms: 150, perCallMs: 0.001, async: true };
    const series = seriesOf(taken, 2, { engine: 'mitata', batch: 4, calibrated: true }, warm);
    expect(series.samples).toEqual([1000, 1500, 1000, 1000, 1250, 1000]);
    expect(series.measurement).toEqual({
      engine: 'mitata',
      batch: 4,
      calibrated: true,
      async: true,
      warmupCalls: 1000 + 2 * 4,
      warmupMs: 150 + 0.02 + 0.01,
    });
    expect(series.steady).toBe(true);
  });
});
