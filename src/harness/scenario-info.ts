/**
 * What the harness reads of a scenario module: its default export checked as a scenario and turned
 * into a ScenarioInfo, or a one-line UsageError naming what is wrong. One place for both callers:
 * the catalog, which imports the built-in scenarios itself, and the describe-child, which imports a
 * user's scenario file in a process of its own (describe-child.ts).
 */
import { UsageError } from '../result/errors.js';
import { isOneLine } from '../result/schema.js';
import {
  defaultMetric,
  isScenario,
  type Metric,
  type ParamMatrix,
  type ParamValue,
  type Scenario,
} from '../scenario.js';
import { reasonOf } from './reason.js';

export interface ScenarioInfo {
  id: string;
  title: string;
  pattern: string;
  kind: Scenario['kind'];
  params: ParamMatrix;
  defaults: ParamMatrix;
  quick: ParamMatrix;
  cases: string[];
  requires: string[];
  metric: Metric;
  /** cases measured in a metric of their own (see ScenarioDefinition.caseMetrics) */
  caseMetrics?: Record<string, Metric>;
  /** the recorded figure reports lead with (see ScenarioDefinition.headline) */
  headline?: Scenario['headline'];
  /** file URL of the built module the child imports */
  module: string;
  /** a user's scenario file: a digest of its bundle (config.scenarioFiles) */
  digest?: string;
}

const KINDS = ['micro', 'throughput', 'process'];
const REQUIREMENTS = ['postgres', 'http', 'workers'];

/** a value a param may take: a string, a boolean or a finite number */
export function isParamValue(v: unknown): v is ParamValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function matrixProblem(matrix: unknown, name: string): string | undefined {
  if (matrix === undefined) return undefined;
  if (typeof matrix !== 'object' || matrix === null || Array.isArray(matrix))
    return `${name} is not an object of value lists`;
  for (const [key, values] of Object.entries(matrix)) {
    if (!Array.isArray(values) || values.length === 0) return `${name}.${key} is not a non-empty array`;
    const bad = values.find((v) => !isParamValue(v));
    if (bad !== undefined || values.includes(undefined))
      return `${name}.${key} holds ${JSON.stringify(bad) ?? 'undefined'}: values are numbers, strings or booleans`;
    if (new Set(values).size !== values.length) return `${name}.${key} lists a value twice`;
  }
  return undefined;
}

/** What is wrong with a module's default export as a scenario, or undefined. */
function scenarioProblem(s: Scenario): string | undefined {
  if (typeof s.id !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(s.id))
    return `id ${JSON.stringify(s.id)} is not kebab-case`;
  if (!KINDS.includes(s.kind)) return `kind ${JSON.stringify(s.kind)} is not ${KINDS.join('|')}`;
  if (typeof s.cases !== 'object' || s.cases === null || Object.keys(s.cases).length === 0) return 'it has no cases';
  const notFn = Object.entries(s.cases).find(([, fn]) => typeof fn !== 'function');
  if (notFn) return `case '${notFn[0]}' is not a function`;
  // what a result file's reader refuses (a name or unit on two lines would forge lines of a report),
  // a scenario may not declare: its run would write a file no report or compare could read
  const twoLines = Object.keys(s.cases).find((name) => !isOneLine(name));
  if (twoLines !== undefined) return `case name ${JSON.stringify(twoLines)} is not one line`;
  // --case takes a comma-separated list: such a case could never be picked alone
  const comma = Object.keys(s.cases).find((name) => name.includes(','));
  if (comma !== undefined) return `case name ${JSON.stringify(comma)} holds a comma, which --case splits names at`;
  const problem =
    matrixProblem(s.params, 'params') ?? matrixProblem(s.defaults, 'defaults') ?? matrixProblem(s.quick, 'quick');
  if (problem) return problem;
  for (const field of ['defaults', 'quick'] as const) {
    const stray = Object.keys(s[field] ?? {}).find((k) => !(k in (s.params ?? {})));
    if (stray) return `${field}.${stray} is not in params`;
  }
  if (!Array.isArray(s.requires ?? [])) return `requires is not a list (e.g. ['http'])`;
  const unknown = (s.requires ?? []).find((r) => !REQUIREMENTS.includes(r));
  if (unknown !== undefined) return `requires '${unknown}': known are ${REQUIREMENTS.join(', ')}`;
  if (typeof s.title !== 'string' || typeof s.pattern !== 'string') return 'its title and pattern are not strings';
  const metrics = [
    ['metric', s.metric],
    ...Object.entries(s.caseMetrics ?? {}).map(([c, m]) => [`caseMetrics.${c}`, m]),
  ];
  const bad = metrics.find(([, m]) => m !== undefined && !isMetric(m));
  if (bad) return `${bad[0]} is not a metric ({ name, unit, better: 'lower' | 'higher' }, name and unit on one line)`;
  const { headline } = s;
  if (headline !== undefined && !isHeadline(headline))
    return "headline is not { figure, name, better: 'lower' | 'higher' }, figure and name on one line";
  return undefined;
}

const isBetter = (better: unknown): boolean => better === 'lower' || better === 'higher';

function isMetric(m: unknown): boolean {
  const { name, unit, better } = (m ?? {}) as Record<string, unknown>;
  return isOneLine(name) && isOneLine(unit) && isBetter(better);
}

/** a headline has no unit of its own: its figure is recorded with one (ctx.record) */
function isHeadline(h: unknown): boolean {
  const { figure, name, better } = (h ?? {}) as Record<string, unknown>;
  return isOneLine(figure) && isOneLine(name) && isBetter(better);
}

/**
 * Imports the scenario module at `moduleUrl` and describes it; what is wrong with it (it throws at
 * import, exports no scenario, or an invalid one) is a UsageError naming it by `label`.
 */
export async function describeModule(moduleUrl: string, label = moduleUrl): Promise<ScenarioInfo> {
  let mod: { default?: unknown };
  try {
    mod = (await import(moduleUrl)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(`${label} throws at import: ${reasonOf(error)}`);
  }
  if (!isScenario(mod.default)) throw new UsageError(`${label} does not export default defineScenario({...})`);
  const s = mod.default;
  const problem = scenarioProblem(s);
  if (problem) throw new UsageError(`${label}: not a valid scenario: ${problem}`);
  return {
    id: s.id,
    title: s.title,
    pattern: s.pattern,
    kind: s.kind,
    params: s.params ?? {},
    defaults: s.defaults ?? {},
    quick: s.quick ?? {},
    cases: Object.keys(s.cases),
    requires: [...(s.requires ?? [])],
    metric: s.metric ?? defaultMetric(s.kind),
    ...(s.caseMetrics ? { caseMetrics: s.caseMetrics } : {}),
    ...(s.headline ? { headline: s.headline } : {}),
    module: moduleUrl,
  };
}

/**
 * The describe-child's answer: one line on its stdout, this prefix and then a DescribeReport as
 * JSON. The prefix tells it from whatever the user's top level printed there.
 */
export const DESCRIBE_PREFIX = 'asyncbench-describe: ';
export type DescribeReport = { info: ScenarioInfo } | { problem: string };
