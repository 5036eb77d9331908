// Faults of the harness itself and of its services, on real processes: SIGKILL of the
// orchestrator (no child, HTTP server or PostgreSQL outlives it; `--resume` keeps every finished
// fork and measures only the rest; a corrupt journal or another plan is refused in one line), and
// PostgreSQL killed mid-run (only the cells that need it fail, with that reason).
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/result/estimator.js';
import type { ResultFile } from '../../src/result/schema.js';
import { silentServer } from '../support/silent-server.js';
import {
  FAULT_TEST_MS,
  FIXTURES,
  finishedJobs,
  journalRecords,
  leftAfter,
  type MarkedRun,
  markedProcesses,
  ROOT,
  removeSegmentsOf,
  segmentsOf,
  startMarked,
  tempDir,
  waitFor,
} from './support.js';

const SERVICES = join(FIXTURES, 'faults-services.ts');
const KNOWN_COST = join(FIXTURES, 'known-cost.ts');

/** A field of /proc/PID/stat after the command (1: the parent, 2: the process group); 0 once gone. */
function statField(pid: number, field: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[field]);
  } catch {
    return 0;
  }
}

const parentPid = (pid: number) => statField(pid, 1);
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('SIGKILL of the orchestrator, then --resume', () => {
  it(
    'leaves no process, keeps every finished fork and measures only the rest',
    async () => {
      const dir = tempDir('fault-resume');
      const out = join(dir, 'r.json');
      const journal = `${out}.partial.jsonl`;
      // 2 cells x 3 forks, with PostgreSQL and the HTTP target server running
      const args = ['run', SERVICES, '--case', 'before,after', '--forks', '3', '--runtime', 'node', '--json', out];
      const first = startMarked(args);
      await waitFor('two finished forks in the journal', () => journalRecords(journal).size >= 2);
      // the services and a measuring child are up: all of them must go with the orchestrator
      const started = markedProcesses(first.marker).map((p) => p.command);
      expect(started.some((c) => c.includes('http-target-server'))).toBe(true);
      expect(started.some((c) => /\bpostgres\b/.test(c))).toBe(true);
      process.kill(first.pid, 'SIGKILL');
      await first.done;
      // a killed run cannot remove what it made: its build directory (.tmp/run-<its id>.<host>.<pid>.*,
      // its id in the journal's header) and PostgreSQL's temporary directory (the postmaster's -D);
      // the next run removes both (checked below, after the resumed run)
      const { runId } = JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]) as { runId: string };
      const buildDirs = () => readdirSync(join(ROOT, '.tmp')).filter((name) => name.startsWith(`run-${runId}.`));
      const pgDirs = started.flatMap((c) => /\/postgres -D (\S+)\/data /.exec(c)?.[1] ?? []);
      expect(buildDirs()).toHaveLength(1);
      expect(pgDirs).toHaveLength(1);
      expect(pgDirs.filter((d) => existsSync(d))).toEqual(pgDirs);
      expect(await leftAfter(first.marker)).toEqual([]);
      expect(existsSync(out)).toBe(false);

      const kept = journalRecords(journal);
      expect(kept.size).toBeGreaterThanOrEqual(2);
      // a crash while writing a line leaves it cut short: that line is ignored, not the journal
      appendFileSync(journal, '{"key":"faults-services/after//node","fork":2,"rec');

      // a corrupt journal and another plan are refused with one line, exit 2, before measuring
      const corruptDir = join(dir, 'corrupt');
      mkdirSync(corruptDir);
      const lines = readFileSync(journal, 'utf8').split('\n');
      writeFileSync(join(corruptDir, 'r.json.partial.jsonl'), [lines[0], 'garbage', ...lines.slice(1)].join('\n'));
      const corrupt = await startMarked([
        ...args.slice(0, -1),
        join(corruptDir, 'r.json'),
        '--resume',
        join(corruptDir, 'r.json'),
      ]).done;
      expect(corrupt.code).toBe(2);
      expect(oneLine(corrupt.stderr)).toEqual([expect.stringMatching(/not a usable journal: line 2 is not JSON/)]);
      const otherDir = join(dir, 'other');
      mkdirSync(otherDir);
      copyFileSync(journal, join(otherDir, 'r.json.partial.jsonl'));
      const otherArgs = args.map((a) => (a === '3' ? '2' : a === out ? join(otherDir, 'r.json') : a));
      const other = await startMarked([...otherArgs, '--resume', join(otherDir, 'r.json')]).done;
      expect(other.code).toBe(2);
      expect(oneLine(other.stderr)).toEqual([
        expect.stringMatching(/not the plan of the interrupted run .*--forks: 3 vs 2/),
      ]);

      // interrupted while its services start, a resumed run measures nothing more and still writes
      // every fork it kept (it used to write none and delete the journal that held them)
      const early = startMarked([...args, '--resume', out]);
      await waitFor('the HTTP target server of the resumed run', () =>
        markedProcesses(early.marker).some((p) => p.command.includes('http-target-server')),
      );
      process.kill(early.pid, 'SIGINT');
      const interrupted = await early.done;
      expect(interrupted.code, interrupted.stderr).toBe(130);
      expect(await leftAfter(early.marker)).toEqual([]);
      expect(buildDirs()).toEqual([]);
      expect(pgDirs.filter((d) => existsSync(d))).toEqual([]);
      const partial = read(out);
      expect(partial.run.complete).toBe(false);
      for (const [id, record] of kept) {
        const key = id.slice(id.indexOf('/') + 1);
        const forks = partial.results.find((e) => e.key === key)?.forks ?? [];
        expect(forks.map((f) => f.samples)).toContainEqual(record.samples);
      }

      const second = startMarked([...args, '--resume', out]);
      const { code, stderr } = await second.done;
      expect(code, stderr).toBe(0);
      expect(await leftAfter(second.marker)).toEqual([]);
      const result = read(out);
      expect(result.run.complete).toBe(true);
      expect(result.results.map((e) => [e.case, e.status, e.forks.length])).toEqual([
        ['before', 'ok', 3],
        ['after', 'ok', 3],
      ]);
      // the finished forks are in the file unchanged, and only the missing ones were measured
      for (const [id, record] of kept) {
        const [fork, key] = [Number(id.split('/')[0]), id.slice(id.indexOf('/') + 1)];
        expect(result.results.find((e) => e.key === key)?.forks[fork].samples).toEqual(record.samples);
      }
      expect(finishedJobs(stderr)).toBe(6 - kept.size);
      // the timing is this invocation's: the forks it kept were measured before
      expect(result.run.timing?.jobs).toBe(6 - kept.size);
      // the statistics are those of the fork records, in fork order, as an uninterrupted run's
      for (const e of result.results) expect(e.stats).toEqual(summarize(e.forks.map((f) => f.samples)));
      expect(existsSync(journal)).toBe(false);
    },
    FAULT_TEST_MS,
  );
});

