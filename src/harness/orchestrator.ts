/**
 * The orchestrating process (pyperf's split): it plans, spawns one fresh runtime process per
 * measured job, enforces the timeout, records every outcome as it arrives, and on Ctrl-C stops
 * its children and services and keeps every finished result.
 */

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultJournal } from '../result/io.js';
import { forkId } from '../result/journal.js';
import { redactText } from '../result/redact.js';
import type { ForkRecord, ResultEntry } from '../result/schema.js';
import { type RuntimeExecutable, runtimeCommand } from '../runtimes/discover.js';
import { spawnGuarded } from '../runtimes/group-reaper.js';
import { execFailure } from '../runtimes/parent-guard.js';
import type { ChildHandle, RuntimeAdapter } from '../runtimes/types.js';
import type { JobServices } from '../services/each.js';
import { aggregate } from './aggregate.js';
import { DIST_DIR, PROJECT_ROOT } from './catalog.js';
import { type Calibration, CHILD_PROTOCOL, type ChildJob, type ChildOutcome, calibrationOf, JOB_ENV } from './job.js';
import { pinnable, pinPrefix } from './pin.js';
import type { Cell, Job } from './plan.js';

export interface Budgets {
  engine: 'mitata' | 'tinybench';
  quick: boolean;
  microBudgetMs: number;
  microWarmupMs: number;
  microMaxWarmupMs: number;
  /** micro: the length a batched sample aims at; micro.ts's SAMPLE_MS when undefined (studies set it) */
  microSampleMs?: number;
  warmupMs: number;
  durationMs: number;
  repetitions: number;
  timeoutMs: number;
  /** the CPU the measuring process of a pinnable cell is pinned to (pin.ts); none when undefined */
  pinCpu?: number;
}

export interface JobEvents {
  jobStarted(job: Job, index: number): void;
  jobFinished(job: Job, index: number, record: ForkRecord): void;
}

const STDERR_TAIL = 300;
/** node's exit code for a top-level await that can never settle */
const UNSETTLED_AWAIT = 13;

function lastLines(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines.slice(-2).join(' | ').slice(-STDERR_TAIL);
}

/** How a child process ended: its exit, whether the timeout killed it, its stderr (the tail kept). */
interface ChildEnd {
  exit: Awaited<ChildHandle['exited']>;
  timedOut: boolean;
  stderr: string;
}

/**
 * Runs `argv` (a runtime on a tree's dist/child.js) with `childJob`, as a guarded leader of its own
 * process group (spawnGuarded), SIGKILLs it past `timeoutMs`, and once it has exited kills its
 * group: whatever it started (servers, workers' processes) dies with it. Throws when it cannot be
 * started (the runtime's binary missing or not executable).
 */
