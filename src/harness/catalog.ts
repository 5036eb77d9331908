/**
 * Finds scenarios: the built-in ones in dist/scenarios/, and scenario files a user names by path,
 * bundled with the same build as the built-in ones so every runtime runs the same JavaScript.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildOptions } from '../build-options.js';
import { TimeoutError, withTimeout } from '../patterns/timeout.js';
import { UsageError } from '../result/errors.js';
import { currentRuntime } from '../runtimes/current.js';
import { defaultMetric, isScenario, type Metric, type ParamMatrix, type Scenario } from '../scenario.js';
import { closestFirst } from './suggest.js';

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
}

/** dist/ (where this file was bundled to) and the project root above it */
export const DIST_DIR = new URL('.', import.meta.url);
export const PROJECT_ROOT = new URL('..', DIST_DIR);

const KINDS = ['micro', 'throughput', 'process'];
const REQUIREMENTS = ['postgres', 'http', 'workers'];

function isParamValue(v: unknown): boolean {
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
  if (bad) return `${bad[0]} is not a metric ({ name, unit, better: 'lower' | 'higher' })`;
  return undefined;
}

function isMetric(m: unknown): boolean {
  const { name, unit, better } = (m ?? {}) as Record<string, unknown>;
  return typeof name === 'string' && typeof unit === 'string' && (better === 'lower' || better === 'higher');
}

/** How long a user's scenario module may take to load in the harness (its top level, awaits included). */
const USER_LOAD_MS = 30_000;

/**
 * Imports a user's scenario module into the harness to read what it declares. Its top level is
 * the user's code: one that calls process.exit must not end the run as if it had passed (exit 0,
 * no result), and one that awaits what never settles must not hang it.
 */
async function importUserModule(moduleUrl: string, label: string): Promise<unknown> {
  const runtime = await currentRuntime();
  const unguard = runtime.guardExit(
    `${label} exited the process while it was loading (process.exit at its top level?)`,
  );
  try {
    return await withTimeout(import(moduleUrl), USER_LOAD_MS);
  } catch (error) {
    if (error instanceof TimeoutError)
      throw new UsageError(
        `${label} did not finish loading within ${USER_LOAD_MS / 1000} s (a top-level await that never settles?)`,
      );
    throw error;
  } finally {
    unguard();
  }
}

async function describe(moduleUrl: string, label = moduleUrl, userModule = false): Promise<ScenarioInfo> {
  let mod: { default?: unknown };
  try {
    mod = (await (userModule ? importUserModule(moduleUrl, label) : import(moduleUrl))) as { default?: unknown };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new UsageError(`${label} throws at import: ${message.split('\n')[0]}`);
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

/** The built-in scenarios of the tree whose dist/ is `dist` (compare --base: each revision's own). */
export async function builtinScenarios(dist: URL = DIST_DIR): Promise<ScenarioInfo[]> {
  const dir = new URL('scenarios/', dist);
  if (!existsSync(dir)) throw new UsageError('no built scenarios in dist/scenarios: run `npm run build` first');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort();
  return Promise.all(files.map((f) => describe(new URL(f, dir).href)));
}

/** Bundles a user's scenario file (.ts or .js) into `tmpDir` with the project's build options. */
async function bundleScenarioFile(path: string, tmpDir: string, dist: URL): Promise<string> {
  const { build } = await import('esbuild');
  mkdirSync(tmpDir, { recursive: true });
  // named after the whole path: two files called s.ts from two folders must not overwrite each other
  const tag = createHash('sha256').update(resolve(path)).digest('hex').slice(0, 8);
  const outfile = join(tmpDir, `${basename(path, extname(path))}-${tag}.js`);
  // `asyncbench` resolves to this package's built API, so user scenarios share the built-in patterns
  await build({
    ...buildOptions(fileURLToPath(new URL('api.js', dist))),
    entryPoints: [path],
    outfile,
    logLevel: 'silent',
  }).catch((error: Error & { errors?: { text: string; location?: { line: number; column: number } | null }[] }) => {
    const first = error.errors?.[0];
    const where = first?.location ? `:${first.location.line}:${first.location.column}` : '';
    const why = first?.text ?? error.message.split('\n')[1] ?? error.message;
    throw new UsageError(`cannot build ${path}${where}: ${why.split('\n')[0]}`);
  });
  return pathToFileURL(outfile).href;
}

/** A user's scenario file, bundled against the API of the tree whose dist/ is `dist`, and described. */
export async function scenarioFile(
  path: string,
  tmpDir: string,
  dist: URL = DIST_DIR,
  label = path,
): Promise<ScenarioInfo> {
  return describe(await bundleScenarioFile(path, tmpDir, dist), label, true);
}

export function looksLikeFile(arg: string): boolean {
  return /\.(ts|js|mjs|mts)$/.test(arg) || arg.includes('/');
}

/** Resolves the names and files given to `run` (none = every built-in scenario). */
export async function selectScenarios(args: string[], tmpDir: string): Promise<ScenarioInfo[]> {
  const builtin = await builtinScenarios();
  if (args.length === 0) return builtin;
  const chosen: ScenarioInfo[] = [];
  // a scenario named twice is run once; two scenarios of one id would be one set of cells
  const add = (s: ScenarioInfo, from: string) => {
    const same = chosen.find((c) => c.id === s.id);
    if (same === undefined) chosen.push(s);
    else if (same.module !== s.module)
      throw new UsageError(`two scenarios are named '${s.id}' (${from} and an earlier one): ids must differ`);
  };
  for (const arg of args) {
    if (looksLikeFile(arg)) {
      const path = resolve(arg);
      if (!existsSync(path)) throw new UsageError(`scenario file not found: ${arg}`);
      add(await scenarioFile(path, tmpDir, DIST_DIR, arg), arg);
      continue;
    }
    const found = builtin.find((s) => s.id === arg);
    if (!found) {
      const names = closestFirst(
        arg,
        builtin.map((s) => s.id),
      );
      throw new UsageError(`unknown scenario '${arg}'; valid: ${names.join(', ')}`);
    }
    add(found, arg);
  }
  return chosen;
}
