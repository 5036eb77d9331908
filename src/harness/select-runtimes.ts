/**
 * Turns what the user named (`--runtime node@22,node,bun@1.3`, `--server-runtime deno@2.4`) into
 * runtimes a run can start. A bare name is the pinned devDependency; a label the machine already
 * has (`node@20.20.2`, the host's node) is taken as is; a version spec picks the newest version
 * already here that it matches (pinned, provisioned or the host's), and only when none does asks
 * the npm registry and provisions the newest release it matches.
 */
import { realpathSync } from 'node:fs';
import { UsageError } from '../result/errors.js';
import { compareVersions } from '../result/versions.js';
import { discoverRuntimes, type RuntimeExecutable } from '../runtimes/discover.js';
import {
  listProvisioned,
  provision,
  provisionedExecutable,
  type RegistryRelease,
  resolveOnRegistry,
} from '../runtimes/provision.js';
import { looksLikeSpec, parseSpec, type RuntimeSpec, specMatches } from '../runtimes/spec.js';
import type { RuntimeName } from '../runtimes/types.js';
import { closestFirst } from './suggest.js';

export interface RuntimeSources {
  /** the runtimes directory (provision.ts's runtimesDir() when absent) */
  runtimesRoot?: string;
  /** progress of provisioning, for stderr */
  log: (line: string) => void;
}

/**
 * Every runtime usable without the network: the pinned ones, the provisioned ones, and the host's
 * node unless a provisioned build of the same version already carries its label.
 */
export async function availableRuntimes(projectRoot: string, runtimesRoot?: string): Promise<RuntimeExecutable[]> {
  const discovered = await discoverRuntimes(projectRoot);
  const provisioned = listProvisioned(runtimesRoot).map(provisionedExecutable);
  const all = [...discovered.filter((r) => r.default), ...provisioned];
  for (const host of discovered.filter((r) => !r.default)) if (!all.some((r) => r.label === host.label)) all.push(host);
  return all;
}

const SOURCE_PREFERENCE = ['pinned', 'provisioned', 'host'] as const;

export function sourceOf(rt: RuntimeExecutable): (typeof SOURCE_PREFERENCE)[number] {
  return rt.source ?? (rt.default ? 'pinned' : 'host');
}

/** The newest local runtime the spec matches; at equal versions the pinned, then a provisioned one. */
export function newestLocal(spec: RuntimeSpec, available: readonly RuntimeExecutable[]): RuntimeExecutable | undefined {
  return available
    .filter((r) => r.name === spec.name && specMatches(spec, r.version))
    .sort(
      (a, b) =>
        compareVersions(b.version, a.version) ||
        SOURCE_PREFERENCE.indexOf(sourceOf(a)) - SOURCE_PREFERENCE.indexOf(sourceOf(b)),
    )[0];
}

/** A runtime named by a version: its label carries the exact version, even for the pinned build. */
function versioned(rt: RuntimeExecutable): RuntimeExecutable {
  const label = `${rt.name}@${rt.version}`;
  if (rt.label === label) return rt;
  return { ...rt, label, default: false, notes: [...rt.notes, 'the pinned devDependency, named by its version'] };
}

/**
 * The pinned runtimes are asyncbench's devDependencies: a clone's `npm install` brings them, an
 * install of asyncbench as a dependency does not, and there a version spec (provisioned) is the way.
 */
function noPinned(what: string, specs: readonly string[]): UsageError {
  const versions = specs.length === 1 ? 'a version' : 'versions';
  return new UsageError(
    `no pinned ${what} in node_modules/.bin: run \`npm install\` in a clone of asyncbench, or name ${versions} to provision (--runtime ${specs.join(',')})`,
  );
}

/** A spec to show for each runtime where none is pinned */
const EXAMPLE_SPECS: Record<RuntimeName, string> = { node: 'node@24', bun: 'bun@1.3', deno: 'deno@2' };

function unknownRuntime(text: string, available: readonly RuntimeExecutable[]): UsageError {
  const labels = available.map((r) => r.label);
  return new UsageError(
    `unknown runtime '${text}'; valid: ${closestFirst(text, labels).join(', ')}, or a version spec (node@22, bun@1.3, deno@2.4.4)`,
  );
}

