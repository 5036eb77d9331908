import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { builtinScenarios, PROJECT_ROOT, type ScenarioInfo, selectScenarios } from '../harness/catalog.js';
import { probeCompatibility, skipMissingFeatures } from '../harness/compat.js';
import { budgetsOf, runConfigOf } from '../harness/config.js';
import { catchInterrupts, type Interrupts } from '../harness/interrupts.js';
import { gitInfo, machineInfo } from '../harness/metadata.js';
import { type Execution, executeJobs } from '../harness/orchestrator.js';
import { type Job, planCells, scheduleJobs } from '../harness/plan.js';
import { loadResume, type Resumed, resumeTarget } from '../harness/resume.js';
import { availableRuntimes, selectRuntimes } from '../harness/select-runtimes.js';
import { servicesNeeded } from '../harness/session.js';
import { planSuite, type Suite } from '../harness/suite.js';
import { describeTiming, runTiming } from '../harness/timing.js';
import { VERSION } from '../harness/version.js';
import { renderTerminal } from '../report/terminal.js';
import { withSessions } from '../result/derive.js';
import { Interrupted } from '../result/errors.js';
import { ratioToEarlier, runShift } from '../result/estimator.js';
import {
  canonicalPath,
  checkFileName,
  makeDirectory,
  modifiedAt,
  ResultJournal,
  refuseExistingFile,
  refuseSpecialFile,
  writeResultFile,
} from '../result/io.js';
import { forkId, JOURNAL_FORMAT, newRunId, planOf } from '../result/journal.js';
import { type ForkRecord, RESULT_SCHEMA, type ResultEntry, type ResultFile, type RunConfig } from '../result/schema.js';
import { currentRuntime } from '../runtimes/current.js';
import { makeScratch } from '../runtimes/debris.js';
import { type RuntimeExecutable, runtimeInfo } from '../runtimes/discover.js';
import { thisProcess } from '../runtimes/lock.js';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { type ServicesOfRun, startServicesEach } from '../services/each.js';
import type { ServicesDescription } from '../services/services.js';
import { type Command, intFlag, parseFlags, UsageError } from './command.js';
import { progressReporter } from './progress.js';
import { loadSessions, type OwnRuns, RECENT_RUNS, recentSessions, type ThisRun } from './sessions.js';

const HELP = `Usage: asyncbench run [SCENARIO|FILE ...] [options]

Runs scenarios (all built-in ones when none is named; a .ts/.js path runs your own scenario file)
on node, deno and bun, each measured case in a fresh process, and writes a result file.

Options:
  --runtime LIST         runtimes to run, comma-separated (default: node,deno,bun, the pinned builds);
                         a version spec (node@22, bun@1.3, deno@2.4.4) is provisioned from the npm
                         registry on first use (see asyncbench runtimes --help)
  --case LIST            only these cases, comma-separated
  --param KEY=V1,V2      only these param values (repeatable); numbers beyond the declared ones are
                         accepted (whole and from 1 or 0 up where the declared ones are), a word
                         only where the scenario declares it
  --quick                smaller matrix, one fork, shorter measuring (CIs are then within-process only)
  --full                 every value of every param (the whole grid: hours); by default a run uses
                         each scenario's representative matrix (asyncbench list shows both); with
                         --quick, the whole grid still, measured as --quick measures
  --suite NAME|FILE      the cells of a suite: suites/NAME.json or a suite file (docs/ci.md)
  --forks N              fresh processes per cell, 1 to 10000 (default 3; 1 with --quick)
  --duration SECONDS     measuring time of throughput cases (default 1; 0.3 with --quick), below --timeout
  --timeout SECONDS      per measured process; past it the process is killed and the cell is 'timeout'
                         (default 120)
  --engine NAME          micro engine: mitata (default) or tinybench
  --pin-cpu CPU|off      pin the measuring process of single-threaded micro cells to this CPU
                         (taskset; default: the last CPU where there are two or more and taskset
                         can pin there, else off; see docs/architecture.md, "Stable forks")
  --shard K/N            run only the K-th of N deterministic slices of the matrix, cut by cell
                         (scenario, case, params): all runtimes of a cell run on one shard (join with merge)
  --server-runtime NAME  runtime of the HTTP target server (default node; a version spec works too)
  --out DIR              directory of the result file (default results/ in the current directory)
  --json FILE            the result file's path (overrides --out); an existing file there is
                         refused (exit 2) unless --overwrite is given
  --overwrite            replace an existing --json FILE (a resumed run replaces its own FILE anyway)
  --sessions PATH|none   earlier result files of these cells on this machine (files or a directory;
                         repeatable): every 95% CI then includes how much whole runs move, not only
                         this run's forks (docs/architecture.md, "Run-to-run spread"). Default: the
                         latest ${RECENT_RUNS} runs of the same setup (machine, runtime versions,
                         engine, settings) in the result file's directory, the spread pooled within
                         each revision of the code, where they share cells with 2+ forks; none: this
                         run's forks only
  --resume FILE          continue an interrupted run with the same plan: keep the forks its journal
                         (FILE.partial.jsonl) or partial result file FILE holds, measure the rest
                         (the result goes to FILE unless --json or --out says otherwise)
  -h, --help             show this help

Exit codes: 0 every cell ok or skipped; 1 a cell failed or timed out; 2 bad usage; 4 an internal
error (a bug of asyncbench); 130 interrupted (143 on SIGTERM while a runtime version is
installed on first use).
Environment: DATABASE_URL points db scenarios at an existing PostgreSQL instead of an embedded one.`;

