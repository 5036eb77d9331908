/**
 * The measuring process (pyperf's worker): runs exactly one cell — one case of one scenario with one
 * set of params — in a fresh runtime, then exits. Started by the orchestrator on node, deno or bun.
 */
import { measureDuet } from '../measure/duet.js';
import { ENGINES, type MicroBudget, measureMicro } from '../measure/micro.js';
import { runThroughput } from '../measure/throughput.js';
import type { Clock } from '../measure/types.js';
import { isOneLine, type MicroMeasurement } from '../result/schema.js';
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
import { reasonOf } from './reason.js';

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
      // JSON writes NaN and Infinity as null, and a result file holding that is refused when read
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new TypeError(`ctx.record('${name}', ${String(value)}): the value is not a finite number`);
      // a figure named or measured on two lines makes a result file no reader takes
      if (!isOneLine(name) || !isOneLine(unit))
        throw new TypeError(
          `ctx.record(${JSON.stringify(name)}, ${value}, ${JSON.stringify(unit)}): name and unit are strings on one line`,
        );
      extra[name] = { value, unit };
    },
  };
}

function clockOf(runtime: RuntimeAdapter): Clock {
  return { now: () => runtime.now(), gc: () => runtime.gc() };
}

function microBudgetOf(job: ChildJob): MicroBudget {
  return {
    budgetMs: job.microBudgetMs,
    warmupMs: job.microWarmupMs,
    maxWarmupMs: job.microMaxWarmupMs,
    sampleMs: job.microSampleMs,
    batch: job.batch,
    warmupCalls: job.warmupCalls,
  };
}

/**
 * A process op's figure, the cold call's too: a number a result file can hold (JSON has no NaN, and
 * a sample is >= 0). A cold call's `undefined` went into the file as `"cold": null`, and a file
 * holding that, or a negative sample, is refused by every report.
 */
function processFigure(value: unknown): number {
  const figure = Number(value);
  if (!Number.isFinite(figure) || figure < 0)
    throw new Error(`a process op must return a finite number >= 0, got ${String(value)}`);
  return figure;
}

/** Times the first, cold call; micro in ns, the other kinds in ms (process: the figure the op returns). */
async function coldCall(scenario: Scenario, op: Op, runtime: RuntimeAdapter): Promise<number> {
  const t0 = runtime.now();
  const value = await op();
  const ms = runtime.now() - t0;
  if (scenario.kind === 'process') return processFigure(value);
  return scenario.kind === 'micro' ? ms * 1e6 : ms;
}

async function measure(
  scenario: Scenario,
  op: Op,
  job: ChildJob,
  runtime: RuntimeAdapter,
): Promise<Partial<ChildOutcome>> {
  const clock = clockOf(runtime);
  if (scenario.kind === 'micro') return measureMicro(ENGINES[job.engine], op, microBudgetOf(job), clock);
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
  for (let i = 0; i < job.repetitions; i++) samples.push(processFigure(await op()));
  return { samples, steady: isSteady(samples) };
}

/** Where the child's time goes: each phase's end, read off one clock that starts with the process. */
interface PhaseClock {
  mark(name: string): void;
  phases: Record<string, number>;
}

function phaseClock(runtime: RuntimeAdapter): PhaseClock {
  const phases: Record<string, number> = { startup: runtime.now() };
  let last = phases.startup;
  return {
    phases,
    mark(name) {
      const t = runtime.now();
      // summed: a duet imports and sets up two modules, one after the other
      phases[name] = (phases[name] ?? 0) + t - last;
      last = t;
    },
  };
}

interface OpenCase {
  scenario: Scenario;
  ctx: CaseContext<unknown>;
  op: Op;
  extra: NonNullable<ChildOutcome['extra']>;
  /** a sample is an op's mean time over its batch: dividing by this keeps it a raw sample, per item */
  items: number;
}

/** Imports a scenario module and readies the job's case: setup, then the op. */
async function openCase(
  job: ChildJob,
  module: string,
  runtime: RuntimeAdapter,
  { clock, opened }: { clock: PhaseClock; opened: OpenCase[] },
): Promise<OpenCase> {
  const mod = (await import(module)) as { default?: unknown };
  clock.mark('import');
  if (!isScenario(mod.default)) throw new Error(`${module} has no default export made by defineScenario`);
  const scenario = mod.default as Scenario;
  const caseFn = scenario.cases[job.caseName];
  if (!caseFn) throw new Error(`scenario ${scenario.id} has no case ${job.caseName}`);
  const items = scenario.kind === 'micro' ? (scenario.itemsPerOp?.(job.params) ?? 1) : 1;
  // every sample is divided by it: 0 made them Infinity, written as null, and the file unreadable
  if (!(typeof items === 'number' && Number.isFinite(items) && items > 0))
    throw new Error(`itemsPerOp(${JSON.stringify(job.params)}) is ${String(items)}, not a number above 0`);
  const extra: NonNullable<ChildOutcome['extra']> = {};
  const base = makeContext(job, runtime, extra);
  const ctx = { ...base, state: scenario.setup ? await scenario.setup(base as CaseContext<undefined>) : undefined };
  // torn down by the caller from here on, even when the case itself throws
  const open = { scenario, ctx, op: (() => undefined) as Op, extra, items };
  opened.push(open);
  open.op = await caseFn(ctx);
  clock.mark('setup');
  return open;
}

