// Faults of the measuring processes and of the harness's own signals, on real processes: a child
// killed by SIGKILL while it measures, a runtime binary that is gone when the job starts, a double
// Ctrl-C, the harness killed by SIGKILL while its child spins or while a scenario's own processes
// run, and a runtime's compatibility probe that spins (Ctrl-C meanwhile, or its timeout). After each: what had finished is in the result
// file, and no process is left.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultFile } from '../../src/result/schema.js';
import { setpriv } from '../../src/runtimes/parent-guard.js';
import { standIn } from '../support/temp.js';
import {
  FAULT_TEST_MS,
  FIXTURES,
  finishedJobs,
  hasExited,
  leftAfter,
  leftAfterSigkill,
  markedProcesses,
  projectScratch,
  startMarked,
  tempDir,
  waitFor,
} from './support.js';

const FAULTS = join(FIXTURES, 'faults.ts');

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
const byCase = (result: ResultFile, name: string, runtime = 'node') =>
  result.results.find((e) => e.case === name && e.runtime === runtime);

/** A run of the faults scenario whose `stalls` case writes its pid to `pidFile`, then stalls. */
function startStalling(name: string) {
  const dir = tempDir(name);
  const out = join(dir, 'r.json');
  const run = startMarked(['run', FAULTS, '--quick', '--runtime', 'node', '--json', out], {
    ASYNCBENCH_FAULTS_DIR: dir,
  });
  return { run, out, pidFile: join(dir, 'stalls.pid') };
}

/** The pid the stalling case wrote, once it is there. */
function stallingPid(pidFile: string): Promise<string> {
  return waitFor('the stalling case to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8'));
}