describe('PostgreSQL killed mid-run', () => {
  it(
    'fails only the cells that need it, with that reason, and the run goes on',
    async () => {
      const dir = tempDir('fault-pg');
      const out = join(dir, 'r.json');
      const run = startMarked(
        [
          'run',
          SERVICES,
          KNOWN_COST,
          '--case',
          'before,loses-db,after,empty',
          '--param',
          'us=0',
          '--quick',
          '--runtime',
          'node',
          '--json',
          out,
        ],
        { ASYNCBENCH_FAULTS_DIR: dir },
      );
      await waitFor('the case that loses the database to start', () => existsSync(join(dir, 'loses-db.started')));
      // the postmaster, not a backend it just forked (which shows its parent's command line at first),
      // nor one that was gone by the time its parent was read (a liveness probe's backend exits at
      // once: parentPid 0, which counted it as a second postmaster)
      const servers = markedProcesses(run.marker).filter((p) => /\/postgres -D /.test(p.command));
      const postmaster = servers.filter((p) => {
        const parent = parentPid(p.pid);
        return parent !== 0 && !servers.some((q) => q.pid === parent);
      });
      expect(postmaster).toHaveLength(1);
      process.kill(postmaster[0].pid, 'SIGKILL');
      try {
        const { code, stderr } = await run.done;
        expect(code, stderr).toBe(1);
        const result = read(out);
        const status = (c: string) => result.results.find((e) => e.case === c);
        expect(status('before')?.status).toBe('ok');
        expect(status('loses-db')?.status).toBe('failed');
        expect(status('after')).toMatchObject({
          status: 'failed',
          reason: expect.stringMatching(/^postgres unavailable: PostgreSQL exited \(SIGKILL\) during the run/),
        });
        expect(status('empty')?.status).toBe('ok');
        expect(result.config.unavailable?.postgres).toMatch(/PostgreSQL exited/);
        expect(await leftAfter(run.marker)).toEqual([]);
        // killed with SIGKILL, it left its SysV shared memory segment: the harness removed it
        expect(segmentsOf(postmaster[0].pid)).toEqual([]);
      } finally {
        // in a finally: a failed assertion must not leave it on the machine
        removeSegmentsOf(postmaster[0].pid);
      }
    },
    FAULT_TEST_MS,
  );
});

