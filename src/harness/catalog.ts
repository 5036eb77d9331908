/**
 * Finds scenarios: the built-in ones in dist/scenarios/, and scenario files a user names by path,
 * bundled with the same build as the built-in ones so every runtime runs the same JavaScript.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildOptions } from '../build-options.js';
import { UsageError } from '../result/errors.js';
import { defaultMetric, isScenario, type Metric, type ParamMatrix, type Scenario } from '../scenario.js';
import { closestFirst } from './suggest.js';

export interface ScenarioInfo {
  id: string;
  title: string;
  pattern: string;
  kind: Scenario['kind'];
  params: ParamMatrix;
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

async function describe(moduleUrl: string): Promise<ScenarioInfo> {
  const mod = (await import(moduleUrl)) as { default?: unknown };
  if (!isScenario(mod.default)) throw new UsageError(`${moduleUrl} does not export default defineScenario({...})`);
  const s = mod.default;
  return {
    id: s.id,
    title: s.title,
    pattern: s.pattern,
    kind: s.kind,
    params: s.params ?? {},
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
  const outfile = join(tmpDir, `${basename(path, extname(path))}.js`);
  // `asyncbench` resolves to this package's built API, so user scenarios share the built-in patterns
  await build({
    ...buildOptions(fileURLToPath(new URL('api.js', dist))),
    entryPoints: [path],
    outfile,
    logLevel: 'silent',
  }).catch((error: Error) => {
    throw new UsageError(`cannot build ${path}: ${error.message.split('\n')[1] ?? error.message}`);
  });
  return pathToFileURL(outfile).href;
}

/** A user's scenario file, bundled against the API of the tree whose dist/ is `dist`, and described. */
export async function scenarioFile(path: string, tmpDir: string, dist: URL = DIST_DIR): Promise<ScenarioInfo> {
  return describe(await bundleScenarioFile(path, tmpDir, dist));
}

export function looksLikeFile(arg: string): boolean {
  return /\.(ts|js|mjs|mts)$/.test(arg) || arg.includes('/');
}

/** Resolves the names and files given to `run` (none = every built-in scenario). */
export async function selectScenarios(args: string[], tmpDir: string): Promise<ScenarioInfo[]> {
  const builtin = await builtinScenarios();
  if (args.length === 0) return builtin;
  const chosen: ScenarioInfo[] = [];
  for (const arg of args) {
    if (looksLikeFile(arg)) {
      const path = resolve(arg);
      if (!existsSync(path)) throw new UsageError(`scenario file not found: ${arg}`);
      chosen.push(await scenarioFile(path, tmpDir));
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
    chosen.push(found);
  }
  return chosen;
}
