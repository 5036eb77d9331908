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
import { errorLine } from '../runtimes/child-output.js';
import { type RuntimeExecutable, runtimeCommand } from '../runtimes/discover.js';
import { type GuardedChild, spawnGuarded } from '../runtimes/group-reaper.js';
import { execFailure } from '../runtimes/parent-guard.js';
import type { ChildExit, RuntimeAdapter, RuntimeName } from '../runtimes/types.js';
import { DIST_DIR, PROJECT_ROOT, type ScenarioInfo } from './catalog.js';
import { PROBE_ENV, type ProbeJob, type ProbeOutcome } from './job.js';
import type { Cell } from './plan.js';

const PROBE_TIMEOUT_MS = 60_000;

/**
 * The oldest release of each runtime that runs the harness: loads the build and measures every
 * micro scenario, its cells ok or skipped for a stated reason. Found by running the --quick suite
 * on real releases (docs/architecture.md). Older releases load part of the build and then fail
 * cases (node 16 has no global DOMException, node 18.0 no Symbol.asyncDispose), which would read as
 * failures of the cases: their cells are skipped, without starting them.
 */
export const OLDEST_SUPPORTED: Record<RuntimeName, string> = { node: '18.18.0', bun: '1.0.36', deno: '2.0.0' };

/**
 * Scenarios (or `scenario/case`) that need a newer release than OLDEST_SUPPORTED, and why: the
 * failures the same probes met on older releases that no missingFeature() sign gives away (a hang,
 * a client that breaks inside the runtime). The version is the oldest release probed that passes.
 */
const HTTP_CLIENTS_BUN = {
  version: '1.1.45',
  why: 'every HTTP client fails on bun 1.1.0: "TypeError: null is not an object"',
};
export const SCENARIO_OLDEST: Record<string, Partial<Record<RuntimeName, { version: string; why: string }>>> = {
  'http-pool': { bun: HTTP_CLIENTS_BUN },
  'rate-limit': { bun: HTTP_CLIENTS_BUN },
  retry: { bun: HTTP_CLIENTS_BUN },
  'db-pool/postgres': { bun: { version: '1.1.45', why: 'postgres.js returns nothing on bun 1.1.0 (0 queries/s)' } },
  'workers/tinypool': { bun: { version: '1.4.5', why: 'tinypool hangs on bun 1.3.14' } },
  runner: { deno: { version: '2.6.8', why: 'the runner hangs on deno 2.3.7' } },
};

export function tooOld(rt: Pick<RuntimeExecutable, 'name' | 'version'>): string | undefined {
  const oldest = OLDEST_SUPPORTED[rt.name];
  return compareVersions(rt.version, oldest) < 0
    ? `${rt.name} ${rt.version} is older than the oldest ${rt.name} the harness runs on (${oldest}; see docs/architecture.md)`
    : undefined;
}

/** The reason a cell's scenario (or case) needs a newer release of its runtime, if it does. */
export function scenarioTooOld(
  rt: Pick<RuntimeExecutable, 'name' | 'version'>,
  scenario: string,
  caseName: string,
): string | undefined {
  for (const key of [`${scenario}/${caseName}`, scenario]) {
    const need = SCENARIO_OLDEST[key]?.[rt.name];
    if (need && compareVersions(rt.version, need.version) < 0)
      return `${key} needs ${rt.name} ${need.version} or newer (probed: ${need.why}); this is ${rt.version}`;
  }
  return undefined;
}

/**
 * Starts the probe of `rt`. It imports the user's scenario files: one whose top level spins on
 * this runtime outlived a Ctrl-C of the harness, at 100% CPU, when the harness did not handle
 * signals yet. Ctrl-C now kills it (probeOne's `signal`); a SIGKILL of the harness cannot, so it is
 * guarded as a measuring child is (spawnGuarded).
 */
function spawnProbe(runtime: RuntimeAdapter, rt: RuntimeExecutable, job: ProbeJob): GuardedChild {
  const direct = runtimeCommand(rt, fileURLToPath(new URL('child.js', DIST_DIR)));
  return spawnGuarded(runtime, [direct.command, ...direct.args], {
    env: { ...direct.env, [PROBE_ENV]: JSON.stringify(job) },
    cwd: fileURLToPath(PROJECT_ROOT),
    stdout: 'ignore',
    stderr: 'pipe',
  });
}

