/**
 * What a journal holds and how a resumed run decides that an interrupted run is its own: the plan
 * (scenarios, filters, runtimes and their versions, forks, engine, durations, CPU pinning, the code, the cells) is written
 * as the journal's header, and `--resume` refuses a plan that differs in anything, naming the first
 * difference. Pure data; the file I/O is in io.ts.
 */
import { codeOf, type ForkRecord, type ResultFile, type RunConfig } from './schema.js';

export const JOURNAL_FORMAT = 'asyncbench/journal@1';

/** A run's id, its start time made file-safe plus four random letters: `2026-11-24T09-36-12-552Z-k3vd`. */
export function newRunId(startedAt: Date): string {
  const letters = Math.random().toString(36).slice(2).padEnd(4, '0').slice(0, 4);
  return `${startedAt.toISOString().replace(/[:.]/g, '-')}-${letters}`;
}

/** The shape `newRunId` makes, exactly, so a file name that merely starts with a date is not taken for one. */
export const RUN_ID = /\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-z]{4}/;

/** Everything that decides what a run measures and how: two runs with equal plans are interchangeable. */
export interface RunPlan {
  scenarios: string[];
  cases: string[];
  params: Record<string, string[]>;
  runtimes: { label: string; version: string }[];
  forks: number;
  engine: string;
  quick: boolean;
  durationS: number;
  timeoutS: number;
  shard: { index: number; count: number } | null;
  serverRuntime: string;
  /** the CPU micro cells are pinned to, null for none; absent in journals from before it was planned */
  pinCpu?: number | null;
  /** the code measured (`codeOf`); absent likewise */
  code?: string;
  /** the keys of the planned cells, in order */
  cells: string[];
}

export interface JournalHeader {
  journal: typeof JOURNAL_FORMAT;
  runId: string;
  startedAt: string;
  plan: RunPlan;
  /** the process that writes it: `--resume` refuses a journal whose writer still runs (absent in older journals) */
  writer?: { pid: number; host: string };
}

/** One finished fork. `record` is kept as the JSON it was: fields this version does not know round-trip. */
export interface JournalLine {
  key: string;
  /** 0-based */
  fork: number;
  record: ForkRecord;
}

/** Whether a journal header's plan has the shape `planDifference` reads (a foreign or edited journal may not). */
export function isPlan(v: unknown): v is RunPlan {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  return (
    strings(p.scenarios) &&
    strings(p.cases) &&
    strings(p.cells) &&
    typeof p.params === 'object' &&
    p.params !== null &&
    Object.values(p.params).every(strings) &&
    Array.isArray(p.runtimes) &&
    p.runtimes.every((r) => typeof r?.label === 'string' && typeof r?.version === 'string') &&
    ['forks', 'durationS', 'timeoutS'].every((k) => typeof p[k] === 'number') &&
    typeof p.engine === 'string' &&
    typeof p.quick === 'boolean' &&
    typeof p.serverRuntime === 'string'
  );
}

export function planOf(
  config: RunConfig,
  runtimes: readonly { label: string; version: string }[],
  cells: readonly string[],
  git: ResultFile['git'],
): RunPlan {
  return {
    scenarios: [...config.scenarios],
    cases: [...config.cases],
    params: config.params,
    runtimes: runtimes.map(({ label, version }) => ({ label, version })),
    forks: config.forks,
    engine: config.engine,
    quick: config.quick,
    durationS: config.durationS,
    timeoutS: config.timeoutS,
    shard: config.shard ?? null,
    serverRuntime: config.serverRuntime,
    pinCpu: config.pinCpu ?? null,
    code: codeOf(git, config),
    cells: [...cells],
  };
}

/** a decimal number as `--param` takes one (harness/plan.ts reads such a value as a number) */
export const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * `--param` values as a plan compares them: the run read `tasks=100.0`, ` 100` and `100,100` as the
 * one value 100, so a resume typed `tasks=100` continues it
 */
function paramValues(raws: readonly string[]): string[] {
  const values = raws.map((raw) => {
    const value = raw.trim();
    return DECIMAL.test(value) ? String(Number(value) + 0) : value;
  });
  return values.filter((v, i) => values.indexOf(v) === i);
}