describe('a measuring child killed with SIGKILL while it measures', () => {
  it(
    'is recorded failed with the signal, and the run goes on',
    async () => {
      const { run, out, pidFile } = startStalling('fault-child');
      const pid = await stallingPid(pidFile);
      process.kill(Number(pid.trim()), 'SIGKILL');
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(1);
      const result = read(out);
      expect(result.run.complete).toBe(true);
      expect(byCase(result, 'quick')?.status).toBe('ok');
      expect(byCase(result, 'stalls')).toMatchObject({
        status: 'failed',
        reason: expect.stringContaining('killed by SIGKILL'),
      });
      expect(byCase(result, 'after')?.status).toBe('ok');
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('the HTTP target server killed mid-run', () => {
  it(
    'fails the cells that need it from then on, with that reason',
    async () => {
      const { run, out, pidFile } = startStalling('fault-http');
      const pid = await stallingPid(pidFile);
      const server = markedProcesses(run.marker).filter((p) => p.command.includes('http-target-server'));
      expect(server).toHaveLength(1);
      process.kill(server[0].pid, 'SIGKILL');
      // gone for good (its sockets closed) before the stalled job ends and the next one is checked:
      // hasExited, not the marker or a zombie main thread, which come before the sockets close
      await waitFor('the server to be gone', () => hasExited(server[0].pid));
      process.kill(Number(pid.trim()), 'SIGKILL');
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(1);
      const result = read(out);
      expect(byCase(result, 'quick')?.status).toBe('ok');
      expect(byCase(result, 'stalls')?.status).toBe('failed');
      expect(byCase(result, 'after')).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/^http unavailable: the HTTP target server exited \(SIGKILL\) during the run/),
      });
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('the HTTP target server killed while a fork that needs it runs on and reports ok', () => {
  it(
    'fails that fork too: what it measured ran against a service going down',
    async () => {
      const { run, out, pidFile } = startStalling('fault-http-ok');
      await stallingPid(pidFile);
      const server = markedProcesses(run.marker).filter((p) => p.command.includes('http-target-server'));
      process.kill(server[0].pid, 'SIGKILL');
      await waitFor('the server to be gone', () => hasExited(server[0].pid));
      writeFileSync(join(pidFile, '..', 'release'), '');
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(1);
      const stalls = byCase(read(out), 'stalls');
      expect(stalls).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/^http unavailable: .*; it died while this fork ran$/),
      });
      // its samples are kept, as measured
      expect(stalls?.forks[0]?.samples.length).toBeGreaterThan(0);
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('a runtime binary that is gone when its job starts', () => {
  it(
    'is recorded failed with the spawn error, and the other runtimes measure',
    async () => {
      const dir = tempDir('fault-binary');
      const out = join(dir, 'r.json');
      // a "node" that answers the harness's version probe, passes its compatibility probe with the
      // real node, then is gone: the spawn of the measuring process meets ENOENT (the child
      // process 'error' event)
      standIn(
        dir,
        'node',
        `if [ -n "$ASYNCBENCH_PROBE" ]; then rm -f "$0"; exec '${process.execPath}' "$@"; fi`,
        `echo '{"node":"99.0.0","v8":"99.0.0.0"}'`,
      );
      const run = startMarked(
        ['run', FAULTS, '--quick', '--case', 'quick,after', '--runtime', 'node,node@99.0.0', '--json', out],
        { PATH: `${dir}:${process.env.PATH}` },
      );
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(1);
      const result = read(out);
      expect(result.run.complete).toBe(true);
      for (const name of ['quick', 'after']) {
        expect(byCase(result, name)?.status).toBe('ok');
        expect(byCase(result, name, 'node@99.0.0')).toMatchObject({
          status: 'failed',
          // ENOENT from the spawn, or taskset's own words when the micro cell runs pinned
          reason: expect.stringMatching(/cannot start node@99\.0\.0 .*(ENOENT|No such file or directory)/),
        });
      }
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('Ctrl-C twice, and once more while the result is written and services stop', () => {
  it(
    'writes the result file with every finished fork, exits 130 and leaves no process',
    async () => {
      const { run, out, pidFile } = startStalling('fault-sigint');
      await waitFor('the stalling case to start', () => existsSync(pidFile));
      process.kill(run.pid, 'SIGINT');
      process.kill(run.pid, 'SIGINT');
      let exited = false;
      void run.done.then(() => {
        exited = true;
      });
      // the result file is written before the HTTP server is stopped: a third signal lands there
      await waitFor('the result file or the exit', () => existsSync(out) || exited);
      try {
        if (!exited) process.kill(run.pid, 'SIGINT');
      } catch {
        // it exited meanwhile
      }
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(130);
      const result = read(out);
      expect(result.run.complete).toBe(false);
      // every job that finished before the interruption (one progress line each) is in the file
      expect(finishedJobs(stderr)).toBe(1);
      expect(byCase(result, 'quick')?.status).toBe('ok');
      expect(byCase(result, 'stalls')).toBeUndefined();
      expect(existsSync(`${out}.partial.jsonl`)).toBe(false);
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('the harness killed with SIGKILL while its measuring child spins synchronously', () => {
  // the child's own guard is a timer on its event loop, which the spin blocks for good
  it.skipIf(setpriv() === undefined)(
    'takes the child with it: the kernel kills it (setpriv --pdeathsig), on every runtime',
    async () => {
      for (const runtime of ['node', 'deno', 'bun']) {
        const dir = tempDir(`fault-spin-${runtime}`);
        const args = ['run', join(FIXTURES, 'spins.ts'), '--runtime', runtime, '--forks', '1', '--timeout', '600'];
        const run = startMarked([...args, '--json', join(dir, 'r.json')], { ASYNCBENCH_FAULTS_DIR: dir });
        const pidFile = join(dir, 'spins.pid');
        await waitFor(`the ${runtime} child to start spinning`, () => existsSync(pidFile));
        expect(await leftAfterSigkill(run), runtime).toEqual([]);
      }
    },
    FAULT_TEST_MS,
  );
});

/** A `node` of another version on PATH, as a host's own node is: its cells are probed before the run. */
function otherNode(dir: string): string {
  const versions = "JSON.stringify({ ...process.versions, node: '22.99.0' })";
  return standIn(
    join(dir, 'bin'),
    'node',
    `if [ "$1" = -p ]; then exec '${process.execPath}' -p "${versions}"; fi`,
    `exec '${process.execPath}' "$@"`,
  );
}

/** A run whose compatibility probe of a stand-in node@22.99.0 spins for ever; results go to DIR/r.json. */
function spinningProbeRun(dir: string) {
  const args = ['run', join(FIXTURES, 'spins-in-probe.ts'), '--quick', '--runtime', 'node@22.99.0'];
  return startMarked([...args, '--json', join(dir, 'r.json')], {
    ASYNCBENCH_FAULTS_DIR: dir,
    PATH: `${otherNode(dir)}:${process.env.PATH}`,
  });
}

/** That run, once its probe spins. */
async function startSpinningProbe(dir: string) {
  const run = spinningProbeRun(dir);
  await waitFor('the probe to start spinning', () => existsSync(join(dir, 'probe.pid')));
  return run;
}

describe('Ctrl-C while the compatibility probe of a runtime spins in a scenario file', () => {
  // the harness handles signals from before it bundles and probes (it used to die by the default
  // action there: no line, its scratch directory left to the next run)
  it(
    'kills the probe, says interrupted, exits 130 and removes its scratch directory',
    async () => {
      const run = await startSpinningProbe(tempDir('fault-probe'));
      // the run's scratch directory ends in the harness's pid (src/runtimes/debris.ts)
      const scratch = () => projectScratch().filter((n) => new RegExp(`^run-.*\\.${run.pid}\\.`).test(n));
      expect(scratch()).toHaveLength(1);
      const signalled = Date.now();
      process.kill(run.pid, 'SIGINT');
      const { code, stderr } = await run.done;
      // a probe left to spin is killed only at its 60 s timeout, and the run waits for it
      expect(Date.now() - signalled, stderr).toBeLessThan(30_000);
      expect(code, stderr).toBe(130);
      expect(stderr.trim().split('\n').at(-1)).toBe('asyncbench: interrupted');
      expect(scratch()).toEqual([]);
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('the harness killed with SIGKILL while the compatibility probe of a runtime spins', () => {
  it.skipIf(setpriv() === undefined)(
    'takes the probe with it: the kernel kills it (setpriv --pdeathsig)',
    async () => {
      const run = await startSpinningProbe(tempDir('fault-probe-kill'));
      expect(await leftAfterSigkill(run)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('a compatibility probe that never finishes', () => {
  it(
    'gives no verdict: the cells are measured, not skipped as a runtime that cannot load the harness',
    async () => {
      const dir = tempDir('fault-probe-hang');
      const out = join(dir, 'r.json');
      const run = spinningProbeRun(dir);
      // the probe is killed after 60 s (PROBE_TIMEOUT_MS); only the probe spins in this fixture, so
      // the measured cell is ok, where a real hang would time out there and be recorded as such
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(0);
      expect(byCase(read(out), 'fine', 'node@22.99.0')?.status).toBe('ok');
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('the harness killed with SIGKILL while a scenario runs processes of its own', () => {
  it(
    "takes them with it: graceful-shutdown's server and its sidecar",
    async () => {
      const out = join(tempDir('fault-own-processes'), 'r.json');
      const run = startMarked(['run', 'graceful-shutdown', '--quick', '--runtime', 'node', '--json', out]);
      await waitFor("the sidecar of the scenario's server", () =>
        markedProcesses(run.marker).some((p) => p.command.includes('shutdown-sidecar')),
      );
      expect(await leftAfterSigkill(run)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

/**
 * A process a user's code started in its own group: the process that ran the code dies by the
 * kernel's hand (setpriv's parent-death signal: it spins), so nothing of it can kill its group.
 */
const OWN_PROCESS_CASES = [
  {
    where: "a user's scenario runs",
    by: 'measuring child',
    fixture: 'spins-beside-own-process.ts',
    args: (dir: string) => ['--runtime', 'node', '--forks', '1', '--timeout', '600', '--json', join(dir, 'r.json')],
  },
  {
    where: "a scenario file's top level runs",
    by: 'loader',
    fixture: 'spawns-at-load.ts',
    args: () => ['--quick', '--runtime', 'node'],
  },
];

describe.each(OWN_PROCESS_CASES)(
  'the harness killed with SIGKILL while $where a process of its own',
  ({ by, fixture, args }) => {
    it.skipIf(setpriv() === undefined)(
      `takes that process with it: the harness's reaper kills the ${by}'s group`,
      async () => {
        const dir = tempDir('fault-own-process');
        const run = startMarked(['run', join(FIXTURES, fixture), ...args(dir)], { ASYNCBENCH_FAULTS_DIR: dir });
        await waitFor(`the ${by}'s own process to start`, () => existsSync(join(dir, 'own.pid')));
        expect(await leftAfterSigkill(run)).toEqual([]);
      },
      FAULT_TEST_MS,
    );
  },
);
