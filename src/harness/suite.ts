/**
 * Suites: named selections of cells (`--suite NAME|FILE` of `run` and `compare --base`). A suite is
 * a JSON file, `suites/<name>.json` in the project or any path:
 *
 *   { "description": "...", "duration": 1,
 *     "selections": [ { "scenario": "eager-tasks", "cases": ["eager"], "params": { "tasks": [100] },
 *                       "runtimes": ["node"] } ] }
 *
 * A selection takes the scenario's matrix narrowed by its `cases` and `params`: a param it does not
 * name keeps the values a run would (the scenario's defaults, its --quick ones with --quick, all of
 * them with --full), on its `runtimes` (all the run's runtimes when absent; --runtime narrows
 * further). `duration` is the default --duration of
 * throughput cases while the suite runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { errorCode, UsageError } from '../result/errors.js';
import { isObject } from '../result/schema.js';
import type { RuntimeExecutable } from '../runtimes/discover.js';
import { parseSpec, specMatches } from '../runtimes/spec.js';
import type { ParamValue } from '../scenario.js';
import type { ScenarioInfo } from './catalog.js';
import { type Cell, type PlanOptions, planCells, shardCells } from './plan.js';
import { isParamValue } from './scenario-info.js';
import { closestFirst } from './suggest.js';

export interface SuiteSelection {
  scenario: string;
  cases?: string[];
  params?: Record<string, ParamValue[]>;
  /** runtime names or labels this selection runs on (of those the run measures) */
  runtimes?: string[];
}

export interface Suite {
  name: string;
  description?: string;
  /** default measuring time of throughput cases, seconds */
  duration?: number;
  selections: SuiteSelection[];
}

/**
 * A key the suite does not know was ignored: `"case": [...]` for "cases" ran every case, and a
 * misspelt "duration" measured for the default time.
 */
function refuseUnknownKeys(raw: Record<string, unknown>, known: readonly string[], at: string): void {
  const unknown = Object.keys(raw).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw new UsageError(`${at}: unknown key "${unknown}"; valid: ${closestFirst(unknown, known).join(', ')}`);
}

function parseSelection(raw: unknown, at: string): SuiteSelection {
  if (!isObject(raw) || typeof raw.scenario !== 'string') throw new UsageError(`${at}: needs a "scenario" name`);
  refuseUnknownKeys(raw, ['scenario', 'cases', 'params', 'runtimes'], at);
  const isNames = (v: unknown) => Array.isArray(v) && v.every((c) => typeof c === 'string');
  const { cases, runtimes } = raw;
  if (cases !== undefined && !isNames(cases)) throw new UsageError(`${at}: "cases" must be a list of case names`);
  if (runtimes !== undefined && !isNames(runtimes))
    throw new UsageError(`${at}: "runtimes" must be a list of runtime names`);
  // a name that is no runtime matched none: the selection ran nowhere ("nothing to run", or silently)
  for (const name of (runtimes ?? []) as string[])
    try {
      parseSpec(name);
    } catch (error) {
      throw new UsageError(`${at}: ${(error as Error).message}`);
    }
  const params: Record<string, ParamValue[]> = {};
  if (raw.params !== undefined) {
    if (!isObject(raw.params)) throw new UsageError(`${at}: "params" must be an object of param values`);
    for (const [key, value] of Object.entries(raw.params)) {
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || !values.every(isParamValue))
        throw new UsageError(`${at}: param "${key}" takes a value or a list of numbers, strings or booleans`);
      params[key] = values;
    }
  }
  return {
    scenario: raw.scenario,
    ...(cases ? { cases: cases as string[] } : {}),
    ...(raw.params ? { params } : {}),
    ...(runtimes ? { runtimes: runtimes as string[] } : {}),
  };
}

