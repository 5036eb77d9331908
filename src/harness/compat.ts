/**
 * Can a runtime run the harness at all? A provisioned old version (node 16, say) may not parse the
 * built JavaScript (ES2022, plus the node: APIs it imports) or load a scenario module. Before the
 * run, each runtime that is not a pinned build loads the measuring child in probe mode, which
 * imports every scenario module of the run. A runtime that cannot load the child, or a scenario it
 * cannot load, has its cells recorded `skipped` with the reason: a version too old is a fact about
 * the version, not a failure of the case.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultEntry } from '../result/schema.js';
import { compareVersions } from '../result/versions.js';
import { type RuntimeExecutable, runtimeCommand } from '../runtimes/discover.js';
import type { RuntimeAdapter, RuntimeName } from '../runtimes/types.js';
import { DIST_DIR, PROJECT_ROOT, type ScenarioInfo } from './catalog.js';
import { PROBE_ENV, type ProbeJob, type ProbeOutcome } from './job.js';
import type { Cell } from './plan.js';

const PROBE_TIMEOUT_MS = 60_000;

/**
 * The oldest release of each runtime that runs every built-in scenario (measured by running the
 * whole --quick suite on real releases: docs/architecture.md). Older releases load part of the
 * build and then fail some cases (node 16 has no global DOMException), which would read as
 * failures of the cases: their cells are skipped instead, without starting them.
 */
export const OLDEST_SUPPORTED: Record<RuntimeName, string> = { node: '18.0.0', bun: '1.0.0', deno: '2.0.0' };

export function tooOld(rt: Pick<RuntimeExecutable, 'name' | 'version'>): string | undefined {
  const oldest = OLDEST_SUPPORTED[rt.name];
  return compareVersions(rt.version, oldest) < 0
    ? `${rt.name} ${rt.version} is older than the oldest ${rt.name} the harness runs on (${oldest}; see docs/architecture.md)`
    : undefined;
}

/**
 * The line of a runtime's stderr that names the error: node prints the source line first and
 * "Node.js v16.20.2" last, deno a Rust backtrace after its "error: ..." line.
 */
export function errorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const named = lines.find((l) => /^(error:|(Uncaught )?[A-Z]\w*Error\b)/.test(l));
  return (named ?? lines.pop() ?? 'no output').slice(0, 300);
}

async function probeOne(
  runtime: RuntimeAdapter,
  rt: RuntimeExecutable,
  scenarios: readonly ScenarioInfo[],
  outcomePath: string,
): Promise<{ runtime?: string; scenarios: Map<string, string> }> {
  const old = tooOld(rt);
  if (old) return { runtime: old, scenarios: new Map() };
  const job: ProbeJob = { modules: scenarios.map((s) => s.module), outcomePath };
  const { command, args, env } = runtimeCommand(rt, fileURLToPath(new URL('child.js', DIST_DIR)));
  const child = runtime.spawn(command, args, {
    env: { ...env, [PROBE_ENV]: JSON.stringify(job) },
    cwd: fileURLToPath(PROJECT_ROOT),
    stdout: 'ignore',
    stderr: 'pipe',
    group: true,
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
  await child.exited;
  clearTimeout(timer);
  child.kill('SIGKILL');
  let outcome: ProbeOutcome;
  try {
    outcome = JSON.parse(readFileSync(outcomePath, 'utf8').trim().split('\n')[0]) as ProbeOutcome;
  } catch {
    return {
      runtime: `cannot load the harness (its ES2022 build): ${errorLine(child.stderr())}`,
      scenarios: new Map(),
    };
  }
  const failed = new Map<string, string>();
  for (const s of scenarios) {
    const error = outcome.failures[s.module];
    if (error) failed.set(s.id, `cannot load the ${s.id} scenario: ${error.slice(0, 300)}`);
  }
  return { scenarios: failed };
}

/**
 * Probes every runtime that is not a pinned build (those are tested with the project) and returns
 * the skip reason of a cell, if any.
 */
export async function probeCompatibility(
  runtime: RuntimeAdapter,
  runtimes: readonly RuntimeExecutable[],
  scenarios: readonly ScenarioInfo[],
  tmpDir: string,
): Promise<(cell: Cell) => string | undefined> {
  const probed = await Promise.all(
    runtimes
      .filter((rt) => !rt.default && rt.source !== 'pinned')
      .map(
        async (rt, i) => [rt.label, await probeOne(runtime, rt, scenarios, join(tmpDir, `probe-${i}.json`))] as const,
      ),
  );
  const verdicts = new Map(probed);
  return (cell) => {
    const v = verdicts.get(cell.runtime.label);
    return v?.runtime ?? v?.scenarios.get(cell.scenario.id);
  };
}

/** `Promise.withResolvers` -> the value at that path from globalThis, if any */
function globalAt(path: string): unknown {
  let value: unknown = globalThis;
  for (const part of path.split('.')) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Does a failure say the runtime lacks something the build uses, rather than the case misbehaving?
 * Three signs, each checked against what this process (the orchestrator, on the pinned node as a
 * rule) has: a global it defines is "not defined" there (deno 2.0: setImmediate); a builtin function
 * it has "is not a function" there; a package failed to load on a runtime below its engines (undici
 * 8 requires node >=22.19). Returns what is missing.
 */
export function missingFeature(reason: string): string | undefined {
  const global = /ReferenceError: ([A-Za-z_$][\w$]*) is not defined/.exec(reason)?.[1];
  if (global && global in globalThis) return `has no global ${global}`;
  const fn = /TypeError: ([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+) is not a function/.exec(reason)?.[1];
  if (fn && typeof globalAt(fn) === 'function') return `has no ${fn}()`;
  const engines = /(\S+@\S+) \(requires node ([^)]+)\) failed to load/.exec(reason);
  if (engines) return `does not meet ${engines[1]}'s engines (node ${engines[2]})`;
  return undefined;
}

/**
 * After the run: a cell that failed on a runtime that is not a pinned build, every failed fork for
 * lack of a feature (missingFeature), is recorded skipped with what the runtime lacks. A failure
 * for any other reason stays a failure: that is a finding about the version.
 */
export function skipMissingFeatures(entries: ResultEntry[], runtimes: readonly RuntimeExecutable[]): ResultEntry[] {
  return entries.map((entry) => {
    const rt = runtimes.find((r) => r.label === entry.runtime);
    if (entry.status !== 'failed' || !rt || rt.default || rt.source === 'pinned') return entry;
    const bad = entry.forks.filter((f) => f.status !== 'ok');
    const missing = bad.map((f) => missingFeature(f.reason ?? ''));
    if (bad.length === 0 || missing.some((m) => m === undefined)) return entry;
    const reason = `${rt.name} ${rt.version} ${missing[0]}, which this case needs: ${entry.reason ?? ''}`.slice(0, 400);
    return { ...entry, status: 'skipped', reason };
  });
}
