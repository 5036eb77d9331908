/**
 * The result file (DESIGN.md, contract 3): one JSON document per run, `asyncbench/result@1`.
 * docs/result-schema.md documents every field; `validateResultFile` enforces it on read.
 */

import { escapeLineBreaks } from './errors.js';

export type ScenarioKind = 'micro' | 'throughput' | 'process';
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface Metric {
  name: string;
  unit: string;
  better: 'lower' | 'higher';
}

export interface EngineInfo {
  name: 'v8' | 'jsc';
  version: string;
}

export const RESULT_SCHEMA = 'asyncbench/result@1';
const SCHEMA_VERSION = 1;

export type EntryStatus = 'ok' | 'failed' | 'skipped' | 'timeout';

export interface ConfidenceInterval {
  low: number;
  high: number;
  level: number;
  /** how it was computed (estimator.ts): Student's t over forks, or a bootstrap within one fork */
  method: string;
  /** the between-run spread the interval includes (`run --sessions`); absent: this run's forks only */
  sessions?: SessionSpread;
}

/** Where this run sits against earlier runs of its code. */
export interface RunRatio {
  /** median over the cells they share of this run's centre / the earlier runs' (geometric) centre, as times (a rate inverted) */
  ratio: number;
  cells: number;
}

/** `run --sessions`: where this run sits against the earlier runs it was given, judged by their spread. */
export interface RunShift extends RunRatio {
  /** true when the shift is beyond what the spread allows (two-sided 95%): the machine changed */
  beyond: boolean;
}

/**
 * How much whole runs of the same cells move on this machine, beyond what their forks' spread
 * explains (`run --sessions`, docs/architecture.md "Run-to-run spread"). On the log scale, so one
 * figure serves every cell: a run that is 10% slow is slow by log 1.1 in every cell it measured.
 */
export interface SessionSpread {
  /** variance of log(centre of a run) between runs, less the part explained by their forks */
  variance: number;
  /** degrees of freedom of that variance: runs - 1, summed over revisions of the code */
  df: number;
  /** the earlier runs it was estimated from, and the cells measured with 2+ forks in 2+ of them */
  runs: number;
  cells: number;
  /** present when the runs were of 2+ revisions of the code: the variance is pooled within each */
  revisions?: number;
}

export interface Stats {
  /** samples in all forks */
  n: number;
  forks: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p75: number;
  p99: number;
  stddev: number;
  /** coefficient of variation of all samples, stddev / mean */
  cv: number;
  /** 95% confidence interval of the median */
  ci: ConfidenceInterval;
  /** CV of the fork medians: the between-process spread (PITFALLS 15); absent with one fork */
  betweenForkCv?: number;
  /** median over forks of each fork's own CV: the within-process spread */
  withinForkCv: number;
}

export interface LatencyPercentiles {
  /** milliseconds */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
}

/** One fresh runtime process measuring one cell. */
export interface ForkRecord {
  status: EntryStatus;
  reason?: string;
  /** raw samples in the metric's unit, in the order they were taken */
  samples: number[];
  /** the first, cold call of the op (micro: ns; throughput: ms; process: the figure the op returns) */
  cold?: number;
  steady?: boolean;
  /** throughput kind: latency of every op, from a histogram */
  latency?: LatencyPercentiles;
  /** secondary figures recorded by the scenario (ctx.record) */
  extra?: Record<string, { value: number; unit: string }>;
  /** wall time of the child process in ms */
  wallMs: number;
  /** micro: how this fork measured — the cell's calibrated batch and the warm-up it did */
  measurement?: MicroMeasurement;
  /** the per-process seed of the engine's randomness (V8's --random-seed/--hash-seed), when pinned */
  seed?: number;
  /** the CPU the measuring process was pinned to (`taskset -c`), when it was */
  cpu?: number;
  /** `compare --base`: the index of the A/B pair this fork belongs to (its twin ran back to back) */
  pair?: number;
  /** `compare --base`: true when this fork ran first in its pair (the A/B order is random per pair) */
  pairFirst?: boolean;
  /**
   * `compare --base`, micro: this fork and its pair twin were measured in one process, batch by batch
   * in ABBA order (src/measure/duet.ts); they share the process's start-up, wall time, seed and CPU
   */
  duet?: true;
  /** where the child's time went, ms: start-up (spawn to first line of ours), setup, warm-up, measuring, verify */
  phases?: Record<string, number>;
}

