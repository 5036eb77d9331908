/**
 * The measuring process (pyperf's worker): runs exactly one cell — one case of one scenario with one
 * set of params — in a fresh runtime, then exits. Started by the orchestrator on node, deno or bun.
 */
import { ENGINES, measureMicro } from '../measure/micro.js';
import { runThroughput } from '../measure/throughput.js';
import { isSteady } from '../result/stats.js';
import { currentRuntime } from '../runtimes/current.js';
import { exitWithParent } from '../runtimes/parent-guard.js';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { type CaseContext, isScenario, type Op, type Scenario, SkipCase } from '../scenario.js';
import {
  CHILD_PROTOCOL,
  type ChildJob,
  type ChildOutcome,
  JOB_ENV,
  PROBE_ENV,
  type ProbeJob,
  type ProbeOutcome,
} from './job.js';

/**
 * Throughput intervals: short enough to see drift within a run, long enough to hold many ops; at
 * least 10 of them in a window (a --quick window of 0.3 s has 30 ms ones).
 */
const INTERVAL_MS = 100;
const MIN_INTERVALS = 10;

function makeContext(
  job: ChildJob,
  runtime: RuntimeAdapter,
  extra: NonNullable<ChildOutcome['extra']>,
): CaseContext<unknown> {
  return {
    scenario: job.scenario,
    caseName: job.caseName,
    params: job.params,
    runtime,
    services: job.services,
    quick: job.quick,
    state: undefined,
    skip(reason: string): never {
      throw new SkipCase(reason);
    },
    record(name: string, value: number, unit: string) {
      extra[name] = { value, unit };
    },
  };
}

/** Times the first, cold call; micro in ns, the other kinds in ms (process: the figure the op returns). */
async function coldCall(scenario: Scenario, op: Op, runtime: RuntimeAdapter): Promise<number> {
  const t0 = runtime.now();
  const value = await op();
  const ms = runtime.now() - t0;
  if (scenario.kind === 'process') return Number(value);
  return scenario.kind === 'micro' ? ms * 1e6 : ms;
}

async function measure(
  scenario: Scenario,
  op: Op,
  job: ChildJob,
  runtime: RuntimeAdapter,
): Promise<Partial<ChildOutcome>> {
  const clock = { now: () => runtime.now(), gc: () => runtime.gc() };
  if (scenario.kind === 'micro') {
    const budget = {
      budgetMs: job.microBudgetMs,
      warmupMs: job.microWarmupMs,
      maxWarmupMs: job.microMaxWarmupMs,
      sampleMs: job.microSampleMs,
      batch: job.batch,
    };
    return measureMicro(ENGINES[job.engine], op, budget, clock);
  }
  if (scenario.kind === 'throughput') {
    const concurrency = Number(job.params.concurrency ?? 1);
    const t = await runThroughput(op, {
      concurrency,
      warmupMs: job.warmupMs,
      durationMs: job.durationMs,
      intervalMs: Math.min(INTERVAL_MS, job.durationMs / MIN_INTERVALS),
      clock,
    });
    return { samples: t.samples, steady: t.steady, latency: t.latency };
  }
  const samples: number[] = [];
  for (let i = 0; i < job.repetitions; i++) {
    const value = Number(await op());
    if (!Number.isFinite(value)) throw new Error(`a process op must return a number, got ${value}`);
    samples.push(value);
  }
  return { samples, steady: isSteady(samples) };
}

/** Where the child's time goes: each phase's end, read off one clock that starts with the process. */
function phaseClock(runtime: RuntimeAdapter): { mark(name: string): void; phases: Record<string, number> } {
  const phases: Record<string, number> = { startup: runtime.now() };
  let last = phases.startup;
  return {
    phases,
    mark(name) {
      const t = runtime.now();
      phases[name] = t - last;
      last = t;
    },
  };
}

async function runCell(job: ChildJob, runtime: RuntimeAdapter): Promise<ChildOutcome> {
  const clock = phaseClock(runtime);
  const mod = (await import(job.module)) as { default?: unknown };
  clock.mark('import');
  if (!isScenario(mod.default)) throw new Error(`${job.module} has no default export made by defineScenario`);
  const scenario = mod.default as Scenario;
  const caseFn = scenario.cases[job.caseName];
  if (!caseFn) throw new Error(`scenario ${scenario.id} has no case ${job.caseName}`);
  const extra: NonNullable<ChildOutcome['extra']> = {};
  const base = makeContext(job, runtime, extra);
  const ctx = { ...base, state: scenario.setup ? await scenario.setup(base as CaseContext<undefined>) : undefined };
  try {
    const op = await caseFn(ctx);
    clock.mark('setup');
    const items = scenario.kind === 'micro' ? (scenario.itemsPerOp?.(job.params) ?? 1) : 1;
    const cold = (await coldCall(scenario, op, runtime)) / items;
    const measured = await measure(scenario, op, job, runtime);
    clock.mark('measure');
    // per item: a sample is an op's mean time over its batch, so dividing keeps it a raw sample
    if (items !== 1) measured.samples = measured.samples?.map((ns) => ns / items);
    await scenario.verify?.({ ...ctx, op });
    clock.mark('verify');
    return { status: 'ok', samples: [], ...measured, cold, extra, phases: clock.phases };
  } finally {
    await scenario.teardown?.(ctx);
  }
}

/** Loading this module at all shows the runtime parses the build; then each scenario module is tried. */
async function probe(runtime: RuntimeAdapter, job: ProbeJob): Promise<void> {
  const outcome: ProbeOutcome = { failures: {} };
  for (const module of job.modules) {
    try {
      await import(module);
    } catch (error) {
      outcome.failures[module] = describeError(error);
    }
  }
  runtime.appendFileSync(job.outcomePath, `${JSON.stringify(outcome)}\n`);
  runtime.exit(0);
}

async function main(): Promise<void> {
  // a harness killed by SIGKILL leaves no measuring process (nor what it started) behind
  exitWithParent();
  const runtime = await currentRuntime();
  const probeJob = runtime.env(PROBE_ENV);
  if (probeJob) return probe(runtime, JSON.parse(probeJob) as ProbeJob);
  const job = JSON.parse(runtime.env(JOB_ENV) ?? 'null') as ChildJob | null;
  if (!job) throw new Error(`${JOB_ENV} is not set: this module is started by the asyncbench orchestrator`);
  let outcome: ChildOutcome;
  try {
    if (job.hello) outcome = { status: 'ok', samples: [], protocol: CHILD_PROTOCOL };
    else if (job.protocol !== CHILD_PROTOCOL)
      outcome = {
        status: 'failed',
        reason: `child protocol ${CHILD_PROTOCOL}, but the job is of protocol ${job.protocol}`,
        samples: [],
      };
    else outcome = await runCell(job, runtime);
  } catch (error) {
    outcome =
      error instanceof SkipCase
        ? { status: 'skipped', reason: error.message, samples: [] }
        : { status: 'failed', reason: describeError(error), samples: [] };
  }
  runtime.appendFileSync(job.outcomePath, `${JSON.stringify(outcome)}\n`);
  // Exit at once: a pool or server a scenario forgot to close must not keep the process (and the run) alive.
  runtime.exit(0);
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError) return `${error.message}: ${error.errors.map(describeError).join('; ')}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

await main();
