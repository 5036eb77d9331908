/**
 * Plans the matrix: scenario x case x params x runtime, narrowed by --case, --param and --shard,
 * then laid out fork by fork with the runtimes interleaved so a noisy machine's drift falls on all
 * runtimes alike (DESIGN.md, methodology).
 */

import { UsageError } from '../result/errors.js';
import { DECIMAL } from '../result/journal.js';
import { entryKey } from '../result/schema.js';
import type { RuntimeExecutable } from '../runtimes/discover.js';
import type { ParamMatrix, Params, ParamValue } from '../scenario.js';
import type { ScenarioInfo } from './catalog.js';
import { closestFirst } from './suggest.js';

export interface Cell {
  key: string;
  /** scenario/case/params: the cell on every runtime (they share one calibrated batch) */
  group: string;
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
  /** the V8 seed this process is pinned to (PITFALLS 16); unpinned when absent */
  seed?: number;
  /** the asyncbench tree whose dist/child.js measures this job (compare --base: each revision's own); this one when absent */
  root?: string;
}

export interface PlanOptions {
  cases: string[];
  /** --param KEY=V1,V2 as given */
  params: Record<string, string[]>;
  quick: boolean;
  /** every value of every param (the scenario's whole grid), not its defaults or quick matrix */
  full?: boolean;
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
    // decimal only, as the flags take numbers: Number() also read tasks=0x10 as 16, 1e3 and ' 100',
    // which measured a cell whose key and config.params disagreed
    // -0 is 0: both make the key `=0`, and one cell measured twice under it
    const n = DECIMAL.test(raw) ? Number(raw) + 0 : Number.NaN;
    if (!Number.isFinite(n)) {
      // a declared string value among numbers (e.g. workers: 'cores') is still accepted by name
      if (declared.includes(raw)) return raw;
      throw new UsageError(`--param ${key}=${raw}: ${scenario} takes numbers for ${key}`);
    }
    const range = numberRange(declared);
    // past 2^53 a whole number is not held exactly: tasks=99999999999999999999 ran and was recorded as 1e20
    if (range.whole && Number.isInteger(n) && !Number.isSafeInteger(n))
      throw new UsageError(
        `--param ${key}=${raw}: ${scenario} takes whole numbers up to ${Number.MAX_SAFE_INTEGER} for ${key}`,
      );
    if (!range.admits(n)) throw new UsageError(`--param ${key}=${raw}: ${scenario} takes ${range.name} for ${key}`);
    return n;
  }
  if (kind === 'boolean') {
    if (raw !== 'true' && raw !== 'false')
      throw new UsageError(`--param ${key}=${raw}: ${scenario} takes true|false for ${key}`);
    return raw === 'true';
  }
  // a string param names a choice the scenario branches on: another word would be measured as
  // whichever branch it falls into (consumer=Slow ran the fast consumer), so only declared ones
  if (declared.every((v) => typeof v === 'string') && !declared.includes(raw))
    throw new UsageError(
      `--param ${key}=${raw}: not a value of ${scenario}'s ${key}; valid: ${closestFirst(raw, declared.map(String)).join(', ')}`,
    );
  return raw;
}

/**
 * The numbers a number param takes beyond its declared ones: whole numbers where every declared one
 * is whole, and none below 0 (or 1) where none declared is. A count of -5 tasks or 2.5 workers would
 * otherwise reach the scenario's setup and fail its cell, where it is a mistake on the command line.
 */
function numberRange(declared: readonly ParamValue[]): {
  name: string;
  whole: boolean;
  admits: (n: number) => boolean;
} {
  const numbers = declared.filter((v): v is number => typeof v === 'number');
  const whole = numbers.every(Number.isInteger);
  const least = Math.min(...numbers);
  const floor = least >= 1 && whole ? 1 : least >= 0 ? 0 : -Infinity;
  const kind = whole ? 'whole numbers' : 'numbers';
  return {
    name: floor === -Infinity ? kind : `${kind} from ${floor} up`,
    whole,
    admits: (n) => (!whole || Number.isInteger(n)) && n >= floor,
  };
}

/** Values once each: a value given twice (tasks=100,1e2) would plan its cell twice and double its forks. */
function distinct(values: readonly ParamValue[]): ParamValue[] {
  return values.filter((v, i) => values.findIndex((w) => Object.is(v, w)) === i);
}

function scenarioMatrix(s: ScenarioInfo, options: PlanOptions): ParamMatrix {
  const narrowed = options.full ? {} : { ...s.defaults, ...(options.quick ? s.quick : {}) };
  const matrix: Record<string, readonly ParamValue[]> = { ...s.params, ...narrowed };
  for (const [key, raws] of Object.entries(options.params)) {
    if (!(key in s.params)) continue;
    matrix[key] = distinct(raws.map((raw) => coerce(raw.trim(), s.params[key], key, s.id)));
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
          const key = entryKey(scenario.id, caseName, params, runtime.label);
          cells.push({
            key,
            group: key.slice(0, key.lastIndexOf('/')),
            scenario,
            caseName,
            params,
            runtime,
          });
        }
      }
    }
  }
  return shardCells(cells, options.shard);
}

/**
 * The K-th of N slices of the cells, cut by cell group (scenario, case, params): every runtime of
 * a cell lands on the same shard, so runtimes are compared on one machine. Groups are numbered in
 * the order they first appear, and group i goes to shard (i mod N) + 1.
 */
export function shardCells<C extends { group: string }>(cells: C[], shard: PlanOptions['shard']): C[] {
  if (!shard) return cells;
  const index = new Map<string, number>();
  for (const cell of cells) if (!index.has(cell.group)) index.set(cell.group, index.size);
  return cells.filter((cell) => (index.get(cell.group) ?? 0) % shard.count === shard.index - 1);
}

/**
 * Fork by fork: every cell once per fork. Within a fork a cell's runtimes run back to back, and
 * the runtime order rotates from fork to fork, so no runtime always goes first after a pause.
 */
export function scheduleJobs(
  cells: Cell[],
  forks: number,
  seedOf: (fork: number) => number | undefined = () => undefined,
): Job[] {
  const jobs: Job[] = [];
  for (let fork = 0; fork < forks; fork++) {
    const seed = seedOf(fork);
    let group: Cell[] = [];
    const flush = () => {
      const shift = fork % Math.max(group.length, 1);
      for (const cell of [...group.slice(shift), ...group.slice(0, shift)]) jobs.push({ cell, fork, seed });
      group = [];
    };
    for (const cell of cells) {
      if (group.length > 0 && group[0].group !== cell.group) flush();
      group.push(cell);
    }
    flush();
  }
  return jobs;
}