/** How a micro fork measured, so every sample can be traced to its method. */
export interface MicroMeasurement {
  /** the loop that took the samples: an engine of `--engine`, or the A/B duet's own (src/measure/duet.ts) */
  engine: 'mitata' | 'tinybench' | 'duet';
  /** calls of the op per sample; one value for every fork and runtime of the cell */
  batch: number;
  /** true when this fork calibrated the batch (the cell's first fork); false when it was given */
  calibrated: boolean;
  /** the op returned a promise, so every call was awaited */
  async: boolean;
  /** warm-up before the first kept sample: calls of the op, and ms */
  warmupCalls: number;
  warmupMs: number;
  /**
   * Where a synchronous op took under EMPTY_OP_CHECK_NS a call: it and an empty op, each timed in a
   * loop of its own right after the samples, ns a call (per item where the samples are). An op
   * within 1.42x of the empty op was likely optimized out (mitata's check), or costs less than a
   * loop can time: the reports mark it `!`
   */
  emptyOp?: { opNs: number; emptyNs: number };
}

export interface ResultEntry {
  /** scenario/case/params/runtime, unique within a run */
  key: string;
  scenario: string;
  kind: ScenarioKind;
  case: string;
  params: Params;
  /** runtime label: node, deno, bun (or e.g. node@20.20.2 for a non-pinned build) */
  runtime: string;
  /** the machine the entry was measured on (machineId of MachineInfo); merge keeps it per entry */
  machine?: string;
  status: EntryStatus;
  reason?: string;
  metric: Metric;
  forks: ForkRecord[];
  /** present when `ok` */
  stats?: Stats;
  /** false when any fork's samples drift */
  steady?: boolean;
  /** medians over forks */
  latency?: LatencyPercentiles;
  cold?: number;
  extra?: Record<string, { value: number; unit: string }>;
  /**
   * the figure report tables lead with when it is not `metric` (the scenario's `headline`): the
   * `extra` figure named `figure`, whose per-fork values give its interval and tests
   */
  headline?: EntryHeadline;
}

export interface EntryHeadline {
  /** the name of the `extra` figure (in every fork's `extra`) */
  figure: string;
  /** what a reader sees, e.g. 'p99 loop lag' */
  name: string;
  unit: string;
  better: 'lower' | 'higher';
}

export interface RuntimeInfo {
  label: string;
  name: string;
  version: string;
  engine: EngineInfo;
  executable: string;
  flags: string[];
  /** facts about what ran, e.g. how undici was loaded */
  notes: string[];
}

export interface MachineInfo {
  os: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  /** stable id of the machine: a hash of hostname, cpu model, cores and memory; each entry carries it as `machine` */
  id?: string;
  /**
   * What one minor page fault (a first write to a fresh 4 KiB page) cost, µs: the median of three
   * probes when the run started. Absent when the probe could not count its faults (huge pages).
   */
  pageFaultUs?: number;
}