const FLAGS = {
  runtime: { type: 'string' },
  case: { type: 'string', multiple: true },
  param: { type: 'string', multiple: true },
  quick: { type: 'boolean' },
  full: { type: 'boolean' },
  suite: { type: 'string' },
  forks: { type: 'string' },
  duration: { type: 'string' },
  timeout: { type: 'string' },
  engine: { type: 'string' },
  'pin-cpu': { type: 'string' },
  shard: { type: 'string' },
  'server-runtime': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'string' },
  overwrite: { type: 'boolean' },
  resume: { type: 'string' },
  sessions: { type: 'string', multiple: true },
} as const;

interface RunSettings {
  positionals: string[];
  config: RunConfig;
  runtimes: RuntimeExecutable[];
  /** every runtime available: the HTTP target server may run on one that is not measured */
  discovered: RuntimeExecutable[];
  runId: string;
  resultPath: string;
  root: string;
  suite?: Suite;
  /** --resume FILE as given */
  resume?: string;
  /** --sessions as given */
  sessions?: string[];
  /** --sessions, or by default the runs beside the result file: the earlier runs of this code (prepareRun) */
  ownRuns?: OwnRuns;
  /** the code measured, read when the run starts */
  git: ResultFile['git'];
}

async function parseRun(argv: string[], root: string): Promise<RunSettings> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  const { config, suite } = await runConfigOf(values, positionals, root, (quick) =>
    intFlag(values.forks, '--forks', quick ? 1 : 3),
  );
  if (values.full) config.full = true;
  // before the runtimes are probed: a refused path costs nothing
  const runId = newRunId(new Date());
  // an empty path resolves to the current directory, which is no result file nor the folder asked for
  for (const flag of ['json', 'out', 'resume'] as const)
    if (values[flag] === '') throw new UsageError(`--${flag} needs a path, got ''`);
  if (values.json !== undefined) checkFileName(values.json, '--json');
  const resultPath = resolve(
    values.json ??
      (values.resume !== undefined && values.out === undefined
        ? resumeTarget(values.resume)
        : join(values.out ?? 'results', `${runId}.json`)),
  );
  refuseSpecialFile(resultPath);
  refuseOverwrite(resultPath, values);
  const discovered = await availableRuntimes(root);
  const sources = { log: (line: string) => console.error(`asyncbench: ${line}`) };
  const { runtimes, server } = await selectRuntimes(values.runtime, discovered, sources, values['server-runtime']);
  if (server) config.serverRuntime = server.label;
  const git = await gitInfo(await currentRuntime(), root);
  const { resume, sessions } = values;
  return {
    positionals,
    config,
    runtimes,
    discovered,
    runId,
    resultPath,
    root,
    suite,
    resume,
    sessions,
    git,
  };
}

/**
 * A result file holds raw samples no later run reproduces: `--json FILE` of an earlier run replaced
 * it silently. --overwrite says that is meant; a resumed run writes over its own partial file.
 */
function refuseOverwrite(resultPath: string, values: { overwrite?: boolean; resume?: string; json?: string }): void {
  // a fresh result path (results/<run id>.json) never exists: the flag would say nothing
  if (values.overwrite && values.json === undefined) throw new UsageError('--overwrite needs --json FILE');
  if (values.overwrite) return;
  if (values.resume !== undefined && canonicalPath(resumeTarget(values.resume)) === canonicalPath(resultPath)) return;
  refuseExistingFile(resultPath, '--json', `${resultPath} exists (an earlier run's result)`);
}

/**
 * --sessions PATH...: those files; --sessions none: none; by default the latest runs of the same
 * setup beside the new result file, said on stderr so that a widened interval is never a surprise.
 */
