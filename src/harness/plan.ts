/**
 * Plans the matrix: scenario x case x params x runtime, narrowed by --case, --param and --shard,
 * then laid out fork by fork with the runtimes interleaved so a noisy machine's drift falls on all
 * runtimes alike (DESIGN.md, methodology).
 */

import { UsageError } from '../result/errors.js';
import { entryKey } from '../result/schema.js';
import type { RuntimeExecutable } from '../runtimes/discover.js';
import type { ParamMatrix, Params, ParamValue } from '../scenario.js';
import type { ScenarioInfo } from './catalog.js';
import { closestFirst } from './suggest.js';

export interface Cell {
  key: string;
  scenario: ScenarioInfo;
  caseName: string;
  params: Params;
  runtime: RuntimeExecutable;
  /** set when the runtime cannot run this cell at all (compat.ts): recorded skipped, not started */
  skip?: string;
}

export interface Job {
  cell: Cell;
  /** 0-based */
  fork: number;
}

export interface PlanOptions {
  cases: string[];
  /** --param KEY=V1,V2 as given */
  params: Record<string, string[]>;
  quick: boolean;
  shard?: { index: number; count: number };
}

/** Every combination of the matrix' values, in declaration order. */
export function expandMatrix(matrix: ParamMatrix): Params[] {
  let combos: Params[] = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos;
}

/** A --param value takes the type of the values the scenario declares for that key. */
function coerce(raw: string, declared: readonly ParamValue[], key: string, scenario: string): ParamValue {
  const kind = typeof declared[0];
  if (kind === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) {
      // a declared string value among numbers (e.g. workers: 'cores') is still accepted by name
      if (declared.includes(raw)) return raw;
      throw new UsageError(`--param ${key}=${raw}: ${scenario} takes numbers for ${key}`);
    }
    return n;
  }
  if (kind === 'boolean') {
    if (raw !== 'true' && raw !== 'false')
      throw new UsageError(`--param ${key}=${raw}: ${scenario} takes true|false for ${key}`);
    return raw === 'true';
  }
  return raw;
}

function scenarioMatrix(s: ScenarioInfo, options: PlanOptions): ParamMatrix {
  const matrix: Record<string, readonly ParamValue[]> = { ...s.params, ...(options.quick ? s.quick : {}) };
  for (const [key, raws] of Object.entries(options.params)) {
    if (!(key in s.params)) continue;
    matrix[key] = raws.map((raw) => coerce(raw, s.params[key], key, s.id));
  }
  return matrix;
}

function checkFilters(scenarios: ScenarioInfo[], options: PlanOptions): void {
  const allCases = [...new Set(scenarios.flatMap((s) => s.cases))];
  for (const c of options.cases) {
    if (!allCases.includes(c))
      throw new UsageError(`unknown case '${c}'; valid: ${closestFirst(c, allCases).join(', ')}`);
  }
  const allKeys = [...new Set(scenarios.flatMap((s) => Object.keys(s.params)))];
  for (const key of Object.keys(options.params)) {
    if (!allKeys.includes(key))
      throw new UsageError(`unknown param '${key}'; valid: ${closestFirst(key, allKeys).join(', ') || '(none)'}`);
  }
}

/** The cells of the run, in a deterministic order (the shard slicing depends on it). */
export function planCells(scenarios: ScenarioInfo[], runtimes: RuntimeExecutable[], options: PlanOptions): Cell[] {
  checkFilters(scenarios, options);
  const cells: Cell[] = [];
  for (const scenario of scenarios) {
    const cases = scenario.cases.filter((c) => options.cases.length === 0 || options.cases.includes(c));
    for (const params of expandMatrix(scenarioMatrix(scenario, options))) {
      for (const caseName of cases) {
        for (const runtime of runtimes) {
          cells.push({
            key: entryKey(scenario.id, caseName, params, runtime.label),
            scenario,
            caseName,
            params,
            runtime,
          });
        }
      }
    }
  }
  const shard = options.shard;
  return shard ? cells.filter((_, i) => i % shard.count === shard.index - 1) : cells;
}

/**
 * Fork by fork: every cell once per fork. Within a fork a cell's runtimes run back to back, and
 * the runtime order rotates from fork to fork, so no runtime always goes first after a pause.
 */
export function scheduleJobs(cells: Cell[], forks: number): Job[] {
  const jobs: Job[] = [];
  for (let fork = 0; fork < forks; fork++) {
    let group: Cell[] = [];
    const flush = () => {
      const shift = fork % Math.max(group.length, 1);
      for (const cell of [...group.slice(shift), ...group.slice(0, shift)]) jobs.push({ cell, fork });
      group = [];
    };
    for (const cell of cells) {
      const sameGroup =
        group.length > 0 &&
        group[0].key.slice(0, group[0].key.lastIndexOf('/')) === cell.key.slice(0, cell.key.lastIndexOf('/'));
      if (!sameGroup) flush();
      group.push(cell);
    }
    flush();
  }
  return jobs;
}
