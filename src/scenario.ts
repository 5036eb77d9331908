/**
 * The scenario API (DESIGN.md, contract 2). A scenario is written once against this and runs
 * unchanged on every runtime; the harness discovers scenario modules, it never imports them by path.
 */
import type { Metric, Params, ParamValue, ScenarioKind } from './result/schema.js';
import type { RuntimeAdapter } from './runtimes/types.js';

export type { Metric, Params, ParamValue, ScenarioKind };
export type Requirement = 'postgres' | 'http' | 'workers';
export type ParamMatrix = Record<string, readonly ParamValue[]>;

/** Addresses of the real services a scenario `requires`; passwords are present here only. */
export interface Services {
  /** postgres://user:password@127.0.0.1:port/db */
  postgres?: { url: string; schema: string };
  /** base URL of the HTTP target server, e.g. http://127.0.0.1:40123 */
  http?: { url: string };
}

/** Everything a case, setup, teardown and verify see. */
export interface CaseContext<S = unknown> {
  readonly scenario: string;
  readonly caseName: string;
  readonly params: Params;
  readonly runtime: RuntimeAdapter;
  readonly services: Services;
  readonly quick: boolean;
  /** what setup() returned */
  readonly state: S;
  /** marks this cell skipped (e.g. the runtime lacks a feature): throws, never returns */
  skip(reason: string): never;
  /** records a secondary figure (peak heap, attempts per success, ...) next to the main metric */
  record(name: string, value: number, unit: string): void;
}

/** The measured operation. Its result is sunk so the engine cannot eliminate it (PITFALLS 5). */
export type Op = () => unknown;

export type CaseFn<S> = (ctx: CaseContext<S>) => Op | Promise<Op>;

export interface VerifyContext<S = unknown> extends CaseContext<S> {
  /** the op that was measured; verify may call it once more and check what it returns */
  readonly op: Op;
}

export interface ScenarioDefinition<S = unknown> {
  id: string;
  title: string;
  /** the seed section this scenario implements */
  pattern: string;
  kind: ScenarioKind;
  /** every value of each param the scenario knows: the whole grid, which `run --full` measures */
  params?: ParamMatrix;
  /**
   * replaces some params' values in a default run (the others keep all theirs): a representative
   * matrix, so that a run of every scenario fits its time (docs/architecture.md, "Where the time goes")
   */
  defaults?: ParamMatrix;
  /** replaces some params' values under --quick (over the defaults) */
  quick?: ParamMatrix;
  cases: Record<string, CaseFn<S>>;
  /** overrides the kind's default metric (micro: time/op in ns; throughput: ops/s; process: ms) */
  metric?: Metric;
  /**
   * cases whose figure means something else than the scenario's metric (e.g. a worker's start-up
   * time beside message round trips): reports rank and compare ("×", "best") only cells of one
   * metric. The unit is still what the kind records (micro: ns), only the name says what it is.
   */
  caseMetrics?: Record<string, Metric>;
  /**
   * the figure the report tables lead with when it is not the measured metric: a figure every fork
   * records with `ctx.record(figure, value, unit)`, e.g. `{ figure: 'lag p99', name: 'p99 loop
   * lag', better: 'lower' }`; its per-fork values give the interval and the tests
   */
  headline?: HeadlineFigure;
  /**
   * micro: how many items (tasks, queue items, acquisitions) one op handles; the harness divides
   * the op's time by it, so the figure is per item, e.g. `(p) => Number(p.tasks)`
   */
  itemsPerOp?: (params: Params) => number;
  requires?: readonly Requirement[];
  /** per process, before the case is built */
  setup?: (ctx: CaseContext<undefined>) => S | Promise<S>;
  teardown?: (ctx: CaseContext<S>) => void | Promise<void>;
  /** checks the scenario's invariant after measuring; throws if it is broken */
  verify?: (ctx: VerifyContext<S>) => void | Promise<void>;
}

export interface HeadlineFigure {
  /** the name given to ctx.record */
  figure: string;
  /** what a reader sees, e.g. 'p99 loop lag' */
  name: string;
  better: 'lower' | 'higher';
}

export interface Scenario<S = unknown> extends ScenarioDefinition<S> {
  readonly __asyncbenchScenario: 1;
}

const ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function defineScenario<S = unknown>(definition: ScenarioDefinition<S>): Scenario<S> {
  if (!ID_PATTERN.test(definition.id)) throw new Error(`scenario id '${definition.id}' is not kebab-case`);
  if (Object.keys(definition.cases).length === 0) throw new Error(`scenario '${definition.id}' has no cases`);
  for (const field of ['defaults', 'quick'] as const)
    for (const key of Object.keys(definition[field] ?? {})) {
      if (!definition.params || !(key in definition.params))
        throw new Error(`scenario '${definition.id}': ${field} param '${key}' is not in params`);
    }
  for (const key of Object.keys(definition.caseMetrics ?? {}))
    if (!(key in definition.cases)) throw new Error(`scenario '${definition.id}': caseMetrics names no case '${key}'`);
  return { ...definition, __asyncbenchScenario: 1 };
}

export function isScenario(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && (value as Scenario).__asyncbenchScenario === 1;
}

/** Thrown by ctx.skip(); the harness records the cell as skipped with the reason. */
export class SkipCase extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipCase';
  }
}

/**
 * Runs `run` with `target[name]` replaced by `replace(original)`, then puts the property back as it
 * was, whether `run` returned or threw: how a verify instruments one extra run of the op (a method's
 * calls counted or probed) while the measured op keeps the code it was timed with. The replacement
 * calls the original itself (`original.call(this, ...)`). Restored to the very descriptor it had, so
 * a class method stays non-enumerable, and removed again where it was inherited, not own.
 */
export async function withMethodReplaced<T extends object, K extends keyof T, R>(
  target: T,
  name: K,
  replace: (original: T[K]) => T[K],
  run: () => R | Promise<R>,
): Promise<R> {
  const own = Object.getOwnPropertyDescriptor(target, name);
  // defined, not assigned: an assignment would run a setter the target inherits, and leave it run
  Object.defineProperty(target, name, { value: replace(target[name]), writable: true, configurable: true });
  try {
    return await run();
  } finally {
    if (own) Object.defineProperty(target, name, own);
    else Reflect.deleteProperty(target, name);
  }
}

/**
 * Runs `run` counting the calls of the method `target[name]` meanwhile (withMethodReplaced): what a
 * verify checks where the op's answer alone cannot show it did the work (a result kept from an
 * earlier call is right too).
 */
export async function withCallsCounted<T extends object, K extends keyof T, R>(
  target: T,
  name: K,
  run: () => R | Promise<R>,
): Promise<{ value: R; calls: number }> {
  let calls = 0;
  const counted = (original: T[K]) =>
    function (this: unknown, ...args: unknown[]) {
      calls++;
      return (original as (...args: unknown[]) => unknown).apply(this, args);
    } as T[K];
  const value = await withMethodReplaced(target, name, counted, run);
  return { value, calls };
}

export function defaultMetric(kind: ScenarioKind): Metric {
  if (kind === 'micro') return { name: 'time per op', unit: 'ns', better: 'lower' };
  if (kind === 'throughput') return { name: 'throughput', unit: 'ops/s', better: 'higher' };
  return { name: 'duration', unit: 'ms', better: 'lower' };
}
