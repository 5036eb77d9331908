import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/harness/aggregate.js';
import type { ScenarioInfo } from '../../src/harness/catalog.js';
import type { Cell } from '../../src/harness/plan.js';
import type { ForkRecord } from '../../src/result/schema.js';
import type { RuntimeExecutable } from '../../src/runtimes/discover.js';
import { defineScenario } from '../../src/scenario.js';

const runtime: RuntimeExecutable = {
  label: 'node',
  name: 'node',
  executable: '/bin/node',
  version: '1',
  engine: { name: 'v8', version: '1' },
  flags: [],
  notes: [],
  env: {},
  default: true,
};

const scenario: ScenarioInfo = {
  id: 'messages',
  title: 'Messages',
  pattern: 'x',
  kind: 'micro',
  params: {},
  defaults: {},
  quick: {},
  cases: ['startup', 'echo'],
  requires: [],
  metric: { name: 'round-trip time', unit: 'ns', better: 'lower' },
  caseMetrics: { startup: { name: 'time per worker start', unit: 'ns', better: 'lower' } },
  module: 'file:///messages.js',
};

const cell = (info: ScenarioInfo, caseName: string): Cell => ({
  key: `${info.id}/${caseName}//node`,
  group: `${info.id}/${caseName}/`,
  scenario: info,
  caseName,
  params: {},
  runtime,
});

const fork = (samples: number[], extra?: ForkRecord['extra']): ForkRecord => ({
  status: 'ok',
  samples,
  cold: samples[0] * 2,
  wallMs: 10,
  ...(extra ? { extra } : {}),
});

describe('aggregate: what the reports rank and lead with', () => {
  it("writes a case's own metric, and the scenario's metric for the others", () => {
    const forks = [fork([1e6, 1.1e6]), fork([1.05e6, 1e6])];
    expect(aggregate(cell(scenario, 'startup'), forks).metric.name).toBe('time per worker start');
    expect(aggregate(cell(scenario, 'echo'), forks).metric.name).toBe('round-trip time');
  });

  it("names the scenario's headline figure with the unit its forks recorded", () => {
    const lag: ScenarioInfo = {
      ...scenario,
      kind: 'throughput',
      cases: ['timer'],
      caseMetrics: undefined,
      metric: { name: 'timer ticks', unit: 'ticks/s', better: 'higher' },
      headline: { figure: 'lag p99', name: 'p99 loop lag', better: 'lower' },
    };
    const entry = aggregate(cell(lag, 'timer'), [
      fork([190, 195], { 'lag p99': { value: 3, unit: 'ms' } }),
      fork([192, 191], { 'lag p99': { value: 5, unit: 'ms' } }),
    ]);
    expect(entry.headline).toEqual({ figure: 'lag p99', name: 'p99 loop lag', unit: 'ms', better: 'lower' });
    expect(entry.extra?.['lag p99']).toEqual({ value: 4, unit: 'ms' });
    // the median of the forks' figures, not their mean (two forks cannot tell them apart; a fork
    // not recording the figure is left out, not counted as 0)
    const three = aggregate(cell(lag, 'timer'), [
      fork([190], { 'lag p99': { value: 3, unit: 'ms' } }),
      fork([191], { 'lag p99': { value: 100, unit: 'ms' } }),
      fork([192]),
      fork([193], { 'lag p99': { value: 5, unit: 'ms' } }),
    ]);
    expect(three.extra?.['lag p99']).toEqual({ value: 5, unit: 'ms' });
    // no fork recorded it: no headline, the table keeps the measured metric
    expect(aggregate(cell(lag, 'timer'), [fork([190])]).headline).toBeUndefined();
  });
});

describe('defineScenario', () => {
  const base = { id: 'x', title: 'x', pattern: 'x', kind: 'micro' as const, cases: { a: () => () => 1 } };
  it('accepts caseMetrics and a headline, and refuses a caseMetrics key that names no case', () => {
    expect(() =>
      defineScenario({
        ...base,
        caseMetrics: { a: { name: 'other', unit: 'ns', better: 'lower' } },
        headline: { figure: 'f', name: 'F', better: 'lower' },
      }),
    ).not.toThrow();
    expect(() =>
      defineScenario({ ...base, caseMetrics: { b: { name: 'other', unit: 'ns', better: 'lower' } } }),
    ).toThrow("scenario 'x': caseMetrics names no case 'b'");
  });
});
