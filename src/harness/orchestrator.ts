/**
 * The orchestrating process (pyperf's split): it plans, spawns one fresh runtime process per
 * measured job, enforces the timeout, records every outcome as it arrives, and on Ctrl-C stops
 * its children and services and keeps every finished result.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultJournal } from '../result/io.js';
import type { ForkRecord, ResultEntry } from '../result/schema.js';
import { runtimeCommand } from '../runtimes/discover.js';
import type { ChildHandle, RuntimeAdapter } from '../runtimes/types.js';
import type { JobServices } from '../services/each.js';
import { aggregate } from './aggregate.js';
import { DIST_DIR, PROJECT_ROOT } from './catalog.js';
import { type ChildJob, type ChildOutcome, JOB_ENV } from './job.js';
import type { Cell, Job } from './plan.js';

export interface Budgets {
  engine: 'mitata' | 'tinybench';
  quick: boolean;
  microBudgetMs: number;
  warmupMs: number;
  durationMs: number;
  repetitions: number;
  timeoutMs: number;
}

export interface JobEvents {
  jobStarted(job: Job, index: number): void;
  jobFinished(job: Job, index: number, record: ForkRecord): void;
}

const STDERR_TAIL = 300;

function lastLines(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines.slice(-2).join(' | ').slice(-STDERR_TAIL);
}

/** Runs one job in a fresh process of its runtime and returns what it measured, or why it did not. */
async function runJob(
  runtime: RuntimeAdapter,
  job: Job,
  childJob: ChildJob,
  timeoutMs: number,
  track: (child: ChildHandle | null) => void,
): Promise<ForkRecord> {
  const script = fileURLToPath(new URL('child.js', DIST_DIR));
  const { command, args, env } = runtimeCommand(job.cell.runtime, script);
  const t0 = runtime.now();
  const child = runtime.spawn(command, args, {
    env: { ...env, [JOB_ENV]: JSON.stringify(childJob) },
    cwd: fileURLToPath(PROJECT_ROOT),
    stdout: 'ignore',
    stderr: 'pipe',
    group: true,
  });
  track(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  track(null);
  // whatever the child started (servers, workers' processes) dies with its group
  child.kill('SIGKILL');
  const wallMs = runtime.now() - t0;
  if (timedOut)
    return { status: 'timeout', reason: `no result within ${timeoutMs / 1000} s; process killed`, samples: [], wallMs };
  const outcome = readOutcome(childJob.outcomePath);
  if (outcome) return { ...outcome, wallMs };
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return {
    status: 'failed',
    reason: `${job.cell.runtime.label} ${how} before reporting: ${lastLines(child.stderr()) || 'no output'}`,
    samples: [],
    wallMs,
  };
}

function readOutcome(path: string): ChildOutcome | null {
  if (!existsSync(path)) return null;
  const line = readFileSync(path, 'utf8').trim().split('\n')[0];
  try {
    return JSON.parse(line) as ChildOutcome;
  } catch {
    return null;
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
): { done: Promise<Execution>; stop(): void } {
  let stopped = false;
  let current: ChildHandle | null = null;
  mkdirSync(tmpDir, { recursive: true });
  const forks = new Map<string, { cell: Cell; records: ForkRecord[] }>();
  const done = (async () => {
    for (const [index, job] of jobs.entries()) {
      if (stopped) break;
      events.jobStarted(job, index);
      const childJob: ChildJob = {
        module: job.cell.scenario.module,
        scenario: job.cell.scenario.id,
        caseName: job.cell.caseName,
        params: job.cell.params,
        quick: budgets.quick,
        engine: budgets.engine,
        microBudgetMs: budgets.microBudgetMs,
        warmupMs: budgets.warmupMs,
        durationMs: budgets.durationMs,
        repetitions: budgets.repetitions,
        services: services.services,
        outcomePath: join(tmpDir, `${index}.json`),
      };
      const missing = job.cell.scenario.requires.find((r) => r in services.unavailable);
      const record: ForkRecord = job.cell.skip
        ? { status: 'skipped', reason: job.cell.skip, samples: [], wallMs: 0 }
        : missing
          ? {
              status: 'failed',
              reason: `${missing} unavailable: ${services.unavailable[missing]}`,
              samples: [],
              wallMs: 0,
            }
          : await runJob(runtime, job, childJob, budgets.timeoutMs, (c) => {
              current = c;
            });
      if (stopped) break; // killed by the interruption: not a result
      const slot = forks.get(job.cell.key) ?? { cell: job.cell, records: [] };
      slot.records.push(record);
      forks.set(job.cell.key, slot);
      journal.append({ key: job.cell.key, fork: job.fork, record });
      events.jobFinished(job, index, record);
    }
    const entries = [...forks.values()].map(({ cell, records }) => aggregate(cell, records));
    return { entries, interrupted: stopped };
  })();
  return {
    done,
    stop() {
      stopped = true;
      (current as ChildHandle | null)?.kill('SIGKILL');
    },
  };
}