async function runToEnd(
  runtime: RuntimeAdapter,
  argv: readonly string[],
  { env, cwd }: { env: Record<string, string>; cwd: string },
  childJob: ChildJob,
  { timeoutMs, track }: { timeoutMs: number; track?: (child: ChildHandle | null) => void },
): Promise<ChildEnd> {
  const { child, release } = spawnGuarded(runtime, argv, {
    env: { ...env, [JOB_ENV]: JSON.stringify(childJob) },
    cwd,
    stdout: 'ignore',
    stderr: 'pipe',
  });
  track?.(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  try {
    // rejects on the 'error' event: the binary is missing or not executable, nothing was started
    const exit = await child.exited;
    child.kill('SIGKILL');
    return { exit, timedOut, stderr: child.stderr() };
  } finally {
    clearTimeout(timer);
    track?.(null);
    release();
  }
}

/** Runs one job's child: a fresh process of its runtime; returns what it measured, or why it did not. */
async function runChild(
  runtime: RuntimeAdapter,
  job: Job,
  childJob: ChildJob,
  { timeoutMs, cpu }: { timeoutMs: number; cpu: number | undefined },
  track: (child: ChildHandle | null) => void,
): Promise<ForkRecord> {
  const script = job.root ? join(job.root, 'dist', 'child.js') : fileURLToPath(new URL('child.js', DIST_DIR));
  const direct = runtimeCommand(job.cell.runtime, script, [], job.seed);
  // for the fork-stability study only (scripts/study): a command the child runs under, e.g. `setarch -R`
  const studied = (runtime.env('ASYNCBENCH_CHILD_PREFIX') ?? '').split(' ').filter(Boolean);
  const argv = [...studied, ...pinPrefix(cpu), direct.command, ...direct.args];
  const t0 = runtime.now();
  const cannotStart = (error: unknown): ForkRecord => ({
    status: 'failed',
    reason: `cannot start ${job.cell.runtime.label} (${direct.command}): ${(error as Error).message ?? String(error)}`,
    samples: [],
    wallMs: runtime.now() - t0,
  });
  let ended: ChildEnd;
  try {
    ended = await runToEnd(runtime, argv, { env: direct.env, cwd: job.root ?? fileURLToPath(PROJECT_ROOT) }, childJob, {
      timeoutMs,
      track,
    });
  } catch (error) {
    return cannotStart(error);
  }
  const { exit, timedOut, stderr } = ended;
  const wallMs = runtime.now() - t0;
  if (timedOut)
    return { status: 'timeout', reason: `no result within ${timeoutMs / 1000} s; process killed`, samples: [], wallMs };
  const outcome = readOutcome(childJob.outcomePath);
  if (outcome)
    return {
      ...outcome,
      wallMs,
      ...(job.seed === undefined ? {} : { seed: job.seed }),
      ...(cpu === undefined ? {} : { cpu }),
    };
  const execFailed = execFailure(exit.code, stderr);
  if (execFailed) return cannotStart(new Error(execFailed));
  // node ends a process whose top-level await nothing is left to settle (no timer, socket or
  // message pending) with exit 13; its stderr names only the line of that await in child.js
  if (exit.code === UNSETTLED_AWAIT && job.cell.runtime.name === 'node')
    return {
      status: 'failed',
      reason: `${job.cell.runtime.label} exited with code 13: the case awaited a promise nothing was left to settle (no timer, I/O or message pending)`,
      samples: [],
      wallMs,
    };
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return {
    status: 'failed',
    reason: `${job.cell.runtime.label} ${how} before reporting: ${lastLines(stderr) || 'no output'}`,
    samples: [],
    wallMs,
  };
}

/**
 * Secrets never enter a result: a reason may quote a connection string or a child's stderr, and a
 * scenario names the figures it records (ctx.record) as it likes.
 */
function redacted(record: ForkRecord): ForkRecord {
  const { reason, extra } = record;
  return {
    ...record,
    ...(reason === undefined ? {} : { reason: redactText(reason) }),
    ...(extra === undefined
      ? {}
      : {
          extra: Object.fromEntries(
            Object.entries(extra).map(([name, figure]) => [
              redactText(name),
              { ...figure, unit: redactText(figure.unit) },
            ]),
          ),
        }),
  };
}

/** A required service that is down (failed to start, or died during the run), with why. */
function downService(job: Job, services: JobServices): string | undefined {
  const name = job.cell.scenario.requires.find((r) => r in services.unavailable);
  return name && `${name} unavailable: ${services.unavailable[name]}`;
}

/**
 * The child's outcome. The file goes as soon as it is read: its reason is the case's own, not yet
 * redacted (a DATABASE_URL password), and a harness killed by SIGKILL left it in its build
 * directory until the next run.
 */
function readOutcome(path: string): ChildOutcome | null {
  if (!existsSync(path)) return null;
  const line = readFileSync(path, 'utf8').trim().split('\n')[0];
  rmSync(path, { force: true });
  try {
    return JSON.parse(line) as ChildOutcome;
  } catch {
    return null;
  }
}

/**
 * Measures one job: the child gets the cell's batch and warm-up (absent for the fork that calibrates them) and
 * the services' addresses. A required service that is down fails the job without a process; one
 * that died while the job ran is named as the cause of its failure.
 */
async function runFork(
  runtime: RuntimeAdapter,
  job: Job,
  budgets: Budgets,
  services: JobServices,
  fork: Calibration & { outcomePath: string; duet?: ChildJob['duet'] },
  track: (child: ChildHandle | null) => void,
): Promise<ForkRecord> {
  // a runtime too old for this cell (compat.ts) is not started
  if (job.cell.skip) return { status: 'skipped', reason: job.cell.skip, samples: [], wallMs: 0 };
  // a dead service is found before the job that needs it, not by the job's failure
  if (job.cell.scenario.requires.length > 0) await services.ensure?.(job.cell.scenario.requires);
  const down = downService(job, services);
  if (down) return { status: 'failed', reason: down, samples: [], wallMs: 0 };
  const childJob: ChildJob = {
    protocol: CHILD_PROTOCOL,
    module: job.cell.scenario.module,
    scenario: job.cell.scenario.id,
    caseName: job.cell.caseName,
    params: job.cell.params,
    quick: budgets.quick,
    engine: budgets.engine,
    microBudgetMs: budgets.microBudgetMs,
    microWarmupMs: budgets.microWarmupMs,
    microMaxWarmupMs: budgets.microMaxWarmupMs,
    ...(budgets.microSampleMs === undefined ? {} : { microSampleMs: budgets.microSampleMs }),
    batch: fork.batch,
    warmupCalls: fork.warmupCalls,
    ...(fork.duet ? { duet: fork.duet } : {}),
    warmupMs: budgets.warmupMs,
    durationMs: budgets.durationMs,
    repetitions: budgets.repetitions,
    services: services.services,
    outcomePath: fork.outcomePath,
  };
  const cpu = pinnable(job.cell) ? budgets.pinCpu : undefined;
  const record = await runChild(runtime, job, childJob, { timeoutMs: budgets.timeoutMs, cpu }, track);
  // a service that died while the job ran is the cause of its failure, and an "ok" of that job
  // measured (or verified against) a service going down: its samples are kept, not trusted
  const diedMeanwhile = downService(job, services);
  if (!diedMeanwhile) return redacted(record);
  if (record.status !== 'ok') return redacted({ ...record, reason: `${diedMeanwhile}; ${record.reason ?? ''}` });
  return redacted({ ...record, status: 'failed', reason: `${diedMeanwhile}; it died while this fork ran` });
}

/**
 * Measures a pair's two jobs as one duet (src/measure/duet.ts): one process of this build's child
 * loads both sides' scenario modules, so the measuring loop is the same whatever the revisions.
 * Returns the records of `job` and `twin`; undefined when the duet failed, timed out or was skipped
 * as a whole, which does not say which side did (the caller runs the sides apart, ab.ts).
 */
async function runDuetFork(
  runtime: RuntimeAdapter,
  pair: { job: Job; twin: Job; twinFirst: boolean },
  budgets: Budgets,
  services: JobServices,
  fork: Calibration & { outcomePath: string },
  track: (child: ChildHandle | null) => void,
): Promise<[ForkRecord, ForkRecord] | undefined> {
  const duet = { module: pair.twin.cell.scenario.module, first: pair.twinFirst };
  const { root: _, ...own } = pair.job;
  const record = await runFork(runtime, own, budgets, services, { ...fork, duet }, track);
  const { partner, ...mine } = record as ForkRecord & { partner?: ChildOutcome };
  if (!partner) return undefined;
  const shared = { wallMs: mine.wallMs, seed: mine.seed, cpu: mine.cpu, duet: true as const };
  return [{ ...mine, duet: true }, redacted({ ...partner, ...shared })];
}

/**
 * The child protocol version the tree at `root` speaks: its dist/child.js answers a `hello` job.
 * Undefined when it cannot say (a child older than the protocol, or no child at all).
 */
export async function childProtocol(
  runtime: RuntimeAdapter,
  root: string,
  rt: RuntimeExecutable,
  outcomePath: string,
  timeoutMs = 30_000,
): Promise<number | undefined> {
  mkdirSync(dirname(outcomePath), { recursive: true });
  const hello = { protocol: CHILD_PROTOCOL, hello: true, outcomePath } as ChildJob;
  const { command, args, env } = runtimeCommand(rt, join(root, 'dist', 'child.js'));
  await runToEnd(runtime, [command, ...args], { env, cwd: root }, hello, { timeoutMs });
  return readOutcome(outcomePath)?.protocol;
}

/**
 * What a run and an A/B session do alike for each fork: run it with its cell's calibration (the
 * first fork that calibrates a cell hands its batch and warm-up to the cell's others, every runtime
 * and side), its child writing the outcome into `tmpDir`; and on stop() kill the child that runs.
 */
export class ForkRunner {
  stopped = false;
  private current: ChildHandle | null = null;
  private readonly calibrations = new Map<string, Calibration>();
  private readonly track = (child: ChildHandle | null) => {
    this.current = child;
  };

  constructor(
    private readonly runtime: RuntimeAdapter,
    private readonly budgets: Budgets,
    private readonly services: JobServices,
    /** where the outcome files go: made by the caller */
    private readonly tmpDir: string,
  ) {}

  /** measures the job numbered `index` of the session */
  run(job: Job, index: number): Promise<ForkRecord> {
    return runFork(this.runtime, job, this.budgets, this.services, this.forkOf(job, index), this.track);
  }

  /** measures a pair's two jobs in one process (runDuetFork) */
  runDuet(pair: Parameters<typeof runDuetFork>[1], index: number): ReturnType<typeof runDuetFork> {
    return runDuetFork(this.runtime, pair, this.budgets, this.services, this.forkOf(pair.job, index), this.track);
  }

  /** a finished fork's record, which calibrates its cell if it was the one to */
  calibrated(job: Job, record: ForkRecord): void {
    const calibration = calibrationOf(record);
    if (calibration) this.calibrations.set(job.cell.group, calibration);
  }

  stop(): void {
    this.stopped = true;
    this.current?.kill('SIGKILL');
  }

  private forkOf(job: Job, index: number): Calibration & { outcomePath: string } {
    return { ...this.calibrations.get(job.cell.group), outcomePath: join(this.tmpDir, `${index}.json`) };
  }
}

export interface Execution {
  entries: ResultEntry[];
  interrupted: boolean;
}

/**
 * Executes the jobs in order. `stop()` of the returned controller (wired to SIGINT/SIGTERM by the
 * caller) kills the running child and ends the loop; finished forks are kept.
 */
export function executeJobs(
  runtime: RuntimeAdapter,
  jobs: Job[],
  budgets: Budgets,
  services: JobServices,
  journal: ResultJournal,
  events: JobEvents,
  tmpDir: string,
  /** forks a resumed run keeps (forkId -> record): they are not measured again */
  kept: ReadonlyMap<string, ForkRecord> = new Map(),
): { done: Promise<Execution>; stop(): void } {
  mkdirSync(tmpDir, { recursive: true });
  const runner = new ForkRunner(runtime, budgets, services, tmpDir);
  const forks = new Map<string, { cell: Cell; records: ForkRecord[] }>();
  const add = (job: Job, record: ForkRecord) => {
    const slot = forks.get(job.cell.key) ?? { cell: job.cell, records: [] };
    slot.records.push(record);
    forks.set(job.cell.key, slot);
    runner.calibrated(job, record);
  };
  const done = (async () => {
    // a resumed run's journal holds the kept forks too, so it alone is enough to resume again
    journal.appendAll(
      jobs.flatMap((job) => {
        const record = kept.get(forkId(job.cell.key, job.fork));
        return record ? [{ key: job.cell.key, fork: job.fork, record }] : [];
      }),
    );
    // in the planned order, kept forks in their place: the entries and their statistics are those
    // an uninterrupted run would have made, and a kept calibration hands its batch and warm-up on
    for (const [index, job] of jobs.entries()) {
      const keptRecord = kept.get(forkId(job.cell.key, job.fork));
      if (keptRecord) {
        add(job, keptRecord);
        continue;
      }
      if (runner.stopped) continue;
      events.jobStarted(job, index);
      const record = await runner.run(job, index);
      if (runner.stopped) continue; // killed by the interruption: not a result
      add(job, record);
      journal.append({ key: job.cell.key, fork: job.fork, record });
      events.jobFinished(job, index, record);
    }
    const entries = [...forks.values()].map(({ cell, records }) => aggregate(cell, records));
    return { entries, interrupted: runner.stopped };
  })();
  return { done, stop: () => runner.stop() };
}
