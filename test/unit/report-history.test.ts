import { expect, test } from 'vitest';
import { combineDisjoint } from '../../src/report/history.js';
import { makeResult } from '../fixtures/make-result.js';

test('separate runs of different scenarios are reported as one file', () => {
  const full = makeResult({ seed: 1 });
  const part = (scenario: string, startedAt: string) => ({
    ...full,
    run: { ...full.run, id: scenario, startedAt },
    config: { ...full.config, scenarios: [scenario] },
    results: full.results.filter((e) => e.scenario === scenario),
  });
  const combined = combineDisjoint([part('eager-tasks', '2025-01-01'), part('workers', '2025-01-02')]);
  expect(combined).toHaveLength(1);
  expect(new Set(combined[0].results.map((e) => e.scenario))).toEqual(new Set(['eager-tasks', 'workers']));
  expect(combined[0].config.scenarios).toEqual(['eager-tasks', 'workers']);
  expect(combined[0].run.id).toBe('workers');
});

test('runs that share entries stay a history', () => {
  const history = [makeResult({ seed: 1 }), makeResult({ seed: 2, startedAt: '2025-02-01T10:00:00.000Z' })];
  expect(combineDisjoint(history)).toHaveLength(2);
});