function earlierRunsOf(sessions: string[] | undefined, resultPath: string, now: ThisRun) {
  if (sessions?.includes('none')) {
    if (sessions.length > 1) throw new UsageError('--sessions none takes no paths beside it');
    return undefined;
  }
  if (sessions !== undefined) return loadSessions(sessions, now.machineId, resultPath);
  // one fork's interval is within-process only and takes no spread (estimateCentre)
  if (now.config.forks < 2) return undefined;
  const recent = recentSessions(resultPath, now);
  const spread = recent?.sessions?.spread;
  if (spread) {
    const revisions = spread.revisions ? ` of ${spread.revisions} revisions of the code` : '';
    console.error(
      `asyncbench: intervals include the run-to-run spread of ${spread.runs} earlier runs${revisions} in ${dirname(resultPath)} (--sessions none: this run's forks only)`,
    );
  }
  return recent;
}

/**
 * The earlier runs whose spread this run's intervals take, once the scenarios are known: a user's
 * scenario file is part of the code measured (config.scenarioFiles), so its runs before an edit
 * count as another revision's, not as the machine's spread
 */
function findEarlierRuns(runtime: RuntimeAdapter, settings: RunSettings, scenarios: readonly ScenarioInfo[]): void {
  const { config } = settings;
  const files = scenarios.filter((s) => s.digest !== undefined);
  if (files.length > 0) config.scenarioFiles = Object.fromEntries(files.map((s) => [s.id, s.digest as string]));
  const earlier = earlierRunsOf(settings.sessions, settings.resultPath, {
    machineId: machineInfo(runtime).id,
    config,
    git: settings.git,
    runtimes: settings.runtimes,
  });
  if (earlier?.sessions) config.sessions = earlier.sessions;
  settings.ownRuns = earlier?.own;
}

/** The forks this invocation measured: a resumed run's timing is its own, not the interrupted run's too. */
function measuredHere(entries: readonly ResultEntry[], kept: ReadonlyMap<string, ForkRecord> | undefined) {
  const earlier = new Set(kept?.values());
  return entries.map((e) => ({ ...e, forks: e.forks.filter((f) => !earlier.has(f)) }));
}

/** Experimental: off (default), rotate (fork k gets seed k + 1), or one fixed seed. */
function seedPolicy(raw: string | undefined): (fork: number) => number | undefined {
  if (raw === undefined || raw === 'off') return () => undefined;
  if (raw === 'rotate') return (fork) => fork + 1;
  return () => Number(raw);
}

/** The scenarios and cells of the run: those named (or all), narrowed by the filters; or a suite's. */
async function planRun(settings: RunSettings, tmpDir: string) {
  const { config, runtimes, suite } = settings;
  if (!suite) {
    const scenarios = await selectScenarios(settings.positionals, tmpDir);
    const options = {
      cases: config.cases,
      params: config.params,
      quick: config.quick,
      full: config.full,
      shard: config.shard,
    };
    return { scenarios, cells: planCells(scenarios, runtimes, options) };
  }
  const all = await builtinScenarios();
  const { cells, missing } = planSuite(suite, all, runtimes, config);
  if (missing.length) throw new UsageError(`suite ${suite.name}: unknown scenario '${missing[0]}'`);
  return { scenarios: all.filter((s) => cells.some((c) => c.scenario.id === s.id)), cells };
}

/** What a run ended with: its forks, whether it was interrupted, and what it started. */
interface RunEnd {
  outcome: Execution;
  interrupted: boolean;
  /** a resumed run's forks from before */
  kept: ReadonlyMap<string, ForkRecord> | undefined;
  runId: string;
  startedAt: Date;
  t0: number;
  servicesMs: number;
  services: ServicesDescription;
}

/**
 * Where this run sat against the earlier runs of this code, as the config records it: the shift
 * within their spread (`sessions.shift`), or with no spread, the ratio to them (`earlierRuns`).
 */
function againstEarlierRuns(
  config: RunConfig,
  entries: readonly ResultEntry[],
  own: OwnRuns | undefined,
): Pick<RunConfig, 'sessions' | 'earlierRuns'> {
  if (!own) return {};
  const { sessions } = config;
  if (sessions?.spread) {
    const shift = runShift(entries, own.history, sessions.spread);
    return shift ? { sessions: { ...sessions, shift } } : {};
  }
  // no spread to judge it by, but earlier runs of this code: where this run sits is still said
  const ratio = ratioToEarlier(entries, own.history);
  return ratio ? { earlierRuns: { files: own.files, ...ratio } } : {};
}

