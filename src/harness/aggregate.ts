/** Turns the forks of one cell into its result entry: status, statistics over all forks, medians of the side figures. */

import { deriveFigures } from '../result/derive.js';
import type { ForkRecord, ResultEntry } from '../result/schema.js';
import type { Cell } from './plan.js';

/**
 * A cell is ok when every fork measured; otherwise it takes the first fork's failure, so a case
 * that fails one time in three is reported failed, never averaged into a figure.
 */
export function aggregate(cell: Cell, forks: ForkRecord[]): ResultEntry {
  const entry: ResultEntry = {
    key: cell.key,
    scenario: cell.scenario.id,
    kind: cell.scenario.kind,
    case: cell.caseName,
    params: cell.params,
    runtime: cell.runtime.label,
    status: 'ok',
    metric: cell.scenario.caseMetrics?.[cell.caseName] ?? cell.scenario.metric,
    forks,
  };
  const bad = forks.find((f) => f.status !== 'ok');
  if (bad) return { ...entry, status: bad.status, reason: bad.reason };
  if (forks.length === 0 || forks.some((f) => f.samples.length === 0))
    return { ...entry, status: 'failed', reason: 'no samples were taken' };
  const headline = cell.scenario.headline;
  const headlineUnit = headline && forks.find((f) => f.extra?.[headline.figure])?.extra?.[headline.figure].unit;
  return {
    ...entry,
    ...deriveFigures(forks),
    ...(headline && headlineUnit ? { headline: { ...headline, unit: headlineUnit } } : {}),
  };
}
