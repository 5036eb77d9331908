/**
 * The orchestrator -> measuring child protocol. The job travels in an environment variable; the
 * outcome comes back as one JSON line appended to a file of its own, a channel that whatever the
 * scenario prints on stdout/stderr cannot corrupt.
 */
import type { ForkRecord } from '../result/schema.js';
import type { Params, Services } from '../scenario.js';

export const JOB_ENV = 'ASYNCBENCH_JOB';

export interface ChildJob {
  /** file URL of the built scenario module */
  module: string;
  scenario: string;
  caseName: string;
  params: Params;
  quick: boolean;
  engine: 'mitata' | 'tinybench';
  /** micro: measuring time of the series */
  microBudgetMs: number;
  /** throughput: warmup and measuring time */
  warmupMs: number;
  durationMs: number;
  /** process: how many times the op is called after the cold call */
  repetitions: number;
  services: Services;
  /** where the child appends its ChildOutcome */
  outcomePath: string;
}

/** What the child reports: a fork record less what only the orchestrator knows (its wall time, a timeout). */
export type ChildOutcome = Omit<ForkRecord, 'wallMs' | 'status'> & { status: 'ok' | 'failed' | 'skipped' };

/**
 * The compatibility probe (compat.ts): the orchestrator starts the child with this variable set
 * instead of a job, and the child imports each module and reports which ones load.
 */
export const PROBE_ENV = 'ASYNCBENCH_PROBE';

export interface ProbeJob {
  /** file URLs of the built scenario modules of the run */
  modules: string[];
  /** where the child appends its ProbeOutcome */
  outcomePath: string;
}

/** module URL -> the error its import threw; absent when it loaded */
export interface ProbeOutcome {
  failures: Record<string, string>;
}