/** The result file of a run: its entries with the run-to-run spread, where it sat against earlier runs, its timing. */
function resultFileOf(settings: RunSettings, runtime: RuntimeAdapter, end: RunEnd): ResultFile {
  const { config, runtimes } = settings;
  const { outcome, interrupted, kept, runId, startedAt, t0, servicesMs, services } = end;
  const machine = machineInfo(runtime);
  const spread = config.sessions?.spread;
  const entries = skipMissingFeatures(outcome.entries, runtimes).map((e) => (spread ? withSessions(e, spread) : e));
  return {
    schema: RESULT_SCHEMA,
    run: {
      id: runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      complete: !(outcome.interrupted || interrupted),
      asyncbenchVersion: VERSION,
      timing: runTiming(measuredHere(outcome.entries, kept), Date.now() - t0, servicesMs),
    },
    git: settings.git,
    machine,
    runtimes: runtimes.map(runtimeInfo),
    config: { ...config, ...againstEarlierRuns(config, entries, settings.ownRuns), ...services },
    results: entries.map((e) => ({ ...e, machine: machine.id })),
  };
}

/**
 * No cell to run: bad usage, unless this is a shard of a matrix with fewer cell groups than shards.
 * That shard writes a result file with no entry, so that `merge` finds shards 1..N, as a CI matrix
 * with a fixed N expects.
 */
async function refuseEmpty(settings: RunSettings, tmpDir: string): Promise<void> {
  const shard = settings.config.shard;
  const whole = shard && (await planRun({ ...settings, config: { ...settings.config, shard: undefined } }, tmpDir));
  if (!whole || whole.cells.length === 0)
    throw new UsageError('nothing to run: the filters leave no cell of the matrix');
  const groups = new Set(whole.cells.map((c) => c.group)).size;
  console.error(
    `asyncbench: shard ${shard.index}/${shard.count} has no cell: the matrix has ${groups} cell group${groups === 1 ? '' : 's'} for ${shard.count} shards; writing a result with no entry, for merge`,
  );
}

/** What a run measures: its jobs, and the journal that keeps each finished fork. */
interface PreparedRun {
  requires: Set<string>;
  jobs: Job[];
  journal: ResultJournal;
  resumed: Resumed | undefined;
  runId: string;
  startedAt: Date;
}

/**
 * Plans the run, probes the runtimes for the features its scenarios need, and opens its journal. A
 * resumed run continues the interrupted one: its id, its start (else `startedAt`), its finished forks.
 */
async function prepareRun(
  runtime: RuntimeAdapter,
  settings: RunSettings,
  tmpDir: string,
  interrupts: Interrupts,
  startedAt: Date,
): Promise<PreparedRun> {
  const { config, runtimes, resultPath } = settings;
  const { scenarios, cells } = await planRun(settings, tmpDir);
  // nothing was measured yet and no plan written: one line, exit 130, and run() removes the scratch
  if (interrupts.interrupted) throw new Interrupted();
  config.scenarios = scenarios.map((s) => s.id);
  if (cells.length === 0) await refuseEmpty(settings, tmpDir);
  findEarlierRuns(runtime, settings, scenarios);
  const requires = servicesNeeded(runtime, scenarios);
  makeDirectory(tmpDir);
  const skipReason = await probeCompatibility(runtime, runtimes, scenarios, tmpDir, interrupts.signal);
  if (interrupts.interrupted) throw new Interrupted();
  for (const cell of cells) cell.skip = skipReason(cell);
  const jobs = scheduleJobs(cells, config.forks, seedPolicy(runtime.env('ASYNCBENCH_SEED')));
  const plan = planOf(
    config,
    runtimes,
    cells.map((c) => c.key),
    settings.git,
  );
  const resumed = settings.resume === undefined ? undefined : loadResume(settings.resume, plan);
  const runId = resumed ? resumed.runId : settings.runId;
  const started = resumed ? new Date(resumed.startedAt) : startedAt;
  const journal = new ResultJournal(
    resultPath,
    { journal: JOURNAL_FORMAT, runId, startedAt: started.toISOString(), plan, writer: thisProcess() },
    settings.runId,
  );
  return { requires, jobs, journal, resumed, runId, startedAt: started };
}

/**
 * Runs the jobs with progress on stderr; Ctrl-C stops them. Interrupted while the services started,
 * it measures nothing, but a resumed run's kept forks stay.
 */