async function probeOne(
  runtime: RuntimeAdapter,
  rt: RuntimeExecutable,
  scenarios: readonly ScenarioInfo[],
  outcomePath: string,
  signal?: AbortSignal,
): Promise<{ runtime?: string; scenarios: Map<string, string> }> {
  const old = tooOld(rt);
  if (old) return { runtime: old, scenarios: new Map() };
  const { child, release } = spawnProbe(runtime, rt, { modules: scenarios.map((s) => s.module), outcomePath });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, PROBE_TIMEOUT_MS);
  // Ctrl-C: the run ends without a verdict, so the probe need not finish
  const interrupt = () => child.kill('SIGKILL');
  if (signal?.aborted) interrupt();
  signal?.addEventListener('abort', interrupt, { once: true });
  const exit = await child.exited.catch(() => undefined);
  const cannotStart = exit === undefined || execFailure(exit.code, child.stderr()) !== undefined;
  clearTimeout(timer);
  signal?.removeEventListener('abort', interrupt);
  // what the scenario files' top levels started goes with the probe's group
  child.kill('SIGKILL');
  release();
  // a binary that cannot start (gone, not executable) is broken, not too old: no verdict, so each
  // cell fails in the orchestrator with 'cannot start' (exit 1), as on a pinned build; as a skip
  // the run measured nothing and exited 0. Nor is a probe that never finished: a scenario file whose
  // top level hangs on this runtime only had every cell of the runtime skipped as 'cannot load the
  // harness', exit 0; measured, a cell that hangs times out and is recorded so.
  if (cannotStart || timedOut) return { scenarios: new Map() };
  let outcome: ProbeOutcome;
  try {
    outcome = JSON.parse(readFileSync(outcomePath, 'utf8').trim().split('\n')[0]) as ProbeOutcome;
  } catch {
    // nor is one that says nothing: an empty executable (run by the shell, exit 0) or a truncated
    // one (SIGSEGV), as a cache restored in part leaves them; nor one that crashed saying something
    // (a binary zeroed in part panics, or dies of a signal): a release too old for the build says why
    if (child.stderr().trim() === '' || crashed(exit as ChildExit, child.stderr())) return { scenarios: new Map() };
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

/** A probe that died of a signal, or whose runtime panicked (Rust's words; deno's panic page): a broken binary. */
function crashed(exit: ChildExit, stderr: string): boolean {
  return exit.signal !== null || /\bpanicked at\b|panic\.deno\.com/.test(stderr) || stderr.includes('\0');
}

/**
 * Probes every runtime that is not a pinned build (those are tested with the project) and returns
 * the skip reason of a cell, if any. An abort of `signal` (Ctrl-C) kills the probes: their
 * verdicts are then meaningless, and the caller ends the run.
 */
export async function probeCompatibility(
  runtime: RuntimeAdapter,
  runtimes: readonly RuntimeExecutable[],
  scenarios: readonly ScenarioInfo[],
  tmpDir: string,
  signal?: AbortSignal,
): Promise<(cell: Cell) => string | undefined> {
  const probe = (rt: RuntimeExecutable, i: number) =>
    probeOne(runtime, rt, scenarios, join(tmpDir, `probe-${i}.json`), signal);
  const probed = await Promise.all(
    runtimes
      .filter((rt) => !rt.default && rt.source !== 'pinned')
      .map(async (rt, i) => [rt.label, await probe(rt, i)] as const),
  );
  const verdicts = new Map(probed);
  return (cell) => {
    const v = verdicts.get(cell.runtime.label);
    if (!v) return undefined;
    return (
      v.runtime ?? v.scenarios.get(cell.scenario.id) ?? scenarioTooOld(cell.runtime, cell.scenario.id, cell.caseName)
    );
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
 * The signs: a global this process (the orchestrator, on the pinned node as a rule) defines is "not
 * defined" there (deno 2.0: setImmediate); a builtin function this process has "is not a function"
 * there; a package calls an export of a node: builtin that is not a function there (deno 2.2:
 * perf_hooks.createHistogram, which piscina uses); bun reports a NotImplementedError; a package
 * failed to load on a runtime below its engines (undici 8 requires node >=22.19). Returns what is
 * missing.
 */
export function missingFeature(reason: string): string | undefined {
  const global = /ReferenceError: ([A-Za-z_$][\w$]*) is not defined/.exec(reason)?.[1];
  if (global && global in globalThis) return `has no global ${global}`;
  const fn = /TypeError: ([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+) is not a function/.exec(reason)?.[1];
  if (fn && typeof globalAt(fn) === 'function') return `has no ${fn}()`;
  // a package compiled to CommonJS calls a node: builtin's export it imported: `(0 , node_perf_hooks_1.createHistogram)`
  const builtin = /TypeError: \(0 ?, node_(\w+?)_1\.(\w+)\) is not a function/.exec(reason);
  if (builtin) return `has no ${builtin[2]}() in node:${builtin[1]}`;
  // bun says so itself: "NotImplementedError: perf_hooks.createHistogram is not yet implemented in Bun."
  const unimplemented = /NotImplementedError: (\S+) is not yet implemented/.exec(reason)?.[1];
  if (unimplemented) return `does not implement ${unimplemented}`;
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