/** `compare --base`: the A/B session a result file is one side of, and the sequential design it ran. */
export interface AbConfig {
  /** id shared by the two files of one session */
  session: string;
  role: 'base' | 'head';
  /** the revision as given (`--base REF`, `--head REF`, or `working tree`); its commit is in `git` */
  ref: string;
  /** planned looks: each spends alpha / looks (Bonferroni over looks); `compare` reads it from here */
  looks: number;
  /** pairs every cell starts with, pairs added per look to cells that cannot be judged yet, most pairs of a cell */
  n0: number;
  step: number;
  nMax: number;
  /** how the pairs of micro cells ran: both sides in one process (duet) or in two; absent: process */
  pairs?: 'duet' | 'process';
  /** family-wise level and threshold of the session's verdicts */
  alpha: number;
  threshold: number;
  /** seed of the random A/B order of the pairs */
  orderSeed: number;
  /** wall-time budget of the session, seconds */
  budgetS: number;
  /** looks taken, and why the session stopped adding pairs */
  looksTaken: number;
  stopped: string;
  /**
   * the entries found slower or faster at a look, and the look: a decided entry got no more pairs,
   * and its verdict stands (`compare` on the two files applies it, as the session did)
   */
  decided?: AbDecision[];
}

/** An entry an A/B session decided at a look. */
export interface AbDecision {
  key: string;
  verdict: 'slower' | 'faster';
  look: number;
}

export interface RunConfig {
  engine: 'mitata' | 'tinybench';
  forks: number;
  quick: boolean;
  /** `--full`: every scenario's whole param grid; absent for the default matrix */
  full?: true;
  /** measuring time of one sample series, seconds */
  durationS: number;
  timeoutS: number;
  scenarios: string[];
  cases: string[];
  params: Record<string, string[]>;
  shard?: { index: number; count: number };
  /** the CPU the measuring processes of single-threaded micro cells are pinned to; absent: none */
  pinCpu?: number;
  serverRuntime: string;
  /** connection string of the database, password removed */
  database?: string;
  /** what the run started: PostgreSQL (version, start time), the HTTP target server (runtime, address) */
  services?: Record<string, unknown>;
  /** services that failed to start, with the reason; the scenarios needing them are recorded failed */
  unavailable?: Record<string, string>;
  /** the suite the cells came from (`--suite`) */
  suite?: string;
  /** `compare --base`: the A/B session and its design */
  ab?: AbConfig;
  /** `--sessions`: the earlier result files whose run-to-run spread every interval includes */
  sessions?: { files: string[]; spread: SessionSpread; shift?: RunShift };
  /**
   * Earlier runs of this code beside the result file that gave no spread (one run, say): where this
   * run sat against them, with nothing to judge that by. Absent when `sessions` is present.
   */
  earlierRuns?: { files: string[] } & RunRatio;
  /**
   * scenarios run from a user's file: id -> a digest of its bundle. The code measured is theirs as
   * much as asyncbench's (codeOf), and a file changed between two runs is not the machine changing
   */
  scenarioFiles?: Record<string, string>;
}

/** Where a run's time went, ms summed over its measuring processes (`time:` line of `run`). */
export interface RunTiming {
  wallMs: number;
  /** starting PostgreSQL and the HTTP target server */
  servicesMs: number;
  jobs: number;
  /** wall time of the measuring processes, spawn to exit */
  processMs: number;
  /** from process start to the scenario module loaded */
  startupMs: number;
  setupMs: number;
  warmupMs: number;
  measureMs: number;
  verifyMs: number;
}

export interface ResultFile {
  schema: typeof RESULT_SCHEMA;
  run: {
    id: string;
    startedAt: string;
    finishedAt: string;
    /** false while the run is going on or when it was interrupted */
    complete: boolean;
    asyncbenchVersion: string;
    timing?: RunTiming;
  };
  git: { commit: string; branch: string; dirty: boolean } | null;
  machine: MachineInfo;
  runtimes: RuntimeInfo[];
  config: RunConfig;
  results: ResultEntry[];
}

/**
 * The revision of the code a run measured: its commit, `+dirty` when the tree was changed, and the
 * digests of the user's scenario files it ran (`config.scenarioFiles`)
 */
export function codeOf(git: ResultFile['git'], config?: Pick<RunConfig, 'scenarioFiles'>): string {
  const files = Object.entries(config?.scenarioFiles ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, digest]) => `+${id}@${digest}`)
    .join('');
  return `${git?.commit ?? 'unknown'}${git?.dirty ? '+dirty' : ''}${files}`;
}