async function measureJobs(
  runtime: RuntimeAdapter,
  settings: RunSettings,
  prepared: PreparedRun,
  services: ServicesOfRun,
  interrupts: Interrupts,
  tmpDir: string,
): Promise<Execution> {
  const { config } = settings;
  const { jobs, journal } = prepared;
  const progress = progressReporter(jobs.length, config.forks, isatty(2), () => runtime.now());
  const kept = prepared.resumed?.kept;
  const execution = executeJobs(
    runtime,
    interrupts.interrupted ? jobs.filter((j) => kept?.has(forkId(j.cell.key, j.fork))) : jobs,
    budgetsOf(config, runtime),
    services,
    journal,
    progress,
    tmpDir,
    kept,
  );
  interrupts.stop = execution.stop;
  try {
    return await execution.done;
  } finally {
    progress.finish();
  }
}

/**
 * Writes the result file, beside it when another run wrote it meanwhile (its modification time is
 * no longer `found`), and returns where; then the journals go, since the file holds every fork.
 */
function writeRunResult(
  settings: RunSettings,
  prepared: PreparedRun,
  result: ResultFile,
  found: number | undefined,
): string {
  const { resultPath } = settings;
  let written = resultPath;
  if (modifiedAt(resultPath) !== found) {
    const mine = resultPath.replace(/(\.json)?$/, `.${settings.runId}$1`);
    console.error(`asyncbench: another run wrote ${resultPath} meanwhile; this run's result goes to ${mine}`);
    written = mine;
  }
  try {
    writeResultFile(written, result);
  } catch (error) {
    // nothing measured is lost: the journal holds every finished fork
    throw new UsageError(
      `${(error as Error).message}; every finished fork is kept in ${prepared.journal.path} (asyncbench run --resume ${resultPath} --json OTHER.json writes it elsewhere)`,
    );
  }
  prepared.journal.remove();
  for (const path of prepared.resumed?.journals ?? []) rmSync(path, { force: true });
  return written;
}

/** The result's table on stdout, its timing on stderr; returns the exit code. */
function printRun(runtime: RuntimeAdapter, result: ResultFile, written: string, interrupted: boolean): number {
  // the table goes to stdout: coloured where stdout is a terminal, not where stderr is (`run > file`)
  console.log(renderTerminal(result, { color: isatty(1) && runtime.env('NO_COLOR') === undefined }));
  console.log(`\nresult file: ${written}`);
  if (result.run.timing) console.error(describeTiming(result.run.timing));
  if (interrupted) {
    console.error('asyncbench: interrupted; finished results kept in the result file');
    return 130;
  }
  return result.results.some((e) => e.status === 'failed' || e.status === 'timeout') ? 1 : 0;
}

async function execute(settings: RunSettings, tmpDir: string): Promise<number> {
  const runtime = await currentRuntime();
  const startedAt = new Date();
  const t0 = Date.now();
  const interrupts = catchInterrupts(runtime);
  const prepared = await prepareRun(runtime, settings, tmpDir, interrupts, startedAt);
  // the result file as this run found it: another run that writes it meanwhile is not overwritten
  const foundResult = modifiedAt(settings.resultPath);
  const servicesAt = runtime.now();
  const services = await startServicesEach(prepared.requires, {
    serverRuntime: settings.config.serverRuntime,
    runtimes: settings.discovered,
    projectRoot: settings.root,
    signal: interrupts.signal,
  });
  const servicesMs = runtime.now() - servicesAt;
  // whatever fails from here on, the services stop: a schema on a DATABASE_URL server and an
  // embedded PostgreSQL's data directory are not left behind
  let ended: { result: ResultFile; written: string; interrupted: boolean };
  try {
    const outcome = await measureJobs(runtime, settings, prepared, services, interrupts, tmpDir);
    // as the result file says: a signal while the services stop after it comes too late to cut the run short
    const interrupted = outcome.interrupted || interrupts.interrupted;
    const { runId, resumed } = prepared;
    const result = resultFileOf(settings, runtime, {
      outcome,
      interrupted: interrupts.interrupted,
      kept: resumed?.kept,
      runId,
      startedAt: prepared.startedAt,
      t0,
      servicesMs,
      services: services.describe(),
    });
    // the result file first, then the services
    ended = { result, written: writeRunResult(settings, prepared, result, foundResult), interrupted };
  } finally {
    await services.stop();
  }
  return printRun(runtime, ended.result, ended.written, ended.interrupted);
}

const run: Command = {
  name: 'run',
  summary: 'run scenarios on node, deno and bun and write a result file',
  help: HELP,
  async run(argv) {
    const root = fileURLToPath(PROJECT_ROOT);
    const settings = await parseRun(argv, root);
    // a run killed outright left its build directory: the next one removes it
    const scratch = makeScratch(root, 'run-', settings.runId);
    try {
      return await execute(settings, scratch.path);
    } finally {
      scratch.remove();
    }
  },
};
export default run;
