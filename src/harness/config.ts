/**
 * What `run` and `compare --base` measure and how: the measure flags they share, parsed into a
 * RunConfig, and the budgets a measuring process gets from that config.
 */
import { UsageError } from '../result/errors.js';
import type { RunConfig } from '../result/schema.js';
import { currentRuntime } from '../runtimes/current.js';
import type { RuntimeAdapter } from '../runtimes/types.js';
import type { Budgets } from './orchestrator.js';
import { canPin, defaultPinCpu } from './pin.js';
import { loadSuite, type Suite } from './suite.js';

function parseParams(raw: string[] = []): Record<string, string[]> {
  const params: Record<string, string[]> = {};
  for (const p of raw) {
    const m = /^([\w-]+)=(.+)$/.exec(p);
    if (!m) throw new UsageError(`--param takes KEY=V1,V2, got '${p}'`);
    const values = m[2].split(',');
    if (values.some((v) => v.trim() === '')) throw new UsageError(`--param ${m[1]} has an empty value in '${p}'`);
    params[m[1]] = [...(params[m[1]] ?? []), ...values];
  }
  return params;
}

function parseShard(raw: string | undefined): RunConfig['shard'] {
  if (raw === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count)
    throw new UsageError(`--shard takes K/N with 1 <= K <= N, got '${raw}'`);
  // past 2^53 N is not held exactly: the result file's shard was one report and merge refuse
  if (!Number.isSafeInteger(count))
    throw new UsageError(`--shard takes an N of at most ${Number.MAX_SAFE_INTEGER}, got '${raw}'`);
  return { index, count };
}

/** The longest delay a timer honours (2^31 - 1 ms): a longer one fires at once, on every runtime. */
const MAX_TIMER_S = Math.floor((2 ** 31 - 1) / 1000);

function seconds(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} takes a positive number of seconds, got '${value}'`);
  // a --timeout past it killed every process at once ("no result within 99999999 s")
  if (n > MAX_TIMER_S) throw new UsageError(`${flag} takes at most ${MAX_TIMER_S} seconds (24.8 days), got '${value}'`);
  return n;
}

/** `--suite` names its cells itself: scenarios, --case and --param do not combine with it. */
function suiteOf(spec: string | undefined, root: string, narrowed: boolean): Suite | undefined {
  if (spec === undefined) return undefined;
  if (narrowed) throw new UsageError('--suite selects its own cells: give no scenario, --case or --param with it');
  return loadSuite(spec, root);
}

/** The flags `run` and `compare --base` share, as given: what is measured and how. */
export interface MeasureFlags {
  suite?: string;
  case?: string[];
  param?: string[];
  quick?: boolean;
  engine?: string;
  shard?: string;
  duration?: string;
  timeout?: string;
  'pin-cpu'?: string;
  'server-runtime'?: string;
}

/** The run's config from the shared flags; `forks` says how many, given whether the run is --quick. */
export async function runConfigOf(
  values: MeasureFlags,
  positionals: readonly string[],
  root: string,
  forks: (quick: boolean) => number,
): Promise<{ config: RunConfig; suite?: Suite }> {
  const suite = suiteOf(values.suite, root, positionals.length > 0 || !!values.case || !!values.param);
  const quick = values.quick ?? false;
  const engine = values.engine ?? 'mitata';
  if (engine !== 'mitata' && engine !== 'tinybench')
    throw new UsageError(`--engine takes mitata or tinybench, got '${engine}'`);
  const shard = parseShard(values.shard);
  const config: RunConfig = {
    engine,
    forks: forks(quick),
    quick,
    durationS: seconds(values.duration, '--duration', suite?.duration ?? defaultDurationS(quick)),
    timeoutS: seconds(values.timeout, '--timeout', 120),
    scenarios: [],
    // ' microtask' of `--case 'eager, microtask'` is the case microtask, as for --runtime
    cases: (values.case ?? []).flatMap((c) => c.split(',').map((name) => name.trim())),
    params: parseParams(values.param),
    ...(shard ? { shard } : {}),
    ...(await pinCpuOf(values['pin-cpu'])),
    serverRuntime: values['server-runtime'] ?? 'node',
    ...(suite ? { suite: suite.name } : {}),
  };
  // a throughput fork measures that long after its warm-up: each was killed unfinished, 'timeout'
  if (config.durationS >= config.timeoutS)
    throw new UsageError(
      `the measuring time, ${config.durationS} s (--duration${suite?.duration ? ", else the suite's" : ''}), is not below --timeout ${config.timeoutS} s: every throughput fork would be killed before it finished`,
    );
  return { config, suite };
}

/**
 * How long each process measures. Between-process spread dominates (PITFALLS 15), so the time goes
 * to forks rather than to long series: a micro fork takes 0.2 s of samples, a throughput fork 1 s
 * (docs/architecture.md, "Where the time goes", has the figures behind these numbers).
 */
export function budgetsOf(config: RunConfig, runtime: RuntimeAdapter): Budgets {
  return {
    engine: config.engine,
    quick: config.quick,
    microBudgetMs: config.quick ? 100 : 200,
    microWarmupMs: Number(runtime.env('ASYNCBENCH_WARMUP_MS') ?? 100),
    microMaxWarmupMs: config.quick ? 200 : 600,
    ...sampleMsOf(runtime.env('ASYNCBENCH_SAMPLE_MS')),
    warmupMs: Math.min(1000, (config.durationS * 1000) / 5),
    durationMs: config.durationS * 1000,
    repetitions: config.quick ? 3 : 5,
    timeoutMs: config.timeoutS * 1000,
    pinCpu: config.pinCpu,
  };
}

/** For the study of the sample's length only (scripts/study/fork-stability.js): not part of the CLI. */
function sampleMsOf(raw: string | undefined): { microSampleMs?: number } {
  return raw === undefined ? {} : { microSampleMs: Number(raw) };
}

/** --pin-cpu: a CPU taskset can pin to, `off`, or (not given) the default of pin.ts. */
async function pinCpuOf(raw: string | undefined): Promise<{ pinCpu?: number }> {
  const runtime = await currentRuntime();
  if (raw === 'off') return {};
  if (raw === undefined) {
    const cpu = await defaultPinCpu(runtime);
    return cpu === undefined ? {} : { pinCpu: cpu };
  }
  // digits only: Number() reads '' and ' ' as CPU 0, and '0x1' as 1
  const cpu = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(cpu)) throw new UsageError(`--pin-cpu takes a CPU number or off, got '${raw}'`);
  if (!(await canPin(runtime, cpu)))
    throw new UsageError(`--pin-cpu ${raw}: taskset cannot pin a process to CPU ${raw} here`);
  return { pinCpu: cpu };
}

/** Measuring time of a throughput fork, seconds, unless --duration or the suite says otherwise. */
const defaultDurationS = (quick: boolean) => (quick ? 0.3 : 1);