const show = {
  list: (v: string[]) => (v.length ? v.join(',') : '(all)'),
  params: (p: Record<string, string[]>) =>
    Object.keys(p).length
      ? Object.keys(p)
          .sort()
          .map((k) => `${k}=${paramValues(p[k]).join(',')}`)
          .join(' ')
      : '(all)',
  runtimes: (r: RunPlan['runtimes']) => r.map((x) => `${x.label} ${x.version}`).join(', '),
  shard: (s: RunPlan['shard']) => (s ? `${s.index}/${s.count}` : 'none'),
  pin: (cpu: RunPlan['pinCpu']) => (cpu === undefined ? 'unknown' : cpu === null ? 'off' : String(cpu)),
};

/**
 * The first way `now` differs from `before`, as "<what>: <before> vs <now>", or undefined when they
 * are the same plan. `cellsKnown` is false when `before` comes from a partial result file, which
 * holds only the cells that finished: then those must be cells of `now`.
 */
export function planDifference(before: RunPlan, now: RunPlan, cellsKnown = true): string | undefined {
  const fields: [string, string, string][] = [
    ['scenarios', show.list(before.scenarios), show.list(now.scenarios)],
    ['runtimes', show.runtimes(before.runtimes), show.runtimes(now.runtimes)],
    ['--case', show.list(before.cases), show.list(now.cases)],
    ['--param', show.params(before.params), show.params(now.params)],
    ['--forks', String(before.forks), String(now.forks)],
    ['--engine', before.engine, now.engine],
    ['--quick', String(before.quick), String(now.quick)],
    ['--duration', `${before.durationS} s`, `${now.durationS} s`],
    ['--timeout', `${before.timeoutS} s`, `${now.timeoutS} s`],
    ['--shard', show.shard(before.shard), show.shard(now.shard)],
    ['--server-runtime', before.serverRuntime, now.serverRuntime],
    // pinned forks spread a few percent, unpinned ones about 20% (docs/architecture.md, "Stable forks")
    ['--pin-cpu', show.pin(before.pinCpu), before.pinCpu === undefined ? 'unknown' : show.pin(now.pinCpu)],
    // forks of two revisions in one cell would time neither
    ['the code measured', before.code ?? 'unknown', before.code === undefined ? 'unknown' : (now.code ?? 'unknown')],
  ];
  const differs = fields.find(([, a, b]) => a !== b);
  if (differs) return `${differs[0]}: ${differs[1]} vs ${differs[2]}`;
  const planned = new Set(now.cells);
  const unknown = before.cells.find((key) => !planned.has(key));
  if (unknown) return `cell ${unknown} is not in this run's plan (was a scenario file changed?)`;
  if (cellsKnown && before.cells.length !== now.cells.length) {
    const known = new Set(before.cells);
    const added = now.cells.find((key) => !known.has(key));
    return `this run plans cell ${added}, the interrupted one did not (was a scenario file changed?)`;
  }
  return undefined;
}

/** The finished forks of an interrupted run, by `forkId`. */
export interface Finished {
  runId: string;
  startedAt: string;
  plan: RunPlan;
  /** false when `plan.cells` lists only the cells that finished (a partial result file) */
  cellsKnown: boolean;
  records: Map<string, ForkRecord>;
}

export function forkId(key: string, fork: number): string {
  return `${fork}/${key}`;
}

export function finishedOfJournal(header: JournalHeader, lines: readonly JournalLine[]): Finished {
  const records = new Map<string, ForkRecord>();
  for (const line of lines) {
    const id = forkId(line.key, line.fork);
    if (!records.has(id)) records.set(id, line.record);
  }
  return { runId: header.runId, startedAt: header.startedAt, plan: header.plan, cellsKnown: true, records };
}

/**
 * A result file written at an interruption (`run.complete: false`) holds the forks that finished:
 * forks run in order (every cell's fork 1 before any fork 2), so a record's place is its fork.
 */
export function finishedOfResult(result: ResultFile): Finished {
  const records = new Map<string, ForkRecord>();
  for (const entry of result.results)
    for (const [fork, record] of entry.forks.entries()) records.set(forkId(entry.key, fork), record);
  const plan = planOf(
    result.config,
    result.runtimes,
    result.results.map((e) => e.key),
    result.git,
  );
  return { runId: result.run.id, startedAt: result.run.startedAt, plan, cellsKnown: false, records };
}