describe("a terminal's Ctrl-C, which reaches the harness's whole process group", () => {
  it(
    'stops PostgreSQL through the harness, after the result file is written: the file says the run was interrupted, not that the server died',
    async () => {
      const dir = tempDir('fault-pg-ctrl-c');
      const out = join(dir, 'r.json');
      const args = ['run', SERVICES, '--case', 'before,loses-db,after', '--quick', '--runtime', 'node', '--json', out];
      // in a group of its own, as a terminal's foreground job, so SIGINT can go to the whole group
      const run = startMarked(args, { ASYNCBENCH_FAULTS_DIR: dir }, undefined, true);
      await waitFor('the case that waits on the database to start', () => existsSync(join(dir, 'loses-db.started')));
      // the server is out of the signal's reach: in a group of its own (it shut down at once, before
      // the file was written, whenever the harness took a moment to write it)
      const groups = markedProcesses(run.marker)
        .filter((p) => /\/postgres -D /.test(p.command))
        .map((p) => statField(p.pid, 2));
      process.kill(-run.pid, 'SIGINT');
      const { code, stderr } = await run.done;
      expect(groups.length).toBeGreaterThan(0);
      expect(groups).not.toContain(run.pid);
      expect(code, stderr).toBe(130);
      const result = read(out);
      expect(result.run.complete).toBe(false);
      expect(result.results.find((e) => e.case === 'before')?.status).toBe('ok');
      // the harness stopped the server after writing the file: no death of it during the run recorded
      expect(result.config.unavailable?.postgres).toBeUndefined();
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('SIGTERM while the services stop after a finished run', () => {
  it(
    "exits with the run's own code, as the file it wrote says the run is complete, and leaves no process",
    async () => {
      const dir = tempDir('fault-term-stop');
      const out = join(dir, 'r.json');
      const run = startMarked(['run', SERVICES, '--case', 'before', '--quick', '--runtime', 'node', '--json', out]);
      // the file is written before PostgreSQL and the HTTP server stop, which takes a while
      await waitFor('the result file', () => existsSync(out));
      const stopping = markedProcesses(run.marker).some((p) => /\/postgres -D /.test(p.command));
      if (stopping) process.kill(run.pid, 'SIGTERM');
      const { code, stderr } = await run.done;
      expect(read(out).run.complete).toBe(true);
      expect(code, stderr).toBe(0);
      expect(stderr).not.toMatch(/interrupted/);
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('a DATABASE_URL server that accepts the connection and never answers', () => {
  it(
    'fails the cells that need it after the setup timeout, with the reason and no password; the run goes on',
    async () => {
      const { server: silent, port } = await silentServer();
      try {
        const out = join(tempDir('fault-silent-db'), 'r.json');
        const args = ['run', SERVICES, KNOWN_COST, '--case', 'before,empty', '--param', 'us=0', '--quick'];
        const run = startMarked([...args, '--runtime', 'node', '--json', out], {
          DATABASE_URL: `postgres://bench:hunter2@127.0.0.1:${port}/db`,
        });
        const { code, stdout, stderr } = await run.done;
        expect(code, stderr).toBe(1);
        const result = read(out);
        expect(result.results.find((e) => e.case === 'before')).toMatchObject({
          status: 'failed',
          reason: expect.stringMatching(
            /^postgres unavailable: no answer from postgres:\/\/bench@127\.0\.0\.1:\d+\/db within 10 s/,
          ),
        });
        expect(result.results.find((e) => e.case === 'empty')?.status).toBe('ok');
        expect(`${stdout}${stderr}${readFileSync(out, 'utf8')}`).not.toContain('hunter2');
        expect(await leftAfter(run.marker)).toEqual([]);
      } finally {
        silent.close();
      }
    },
    FAULT_TEST_MS,
  );
});

describe('Ctrl-C while a DATABASE_URL server that never answers is being set up', () => {
  it(
    'ends the run at once (not after the 10 s setup timeout): exit 130, the interrupted line, no process left',
    async () => {
      const silent = await silentServer();
      try {
        const out = join(tempDir('fault-silent-db-sigint'), 'r.json');
        const run = startMarked(['run', SERVICES, '--case', 'before', '--quick', '--runtime', 'node', '--json', out], {
          DATABASE_URL: `postgres://bench:hunter2@127.0.0.1:${silent.port}/db`,
        });
        // the setup's connection is open and waiting for an answer that never comes
        await silent.connected;
        process.kill(run.pid, 'SIGINT');
        const { code, stderr } = await run.done;
        expect(code, stderr).toBe(130);
        expect(stderr).toContain('asyncbench: interrupted; finished results kept in the result file');
        const result = read(out);
        expect(result.run.complete).toBe(false);
        // a run that waited out the setup's own 10 s timeout records that timeout here, not the interrupt
        expect(result.config.unavailable?.postgres).toMatch(/interrupted/);
        expect(await leftAfter(run.marker)).toEqual([]);
      } finally {
        silent.server.close();
      }
    },
    FAULT_TEST_MS,
  );
});

/** A run of the 'before' case whose embedded PostgreSQL's initdb is under way; its temporary directory. */
async function embeddedSetupUnderWay(name: string): Promise<{ run: MarkedRun; out: string; pgDir: string }> {
  const out = join(tempDir(name), 'r.json');
  const run = startMarked(['run', SERVICES, '--case', 'before', '--quick', '--runtime', 'node', '--json', out]);
  const initdb = await waitFor('initdb of the embedded PostgreSQL', () =>
    markedProcesses(run.marker).find((p) => /\binitdb\b/.test(p.command)),
  );
  const pgDir = /--pgdata=(\S+)\/data\b/.exec(initdb.command)?.[1];
  expect(pgDir).toBeDefined();
  return { run, out, pgDir: pgDir as string };
}

describe('Ctrl-C while the embedded PostgreSQL is being set up', () => {
  it(
    'stops initdb and its backend and starts no server: exit 130, the interrupted line, its directory removed, no process left',
    async () => {
      const { run, out, pgDir } = await embeddedSetupUnderWay('fault-pg-start-sigint');
      // initdb's own postgres backend (bootstrap, then single-user mode) is at work
      const backends = new Set<number>();
      const servers = new Set<number>();
      const seen = () => {
        for (const p of markedProcesses(run.marker)) {
          if (/\/postgres"? --(boot|single)\b/.test(p.command)) backends.add(p.pid);
          // a start that went on after the signal brings up the server and seeds it, then stops it
          if (/\/postgres -D /.test(p.command)) servers.add(p.pid);
        }
        return backends.size > 0;
      };
      await waitFor("initdb's postgres backend", seen);
      process.kill(run.pid, 'SIGINT');
      const watch = setInterval(seen, 20);
      try {
        const { code, stderr } = await run.done.finally(() => clearInterval(watch));
        // killed with initdb's process group, not left to end when it reads EOF
        const atExit = markedProcesses(run.marker).filter((p) => /\bpostgres\b/.test(p.command));
        expect(code, stderr).toBe(130);
        expect(stderr).toContain('asyncbench: interrupted; finished results kept in the result file');
        expect(read(out).config.unavailable?.postgres).toMatch(/interrupted/);
        expect([...servers]).toEqual([]);
        expect(atExit).toEqual([]);
        // ended by a signal it handles: a backend killed with SIGKILL leaves its SysV segment for good
        expect([...backends].flatMap(segmentsOf)).toEqual([]);
        expect(await leftAfter(run.marker)).toEqual([]);
        expect(existsSync(pgDir)).toBe(false);
      } finally {
        // a backend SIGKILLed left its segment: a failed assertion must not leave it on the machine
        for (const backend of backends) removeSegmentsOf(backend);
      }
    },
    FAULT_TEST_MS,
  );
});

describe('SIGKILL of the harness while the embedded PostgreSQL is being set up', () => {
  it(
    'stops initdb too (its parent-death signal): initdb removes its data directory, nothing is left',
    async () => {
      const { run, pgDir } = await embeddedSetupUnderWay('fault-pg-start-sigkill');
      const backends = new Set<number>();
      const seen = () => {
        for (const p of markedProcesses(run.marker)) {
          if (/\/postgres"? --(boot|single)\b/.test(p.command)) backends.add(p.pid);
        }
      };
      // at once, while initdb is in its first stages: no handler of the harness runs
      process.kill(run.pid, 'SIGKILL');
      const watch = setInterval(seen, 20);
      try {
        await run.done;
        // orphaned, initdb ran on to its end and left a complete data directory behind
        expect(await leftAfter(run.marker)).toEqual([]);
        expect(existsSync(join(pgDir, 'data'))).toBe(false);
        expect([...backends].flatMap(segmentsOf)).toEqual([]);
      } finally {
        clearInterval(watch);
        for (const backend of backends) removeSegmentsOf(backend);
        // the harness, killed, could not remove it (the next run's removeDebris would)
        rmSync(pgDir, { recursive: true, force: true });
      }
    },
    FAULT_TEST_MS,
  );
});