async function closeCases(opened: OpenCase[]): Promise<void> {
  for (const { scenario, ctx } of opened) await scenario.teardown?.(ctx);
}

function perItem(samples: number[] | undefined, items: number): number[] {
  return (samples ?? []).map((ns) => ns / items);
}

async function runCell(job: ChildJob, runtime: RuntimeAdapter): Promise<ChildOutcome> {
  const clock = phaseClock(runtime);
  const opened: OpenCase[] = [];
  try {
    const { scenario, ctx, op, extra, items } = await openCase(job, job.module, runtime, { clock, opened });
    const cold = (await coldCall(scenario, op, runtime)) / items;
    const measured = await measure(scenario, op, job, runtime);
    clock.mark('measure');
    await scenario.verify?.({ ...ctx, op });
    clock.mark('verify');
    return { status: 'ok', ...perItemSeries(measured, items), cold, extra, phases: clock.phases };
  } finally {
    await closeCases(opened);
  }
}

/** samples per item, and the op beside an empty op (measurement.emptyOp) as well, in the same unit */
function perItemSeries<T extends { samples?: number[]; measurement?: MicroMeasurement }>(
  measured: T,
  items: number,
): T & { samples: number[] } {
  const emptyOp = measured.measurement?.emptyOp;
  const perItemEmptyOp = emptyOp && { opNs: emptyOp.opNs / items, emptyNs: emptyOp.emptyNs / items };
  return {
    ...measured,
    samples: perItem(measured.samples, items),
    ...(perItemEmptyOp ? { measurement: { ...measured.measurement, emptyOp: perItemEmptyOp } } : {}),
  };
}

/**
 * A duet job (`compare --base`, micro): this module and the pair twin's, measured together in this
 * process (src/measure/duet.ts). Either side failing fails the pair: a twin alone is no pair.
 */
async function runDuet(
  job: ChildJob,
  duet: NonNullable<ChildJob['duet']>,
  runtime: RuntimeAdapter,
): Promise<ChildOutcome> {
  const clock = phaseClock(runtime);
  const opened: OpenCase[] = [];
  const modules = duet.first ? [duet.module, job.module] : [job.module, duet.module];
  try {
    for (const module of modules) await openCase(job, module, runtime, { clock, opened });
    if (opened.some((o) => o.scenario.kind !== 'micro')) throw new Error('a duet measures micro cases only');
    const colds: number[] = [];
    for (const o of opened) colds.push((await coldCall(o.scenario, o.op, runtime)) / o.items);
    const budget = microBudgetOf(job);
    const series = await measureDuet([opened[0].op, opened[1].op], budget, clockOf(runtime));
    clock.mark('measure');
    for (const o of opened) await o.scenario.verify?.({ ...o.ctx, op: o.op });
    clock.mark('verify');
    const [a, b] = opened.map((o, i) => ({
      status: 'ok' as const,
      ...series[i],
      samples: perItem(series[i].samples, o.items),
      cold: colds[i],
      extra: o.extra,
      phases: clock.phases,
    }));
    return duet.first ? { ...b, partner: a } : { ...a, partner: b };
  } finally {
    await closeCases(opened);
  }
}

/** Loading this module at all shows the runtime parses the build; then each scenario module is tried. */
async function probe(runtime: RuntimeAdapter, job: ProbeJob): Promise<void> {
  const outcome: ProbeOutcome = { failures: {} };
  for (const module of job.modules) {
    try {
      await import(module);
    } catch (error) {
      outcome.failures[module] = reasonOf(error);
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
    else outcome = job.duet ? await runDuet(job, job.duet, runtime) : await runCell(job, runtime);
  } catch (error) {
    outcome =
      error instanceof SkipCase
        ? { status: 'skipped', reason: error.message, samples: [] }
        : { status: 'failed', reason: reasonOf(error), samples: [] };
  }
  runtime.appendFileSync(job.outcomePath, `${JSON.stringify(outcome)}\n`);
  // Exit at once: a pool or server a scenario forgot to close must not keep the process (and the run) alive.
  runtime.exit(0);
}

await main();