/** A result file that cannot be read as one: bad input, one line as a UsageError is. */
export class ResultFileError extends Error {
  constructor(message: string) {
    super(escapeLineBreaks(message));
  }
}

const STATUSES = new Set<EntryStatus>(['ok', 'failed', 'skipped', 'timeout']);

export const isEntryStatus = (v: unknown): v is EntryStatus => STATUSES.has(v as EntryStatus);

function fail(where: string, what: string): never {
  throw new ResultFileError(`${where}: ${what}`);
}

/** a plain JSON object: not null, not an array */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
/**
 * How a message quotes a bad value, on one line and short (JSON writes NaN and Infinity as null;
 * undefined is a missing field). A value nested too deep for JSON.stringify is named, not quoted.
 */
function shown(v: unknown): string {
  if (v === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(v);
  } catch {
    return Array.isArray(v) ? 'an array' : 'an object';
  }
  // JSON leaves the Unicode line separators as they are: the message would not be one line
  text = text.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `name`, when present, is a string (a `reason`: the reports quote and escape it). */
function checkString(v: unknown, name: string, at: string): void {
  if (v !== undefined && typeof v !== 'string') fail(at, `${name} is ${shown(v)}, not a string`);
}

/** `name`, when present, is a finite number >= 0 (a cold call, a latency, a page fault's cost). */
function checkNonNegative(v: unknown, name: string, at: string): void {
  if (v !== undefined && !(finite(v) && v >= 0)) fail(at, `${name} is ${shown(v)}, not a finite number >= 0`);
}

/** Recorded figures (`ctx.record`): each `{ value: finite number, unit: string }`. */
function checkExtra(extra: unknown, name: string, at: string): void {
  if (extra === undefined) return;
  if (!isObject(extra)) fail(at, `${name} is ${shown(extra)}, not an object of {value, unit} figures`);
  for (const [figure, v] of Object.entries(extra)) {
    const where = `${name}[${JSON.stringify(figure)}]`;
    if (!isObject(v)) fail(at, `${where} is ${shown(v)}, not {value, unit}`);
    if (!finite(v.value)) fail(at, `${where}.value is ${shown(v.value)}, not a finite number`);
    if (typeof v.unit !== 'string') fail(at, `${where}.unit is ${shown(v.unit)}, not a string`);
  }
}

const LATENCY_FIELDS = ['p50', 'p90', 'p99', 'p999', 'max', 'count'] as const;

/** Throughput latency percentiles, when present: every one a finite number >= 0 (ms; count of ops). */
function checkLatency(latency: unknown, name: string, at: string): void {
  if (latency === undefined) return;
  if (!isObject(latency)) fail(at, `${name} is ${shown(latency)}, not an object`);
  for (const field of LATENCY_FIELDS) {
    if (latency[field] === undefined) fail(at, `${name}.${field} is missing`);
    checkNonNegative(latency[field], `${name}.${field}`, at);
  }
}

/** The summary of an entry: finite figures, an interval with low <= high and a level in [0, 1) (one sample holds 0). */
function checkStats(s: unknown, ok: boolean, at: string): void {
  if (!isObject(s) || !isObject(s.ci)) fail(at, ok ? "status ok but no 'stats'" : "'stats' has no 'ci'");
  for (const field of ['median', 'min', 'max', 'mean'] as const)
    if (s[field] !== undefined && !finite(s[field]))
      fail(at, `stats.${field} is ${shown(s[field])}, not a finite number`);
  if (typeof s.median !== 'number') fail(at, ok ? "status ok but no 'stats.median'" : "'stats' has no 'median'");
  const { ci } = s;
  // not >= 0: on the plain scale (a fork median <= 0) the interval may reach below zero
  for (const bound of ['low', 'high'] as const)
    if (!finite(ci[bound])) fail(at, `stats.ci.${bound} is ${shown(ci[bound])}, not a finite number`);
  if ((ci.low as number) > (ci.high as number)) fail(at, `stats.ci.low ${ci.low} is above stats.ci.high ${ci.high}`);
  if (!(finite(ci.level) && ci.level >= 0 && ci.level < 1))
    fail(at, `stats.ci.level is ${shown(ci.level)}, not a number from 0 to under 1`);
  const spread = ci.sessions;
  // a reader widens the interval it derives from the samples by it again (derive.ts), and names its runs
  if (
    spread !== undefined &&
    (!isObject(spread) ||
      !(finite(spread.variance) && spread.variance >= 0) ||
      !(finite(spread.df) && spread.df >= 1) ||
      !(isWhole(spread.runs) && isWhole(spread.cells)))
  )
    fail(at, 'stats.ci.sessions needs a variance >= 0, df >= 1 and whole numbers of runs and cells');
}

const KINDS = new Set<ScenarioKind>(['micro', 'throughput', 'process']);
/** a line break: a name or unit on two lines forges report lines and breaks a chart's axis title */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** A string on one line: what a file's names and units must be, and what a scenario may declare. */
export const isOneLine = (v: unknown): v is string => typeof v === 'string' && !LINE_BREAK.test(v);

/** `name` is a string of one line (a cell's coordinate, a unit, a figure's name). */
function checkOneLine(v: unknown, name: string, at: string): void {
  if (typeof v !== 'string') fail(at, `'${name}' is ${shown(v)}, not a string`);
  if (!isOneLine(v)) fail(at, `'${name}' is ${shown(v)}, which is not one line`);
}

/** The figure a report leads with, when present: an `extra` figure's name, and how to read it. */
function checkHeadline(h: unknown, at: string): void {
  if (h === undefined) return;
  if (!isObject(h)) fail(at, `headline is ${shown(h)}, not {figure, name, unit, better}`);
  for (const field of ['figure', 'name', 'unit'] as const) checkOneLine(h[field], `headline.${field}`, at);
  if (h.better !== 'lower' && h.better !== 'higher')
    fail(at, `headline.better is ${shown(h.better)}, not lower|higher`);
}

function validateEntry(e: unknown, i: number, where: string): void {
  const at = `${where}: results[${i}]`;
  if (!isObject(e)) fail(at, 'not an object');
  if (typeof e.key !== 'string') fail(at, "'key' is not a string");
  for (const f of ['scenario', 'case', 'runtime'] as const) checkOneLine(e[f], f, at);
  if (!KINDS.has(e.kind as ScenarioKind)) fail(at, `kind is ${shown(e.kind)}, not micro|throughput|process`);
  if (!isEntryStatus(e.status)) fail(at, `status '${String(e.status)}' is not ok|failed|skipped|timeout`);
  checkString(e.reason, 'reason', at);
  if (!isObject(e.params)) fail(at, "'params' is not an object");
  for (const [name, v] of Object.entries(e.params))
    if (typeof v !== 'string' && typeof v !== 'boolean' && !finite(v))
      fail(at, `params[${JSON.stringify(name)}] is ${shown(v)}, not a string, finite number or boolean`);
  const m = e.metric;
  if (!isObject(m) || typeof m.unit !== 'string' || (m.better !== 'lower' && m.better !== 'higher'))
    fail(at, "'metric' needs a unit and better: lower|higher");
  if (typeof m.name !== 'string') fail(at, `metric.name is ${shown(m.name)}, not a string`);
  checkOneLine(m.name, 'metric.name', at);
  checkOneLine(m.unit, 'metric.unit', at);
  checkHeadline(e.headline, at);
  if (!Array.isArray(e.forks)) fail(at, "'forks' is not an array");
  for (const [f, fork] of e.forks.entries()) {
    if (!isObject(fork) || !Array.isArray(fork.samples)) fail(at, `forks[${f}] has no samples array`);
    // JSON has no NaN or Infinity: JSON.stringify writes them as null
    const bad = fork.samples.findIndex((s) => typeof s !== 'number' || !Number.isFinite(s) || s < 0);
    if (bad >= 0) fail(at, `forks[${f}].samples[${bad}] is ${shown(fork.samples[bad])}, not a finite number >= 0`);
    checkString(fork.reason, `forks[${f}].reason`, at);
    checkNonNegative(fork.cold, `forks[${f}].cold`, at);
    checkLatency(fork.latency, `forks[${f}].latency`, at);
    checkExtra(fork.extra, `forks[${f}].extra`, at);
    // the `!` of a cell reads it (report/standing.ts nearEmptyOp)
    const emptyOp = isObject(fork.measurement) ? fork.measurement.emptyOp : undefined;
    if (
      emptyOp !== undefined &&
      !(
        isObject(emptyOp) &&
        finite(emptyOp.opNs) &&
        finite(emptyOp.emptyNs) &&
        emptyOp.opNs >= 0 &&
        emptyOp.emptyNs > 0
      )
    )
      fail(at, `forks[${f}].measurement.emptyOp is ${shown(emptyOp)}, not {opNs >= 0, emptyNs > 0}`);
  }
  checkNonNegative(e.cold, 'cold', at);
  checkLatency(e.latency, 'latency', at);
  checkExtra(e.extra, 'extra', at);
  // the harness records a cell ok only when every fork took samples (src/harness/aggregate.ts)
  if (e.status === 'ok' && !e.forks.some((fork) => (fork.samples as unknown[]).length > 0))
    fail(at, 'status ok but no fork has samples');
  if (e.status === 'ok' || e.stats !== undefined) checkStats(e.stats, e.status === 'ok', at);
}

/** Where the run sat against earlier runs (`config.sessions.shift`, `config.earlierRuns`): the reports print it. */
function validateRatio(r: unknown, at: string): void {
  if (r === undefined) return;
  if (!isObject(r) || !(Number(r.ratio) > 0) || !Number.isFinite(r.ratio) || !Number.isInteger(r.cells))
    fail(at, 'needs a ratio > 0 and a whole number of cells');
}

/** What the reports print of the machine (a header line: "Machine: linux x64, <cpu>, 2 cores, 24 GiB"). */
function validateMachine(m: unknown, where: string): void {
  if (!isObject(m)) fail(where, "'machine' missing");
  for (const field of ['os', 'arch', 'cpuModel'] as const) {
    if (typeof m[field] !== 'string') fail(where, `'machine.${field}' is not a string`);
    checkOneLine(m[field], `machine.${field}`, where);
  }
  for (const field of ['cores', 'memoryBytes'] as const)
    if (!(Number(m[field]) > 0) || typeof m[field] !== 'number') fail(where, `'machine.${field}' is not a number > 0`);
  if (!isWhole(m.cores)) fail(where, `machine.cores is ${shown(m.cores)}, not a whole number >= 1`);
  checkNonNegative(m.pageFaultUs, 'machine.pageFaultUs', where);
}

/** What the reports and compare read of each runtime, and of the code's revision. */
function validateRuntimes(runtimes: unknown[], git: unknown, where: string): void {
  for (const [i, r] of runtimes.entries()) {
    const at = `${where}: runtimes[${i}]`;
    if (!isObject(r) || !['label', 'name', 'version'].every((f) => typeof r[f] === 'string'))
      fail(at, 'needs a label, name and version');
    if (!isObject(r.engine) || typeof r.engine.name !== 'string' || typeof r.engine.version !== 'string')
      fail(at, 'needs an engine with a name and version');
    for (const list of ['flags', 'notes'] as const) {
      const items = r[list];
      if (!Array.isArray(items)) fail(at, `'${list}' is not an array`);
      const bad = items.findIndex((item) => typeof item !== 'string');
      if (bad >= 0) fail(at, `${list}[${bad}] is ${shown(items[bad])}, not a string`);
    }
  }
  if (git !== null && git !== undefined && !(isObject(git) && typeof git.commit === 'string'))
    fail(where, "'git' needs a commit, or is null");
  // the harness always writes a string ('unknown' when git cannot name it; a detached HEAD is 'HEAD')
  if (isObject(git)) checkString(git.branch, 'git.branch', where);
}

/** What the reports print or compute with of the run's config. */
function validateConfig(c: Record<string, unknown>, where: string): void {
  checkString(c.database, 'config.database', where);
  // merge reads `{index, count}` and wants the shards 1..count (`run --shard K/N`, 1 <= K <= N)
  const { shard } = c;
  if (
    shard !== undefined &&
    shard !== null &&
    !(isObject(shard) && isWhole(shard.index) && isWhole(shard.count) && shard.index >= 1 && shard.index <= shard.count)
  )
    fail(where, `config.shard is ${shown(shard)}, not {index, count} of whole numbers with 1 <= index <= count`);
  for (const field of ['durationS', 'timeoutS'] as const)
    if (c[field] !== undefined && !(finite(c[field]) && c[field] > 0))
      fail(where, `config.${field} is ${shown(c[field])}, not a finite number > 0`);
  // 0 is written by compare --base when no cell was measured
  if (c.forks !== undefined && !(isWhole(c.forks) && c.forks >= 0))
    fail(where, `config.forks is ${shown(c.forks)}, not a whole number >= 0`);
  if (c.ab !== undefined) validateAb(c.ab, where);
  const files = c.scenarioFiles;
  if (
    files !== undefined &&
    !(isObject(files) && Object.values(files).every((d) => typeof d === 'string' && isOneLine(d)))
  )
    fail(where, `config.scenarioFiles is ${shown(files)}, not an object of digests`);
}

/** What `compare` judges two files of one A/B session with: the session's design and its decisions. */
function validateAb(ab: unknown, where: string): void {
  if (!isObject(ab)) fail(where, `config.ab is ${shown(ab)}, not an object`);
  for (const field of ['session', 'ref', 'stopped'] as const)
    if (typeof ab[field] !== 'string') fail(where, `config.ab.${field} is ${shown(ab[field])}, not a string`);
  if (ab.role !== 'base' && ab.role !== 'head')
    fail(where, `config.ab.role is ${shown(ab.role)}, not 'base' or 'head'`);
  if (ab.pairs !== undefined && ab.pairs !== 'duet' && ab.pairs !== 'process')
    fail(where, `config.ab.pairs is ${shown(ab.pairs)}, not 'duet' or 'process'`);
  // the design compare states: pairs a cell starts with, adds at each look, and ends with at most
  for (const field of ['looks', 'n0', 'nMax'] as const)
    if (!(isWhole(ab[field]) && ab[field] >= 1))
      fail(where, `config.ab.${field} is ${shown(ab[field])}, not a whole number >= 1`);
  for (const field of ['step', 'looksTaken', 'orderSeed'] as const)
    if (!(isWhole(ab[field]) && ab[field] >= 0))
      fail(where, `config.ab.${field} is ${shown(ab[field])}, not a whole number >= 0`);
  if (!(finite(ab.alpha) && ab.alpha > 0 && ab.alpha < 1))
    fail(where, `config.ab.alpha is ${shown(ab.alpha)}, not a level between 0 and 1`);
  for (const field of ['threshold', 'budgetS'] as const)
    if (!(finite(ab[field]) && ab[field] >= 0))
      fail(where, `config.ab.${field} is ${shown(ab[field])}, not a finite number >= 0`);
  if (ab.decided === undefined) return;
  if (!Array.isArray(ab.decided)) fail(where, `config.ab.decided is ${shown(ab.decided)}, not an array`);
  for (const [i, d] of ab.decided.entries())
    if (
      !isObject(d) ||
      typeof d.key !== 'string' ||
      (d.verdict !== 'slower' && d.verdict !== 'faster') ||
      !(isWhole(d.look) && d.look >= 1)
    )
      fail(where, `config.ab.decided[${i}] is ${shown(d)}, not {key, verdict: 'slower' | 'faster', look >= 1}`);
}

/**
 * The file's entries, each naming the machine it was measured on: an entry of a file from before
 * entries carried `machine` was measured on its file's.
 */
export function entriesOnMachine(file: ResultFile): ResultEntry[] {
  const id = file.machine.id;
  return file.results.map((e) => (e.machine || id === undefined ? e : { ...e, machine: id }));
}

/** A cell of a file combined from several (shards, a report's parts) that ran on another machine than the file names. */
export function ranElsewhere(file: ResultFile, entry: ResultEntry): boolean {
  const own = file.machine.id;
  return own !== undefined && entry.machine !== undefined && entry.machine !== own;
}

/**
 * Throws ResultFileError with a one-line reason if `data` is not an asyncbench/result@1 document. Each
 * cell's `key` is set to the one its coordinates make (entryKey): a reader never trusts a stored one.
 */
export function validateResultFile(data: unknown, where = 'result file'): ResultFile {
  if (!isObject(data)) fail(where, 'not a JSON object, so not an asyncbench result file');
  if (data.schema !== RESULT_SCHEMA) {
    const version = /^asyncbench\/result@(\d+)$/.exec(String(data.schema))?.[1];
    if (version !== undefined && Number(version) > SCHEMA_VERSION)
      fail(
        where,
        `written by a newer asyncbench (schema "${data.schema}"; this one reads "${RESULT_SCHEMA}"): upgrade`,
      );
    fail(
      where,
      data.schema === undefined
        ? "not an asyncbench result file (no 'schema' field)"
        : `schema is ${JSON.stringify(data.schema)}, expected "${RESULT_SCHEMA}"`,
    );
  }
  if (!isObject(data.run) || typeof data.run.id !== 'string') fail(where, "'run.id' missing");
  // runs are put in time order by it (a history, a trend chart)
  for (const field of ['startedAt', 'finishedAt'] as const)
    if (typeof data.run[field] !== 'string' || Number.isNaN(Date.parse(data.run[field])))
      fail(where, `'run.${field}' is not a date`);
  validateMachine(data.machine, where);
  if (!Array.isArray(data.runtimes)) fail(where, "'runtimes' is not an array");
  validateRuntimes(data.runtimes, data.git, where);
  if (!isObject(data.config)) fail(where, "'config' missing");
  validateConfig(data.config, where);
  const { sessions, earlierRuns } = data.config;
  validateRatio(isObject(sessions) ? sessions.shift : undefined, `${where}: config.sessions.shift`);
  validateRatio(earlierRuns, `${where}: config.earlierRuns`);
  if (isObject(earlierRuns) && !Array.isArray(earlierRuns.files))
    fail(`${where}: config.earlierRuns`, "'files' is not an array");
  if (!Array.isArray(data.results)) fail(where, "'results' is not an array");
  const labels = new Set(data.runtimes.map((r) => (r as RuntimeInfo).label));
  // compare and merge join entries by key: two of one key would be one cell measured twice
  const keys = new Map<string, number>();
  for (const [i, e] of data.results.entries()) {
    validateEntry(e, i, where);
    const entry = e as ResultEntry;
    // the tables' columns and version labels are the runtimes': a cell of none would vanish from them
    if (!labels.has(entry.runtime))
      fail(`${where}: results[${i}]`, `runtime ${JSON.stringify(entry.runtime)} is not one of 'runtimes'`);
    // by the key its coordinates make, which a reader gives it (io.ts), not the one the file says
    const key = entryKey(entry.scenario, entry.case, entry.params, entry.runtime);
    const first = keys.get(key);
    if (first !== undefined) fail(`${where}: results[${i}]`, `key ${JSON.stringify(key)} is also results[${first}]'s`);
    keys.set(key, i);
  }
  return data as unknown as ResultFile;
}

/** Stable key of a cell: params sorted by name so the key does not depend on declaration order. */
export function entryKey(scenario: string, caseName: string, params: Params, runtime: string): string {
  const p = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join(',');
  return `${scenario}/${caseName}/${p}/${runtime}`;
}

export { redactUrl } from './redact.js';