/** Checks a suite document; `name` is used in messages. */
export function parseSuite(data: unknown, name: string): Suite {
  const doc = Array.isArray(data) ? { selections: data } : data;
  if (!isObject(doc) || !Array.isArray(doc.selections) || doc.selections.length === 0)
    throw new UsageError(`suite ${name}: expected {"selections": [{"scenario": ...}, ...]}`);
  if (!Array.isArray(data)) refuseUnknownKeys(doc, ['description', 'duration', 'selections'], `suite ${name}`);
  if (doc.description !== undefined && typeof doc.description !== 'string')
    throw new UsageError(`suite ${name}: "description" must be a string`);
  if (doc.duration !== undefined && !(typeof doc.duration === 'number' && doc.duration > 0))
    throw new UsageError(`suite ${name}: "duration" must be a positive number of seconds`);
  return {
    name,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.duration ? { duration: doc.duration } : {}),
    selections: doc.selections.map((s, i) => parseSelection(s, `suite ${name}: selections[${i}]`)),
  };
}

/** The suites shipped in `<root>/suites/`. */
export function suiteNames(root: string): string[] {
  const dir = join(root, 'suites');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => basename(f, '.json'))
        .sort()
    : [];
}

/** `--suite NAME|FILE`: a path (it has a / or ends in .json) or the name of a suite in `<root>/suites/`. */
export function loadSuite(spec: string, root: string): Suite {
  const isPath = spec.includes('/') || spec.endsWith('.json');
  const path = isPath ? resolve(spec) : join(root, 'suites', `${spec}.json`);
  if (!existsSync(path)) {
    if (isPath) throw new UsageError(`suite file not found: ${spec}`);
    const names = suiteNames(root);
    throw new UsageError(`unknown suite '${spec}'; valid: ${closestFirst(spec, names).join(', ') || '(none)'}`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // a directory (suites/ci.json/) is not a suite file that is not JSON: say what failed
    throw new UsageError(`cannot read suite ${spec}: ${errorCode(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text it stopped in, newlines and all: the message is one line
    throw new UsageError(`suite ${spec} is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  return parseSuite(data, spec);
}

/**
 * A selection's runtime names `rt`: its name, its label, or a version spec its version matches.
 * parseSuite takes node@22, but a run's runtimes are labelled with exact versions (--runtime node@22
 * is node@22.23.3), so matched by label alone such a selection ran nowhere, silently.
 */
function namesRuntime(text: string, rt: RuntimeExecutable): boolean {
  if (text === rt.label || text === rt.name) return true;
  const spec = parseSpec(text); // parseSuite took it
  return spec.name === rt.name && specMatches(spec, rt.version);
}

/**
 * The cells of a suite among `scenarios`, in the suite's order, each once; then the shard. A
 * selection whose scenario is not among them is returned in `missing` (compare --base: a scenario
 * on one side only).
 */
export function planSuite(
  suite: Suite,
  scenarios: ScenarioInfo[],
  runtimes: RuntimeExecutable[],
  options: Pick<PlanOptions, 'quick' | 'full' | 'shard'>,
): { cells: Cell[]; missing: string[] } {
  const cells = new Map<string, Cell>();
  const missing: string[] = [];
  for (const selection of suite.selections) {
    const scenario = scenarios.find((s) => s.id === selection.scenario);
    if (!scenario) {
      missing.push(selection.scenario);
      continue;
    }
    const params = Object.fromEntries(
      Object.entries(selection.params ?? {}).map(([key, values]) => [key, values.map(String)]),
    );
    const named = selection.runtimes;
    const on = named ? runtimes.filter((rt) => named.some((text) => namesRuntime(text, rt))) : runtimes;
    try {
      for (const cell of planCells([scenario], on, {
        cases: selection.cases ?? [],
        params,
        quick: options.quick,
        full: options.full,
      }))
        if (!cells.has(cell.key)) cells.set(cell.key, cell);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`suite ${suite.name}, ${scenario.id}: ${error.message}`);
      throw error;
    }
  }
  return { cells: shardCells([...cells.values()], options.shard), missing };
}