/** One name or spec -> a runtime here, or else the registry's release to provision (not installed yet). */
async function choose(
  text: string,
  available: readonly RuntimeExecutable[],
  sources: RuntimeSources,
): Promise<RuntimeExecutable | RegistryRelease> {
  const byLabel = available.find((r) => r.label === text);
  if (byLabel) return byLabel;
  if (!looksLikeSpec(text)) throw unknownRuntime(text, available);
  const spec = parseSpec(text);
  if (!spec.version) {
    const pinned = available.find((r) => r.name === spec.name && r.default);
    if (!pinned) throw noPinned(spec.name, [EXAMPLE_SPECS[spec.name]]);
    return pinned;
  }
  const local = newestLocal(spec, available);
  if (local) return versioned(local);
  return resolveOnRegistry(spec, sources.log);
}

/** A runtime chosen, provisioned first if it is a registry release; `available` then holds it. */
async function ready(
  choice: RuntimeExecutable | RegistryRelease,
  available: RuntimeExecutable[],
  sources: RuntimeSources,
): Promise<RuntimeExecutable> {
  if ('label' in choice) return choice;
  // two specs of one release (node@22.23, node@22.23.3): the second finds the first's
  const here = available.find((r) => r.label === `${choice.name}@${choice.version}`);
  if (here) return here;
  const rt = provisionedExecutable(await provision(choice, { root: sources.runtimesRoot, log: sources.log }));
  available.push(rt);
  return rt;
}

/** Throws the UsageError of the first name that is neither a label here nor a version spec; asks no registry. */
function checkRuntimeNames(names: readonly string[], available: readonly RuntimeExecutable[]): void {
  for (const name of names)
    if (!available.some((r) => r.label === name)) {
      if (!looksLikeSpec(name)) throw unknownRuntime(name, available);
      parseSpec(name);
    }
}

/**
 * `node,node@24` names the pinned 24.x twice (as `node` and as `node@24.21.0`); a label says what
 * was asked, so the executable (its real path) is what repeats. Each is measured once, the first
 * name kept, and a repeat under another name is said: measuring one binary twice costs a runtime's
 * time and shows as a difference what is only noise. Another binary of the same release (a host
 * node of the pinned version, a distro build) is another build and is measured. A label met twice
 * is dropped too: the result keys cells by label.
 */
function measuredOnce(runtimes: RuntimeExecutable[], asked: readonly string[], log: RuntimeSources['log']) {
  const paths = runtimes.map((rt) => realPath(rt.executable));
  return runtimes.filter((rt, i) => {
    const first = runtimes.findIndex((r, j) => r.label === rt.label || paths[j] === paths[i]);
    if (first === i) return true;
    if (asked[i] !== asked[first] && paths[first] === paths[i])
      log(`${asked[i]} is the same executable as ${asked[first]} (${rt.version}): measured once`);
    return false;
  });
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // gone: the run reports it as it reports any binary that cannot start
  }
}

/** The runtimes to measure on, and the HTTP target server's runtime when one was asked for. */
export interface SelectedRuntimes {
  runtimes: RuntimeExecutable[];
  server: RuntimeExecutable | undefined;
}

/**
 * `--runtime a,b,c` (the pinned runtimes when absent), in the order given, each build once, and
 * `--server-runtime` (a name or a spec, like them). Every name is checked, then every spec resolved
 * on the registry, before anything is provisioned: a typo or a release that does not exist, in either
 * flag, fails before a download (node@99 once failed after the versions ahead of it were installed)
 */
export async function selectRuntimes(
  raw: string | undefined,
  available: RuntimeExecutable[],
  sources: RuntimeSources,
  server?: string,
): Promise<SelectedRuntimes> {
  const defaults = available.filter((r) => r.default);
  if (raw === undefined && defaults.length === 0) throw noPinned('runtime', Object.values(EXAMPLE_SPECS));
  const names = raw === undefined ? [] : raw.split(',').map((n) => n.trim());
  const asked = server === undefined ? names : [...names, server];
  checkRuntimeNames(asked, available);
  const choices: (RuntimeExecutable | RegistryRelease)[] = [];
  for (const name of asked) choices.push(await choose(name, available, sources));
  const chosen: RuntimeExecutable[] = [];
  for (const choice of choices) chosen.push(await ready(choice, available, sources));
  const measured = raw === undefined ? defaults : chosen.slice(0, names.length);
  const asNamed = raw === undefined ? defaults.map((r) => r.label) : names;
  return {
    runtimes: measuredOnce(measured, asNamed, sources.log),
    server: server === undefined ? undefined : chosen[chosen.length - 1],
  };
}
