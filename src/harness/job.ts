/**
 * The orchestrator -> measuring child protocol. The job travels in an environment variable; the
 * outcome comes back as one JSON line appended to a file of its own, a channel that whatever the
 * scenario prints on stdout/stderr cannot corrupt.
 */
import type { ForkRecord } from '../result/schema.js';
import type { Params, Services } from '../scenario.js';

export const JOB_ENV = 'ASYNCBENCH_JOB';

/**
 * Version of this protocol. `compare --base` runs the child of another revision, so the child
 * refuses a job of another version, and answers a `hello` job with its own (a child too old to
 * know `hello` answers without one).
 */
export const CHILD_PROTOCOL = 1;

export interface ChildJob {
  /** CHILD_PROTOCOL of the orchestrator that wrote the job */
  protocol: number;
  /** only report the child's protocol version (in `ChildOutcome.protocol`), measure nothing */
  hello?: boolean;
  /** file URL of the built scenario module */
  module: string;
  scenario: string;
  caseName: string;
  params: Params;
  quick: boolean;
  engine: 'mitata' | 'tinybench';
  /** micro: time of the kept samples, and of the plain-loop warm-up before them */
  microBudgetMs: number;
  microWarmupMs: number;
  microMaxWarmupMs: number;
  /** micro: the length a batched sample aims at, when not the engine's default (study only) */
  microSampleMs?: number;
  /** micro: the cell's batch, calibrated by its first fork; absent for that first fork */
  batch?: number;
  /**
   * micro: the calls the cell's first fork warmed up with (its record's `warmupCalls`); later forks
   * warm up at least as long, so no fork starts sampling less warm than the first (pyperf's
   * calibrated warmups); absent for that first fork
   */
  warmupCalls?: number;
  /**
   * micro, `compare --base`: the pair twin's build of the same scenario module, measured in this
   * process with this one, batch by batch (src/measure/duet.ts); `first`: the twin runs first
   */
  duet?: { module: string; first: boolean };
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
export type ChildOutcome = Omit<ForkRecord, 'wallMs' | 'status'> & {
  status: 'ok' | 'failed' | 'skipped';
  /** the child's CHILD_PROTOCOL, in the answer to a `hello` job */
  protocol?: number;
  /** a duet job's other side: the twin module's outcome */
  partner?: Omit<ChildOutcome, 'partner' | 'protocol'>;
};

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

/** What a cell's first fork calibrates for the forks after it, on every runtime. */
export type Calibration = Pick<ChildJob, 'batch' | 'warmupCalls'>;

/** The calibration a fork's record hands on, if it made one. */
export function calibrationOf(record: ForkRecord): Calibration | undefined {
  const m = record.measurement;
  return m?.calibrated ? { batch: m.batch, warmupCalls: m.warmupCalls } : undefined;
}
