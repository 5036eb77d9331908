/**
 * `asyncbench compare --base REF [--head REF] [SCENARIO|FILE ...]`: the regression gate in one CI
 * job. Builds both revisions (src/harness/revision.ts), runs them on this machine interleaved pair
 * by pair with adaptive, sequential forks (src/harness/ab.ts), writes both result files and the
 * comparison, and exits as `compare` does.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import {
  AB_DESIGN,
  type AbCell,
  type AbDesign,
  type AbJob,
  type AbOutcome,
  type AbSessionOptions,
  PAIR_MODES,
  type PairMode,
  plannedLooks,
  runAbSession,
  SIDES,
  type Side,
} from '../harness/ab.js';
import {
  checkChildProtocols,
  openAbSession,
  pairSides,
  planSides,
  type SideSetup,
  setUpSides,
} from '../harness/ab-setup.js';
import { PROJECT_ROOT } from '../harness/catalog.js';
import { budgetsOf, runConfigOf } from '../harness/config.js';
import { catchInterrupts, type Interrupts } from '../harness/interrupts.js';
import { CHILD_PROTOCOL } from '../harness/job.js';
import { gitInfo, machineInfo } from '../harness/metadata.js';
import {
  checkOwnWorkingTree,
  checkoutRevision,
  type Revision,
  repositoryOf,
  resolveCommit,
  revisionsDir,
  workingTree,
} from '../harness/revision.js';
import { availableRuntimes, selectRuntimes } from '../harness/select-runtimes.js';
import type { Suite } from '../harness/suite.js';
import { compareEntryPairs, compareResults, DEFAULT_COMPARE_OPTIONS } from '../report/compare.js';
import { COMPARE_RENDERERS, type CompareFormat } from '../report/compare-output.js';
import { checkMakeDirectory, writeResultFile } from '../result/io.js';
import { newRunId } from '../result/journal.js';
import { type AbDecision, RESULT_SCHEMA, type ResultEntry, type ResultFile, type RunConfig } from '../result/schema.js';
import { currentRuntime } from '../runtimes/current.js';
import type { Scratch } from '../runtimes/debris.js';
import { runtimeInfo } from '../runtimes/discover.js';
import type { ChildHandle, RuntimeAdapter } from '../runtimes/types.js';
import { parseFlags, UsageError } from './command.js';
import { emitComparison, parseFormat, parsePercent, parseThreshold } from './compare-emit.js';
import { describeJob, progressReporter } from './progress.js';

export const BASE_HELP = `compare --base REF: build and run two revisions here, interleaved, and judge them

Builds REF (and --head REF, else the working tree, rebuilt with npm run build) from git, each in a
tree of its own with its own npm ci and build, cached by commit in $ASYNCBENCH_REVISIONS_DIR
(default $XDG_CACHE_HOME/asyncbench/revisions, else ~/.cache/asyncbench/revisions). Each side runs
its own dist/child.js, scenarios and pinned runtimes; a FILE is taken from each side's tree. Base
and head forks of a cell run back to back as A/B pairs in a random order, with one seed and one
batch per pair, and are judged by the paired test. A pair of a micro cell is a duet by default:
head's child loads both sides' scenario modules and measures them in one process, batch by batch
(see --pairs); a duet that fails or hangs as a whole does not say which side did, so that cell's
pairs run as two processes from then on. Sequential design: every cell starts with
${AB_DESIGN.n0} pairs; after each look the entries that cannot be judged yet get ${AB_DESIGN.step} more, up to
${AB_DESIGN.nMax} (${plannedLooks(AB_DESIGN)} looks), or until --budget would be overrun; alpha is split evenly over the
looks (Bonferroni) and Holm-corrected over the entries.

Options (besides the run options --runtime --case --param --quick --suite --engine --pin-cpu
--duration --timeout --shard --server-runtime):
  --base REF              the revision to compare against (a commit, branch or tag)
  --head REF              the revision to judge (default: the working tree)
  --budget DURATION       wall time of the whole command, e.g. 8m, 90s (default 8m); pairs stop
                          being added when the next round would overrun it (the first
                          ${AB_DESIGN.n0} pairs of every cell always run)
  --threshold PCT         smallest change that counts (default 5)
  --max-unjudged PCT      exit 3 when more of the entries cannot be judged (default 10)
  --pairs MODE            how a pair of a micro cell runs: duet (default) measures base and head in
                          one process, batch by batch in ABBA order, so the process and the
                          machine's moment cancel in their ratio; process runs them as two fresh
                          processes back to back (throughput and process cells always do);
                          --engine times only the micro pairs run as two processes
  --format FORMAT         what to print: text (default), md or json (docs/result-schema.md)
  --out DIR               where base.json, head.json and compare.{txt,md,json} go
                          (default results/compare-<id>/ at the top of the git repository)

Exit codes: 0 no regression; 1 some entry is slower beyond the threshold, or failed in head where base measured it; 2 bad usage, a REF that
does not exist, a revision that fails to build (the line names its log), a scenario in neither
revision, or a base too old for this child protocol (protocol ${CHILD_PROTOCOL}); 3 more than --max-unjudged of
the entries could not be judged, one it could not judge measured slower by the threshold or more, or none was measured on both sides; 4 an internal error (a bug of asyncbench, never a verdict); 130 interrupted (the finished forks are kept in the result files; 143 on SIGTERM while a runtime version is installed on first use).`;

export function wantsBase(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--base' || a.startsWith('--base='));
}

const FLAGS = {
  base: { type: 'string' },
  head: { type: 'string' },
  runtime: { type: 'string' },
  case: { type: 'string', multiple: true },
  param: { type: 'string', multiple: true },
  quick: { type: 'boolean' },
  suite: { type: 'string' },
  engine: { type: 'string' },
  'pin-cpu': { type: 'string' },
  duration: { type: 'string' },
  timeout: { type: 'string' },
  shard: { type: 'string' },
  'server-runtime': { type: 'string' },
  budget: { type: 'string' },
  threshold: { type: 'string' },
  'max-unjudged': { type: 'string' },
  pairs: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

/**
 * The first flag of argv that only a compare --base session takes and `own` (another form of
 * compare) does not: `compare a.json b.json --budget 5m` said "Unknown option '--budget'", though
 * compare takes it with --base.
 */
export function baseOnlyFlag(argv: readonly string[], own: Readonly<Record<string, unknown>>): string | undefined {
  for (const arg of argv) {
    if (arg === '--') break;
    const name = /^--([^=]+)/.exec(arg)?.[1];
    if (name !== undefined && Object.hasOwn(FLAGS, name) && !Object.hasOwn(own, name)) return name;
  }
  return undefined;
}

const DEFAULT_BUDGET_MS = 8 * 60_000;
const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** `8m`, `90s`, `1m30s`, `1h`, or plain seconds. */
export function parseDuration(raw: string | undefined, flag: string, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const text = raw.trim();
  const parts = /^\d+(\.\d+)?$/.test(text)
    ? [[text, text, 's']]
    : [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)].map(([whole, n, unit]) => [whole, n, unit]);
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit], 0);
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text || !(ms > 0))
    throw new UsageError(`${flag} takes a duration such as 8m, 90s or 1m30s, got '${raw}'`);
  return ms;
}

/** The design: AB_DESIGN, or ASYNCBENCH_AB_DESIGN="n0,step,nMax" (experiments and tests). */
function designOf(runtime: RuntimeAdapter): AbDesign {
  const raw = runtime.env('ASYNCBENCH_AB_DESIGN');
  if (!raw) return { ...AB_DESIGN };
  const [n0, step, nMax] = raw.split(',').map(Number);
  if (![n0, step, nMax].every((n) => Number.isInteger(n) && n >= 1) || n0 < 2 || nMax < n0)
    throw new UsageError(`ASYNCBENCH_AB_DESIGN takes n0,step,nMax (n0 >= 2, nMax >= n0), got '${raw}'`);
  return { n0, step, nMax };
}

function sideFile(
  side: SideSetup,
  entries: ResultEntry[],
  meta: {
    id: string;
    startedAt: Date;
    complete: boolean;
    machine: ResultFile['machine'];
    config: RunConfig;
    ab: NonNullable<RunConfig['ab']>;
  },
): ResultFile {
  const forks = Math.max(0, ...entries.map((e) => e.forks.length));
  return {
    schema: RESULT_SCHEMA,
    run: {
      id: `${meta.id}-${side.role}`,
      startedAt: meta.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      complete: meta.complete,
      asyncbenchVersion: side.version,
    },
    git: side.revision.git,
    machine: meta.machine,
    runtimes: side.runtimes.map(runtimeInfo),
    config: {
      ...meta.config,
      forks,
      scenarios: side.scenarios.map((s) => s.id),
      ab: { ...meta.ab, role: side.role, ref: side.revision.ref },
    },
    results: entries,
  };
}

/** One line of progress on stderr. */
function say(line: string): void {
  console.error(`asyncbench: ${line}`);
}

type BaseFlags = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

/** The command line, read and checked before anything is built. */
interface BaseOptions {
  /** the flags as given */
  values: BaseFlags;
  /** --base, which is required */
  base: string;
  positionals: string[];
  root: string;
  threshold: number;
  maxUnjudged: number;
  format: CompareFormat;
  budgetMs: number;
  pairs: PairMode;
  design: AbDesign;
  looks: number;
  config: RunConfig;
  suite?: Suite;
}

async function parseBaseOptions(argv: string[], runtime: RuntimeAdapter): Promise<BaseOptions> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (!values.base) throw new UsageError('--base takes a git revision (a commit, branch or tag)');
  // an empty --head read as none (the working tree); an empty --out as the current directory
  if (values.head === '')
    throw new UsageError("--head takes a git revision, got '' (leave it out to measure the working tree)");
  if (values.out === '') throw new UsageError("--out needs a path, got ''");
  // before any build: a file there (or on the way to it) failed only when the first journal was
  // written, after both revisions were built
  if (values.out !== undefined) checkMakeDirectory(values.out);
  const root = fileURLToPath(PROJECT_ROOT);
  const threshold = parseThreshold(values.threshold, DEFAULT_COMPARE_OPTIONS.threshold);
  const maxUnjudged = parsePercent(values['max-unjudged'], '--max-unjudged', 0.1);
  const format = parseFormat(values.format);
  const budgetMs = parseDuration(values.budget, '--budget', DEFAULT_BUDGET_MS);
  const pairs = (values.pairs ?? 'duet') as PairMode;
  if (!PAIR_MODES.includes(pairs))
    throw new UsageError(`--pairs takes ${PAIR_MODES.join(' or ')}, got '${values.pairs}'`);
  // recorded as the config's engine, yet a duet times both sides with a loop of its own
  if (values.engine !== undefined && pairs === 'duet')
    say(
      `note: --engine ${values.engine} times only the micro pairs that run as two processes (a side skipped, or runtimes that differ); duets, the default --pairs, time both sides with their own loop`,
    );
  const design = designOf(runtime);
  const looks = plannedLooks(design);
  const { config, suite } = await runConfigOf(values, positionals, root, () => design.n0);
  const base = values.base;
  return {
    values,
    base,
    positionals,
    root,
    threshold,
    maxUnjudged,
    format,
    budgetMs,
    pairs,
    design,
    looks,
    config,
    suite,
  };
}

/** Every ref, runtime name and version spec is checked before anything is built. */
async function checkBeforeBuilding(runtime: RuntimeAdapter, options: BaseOptions) {
  const { values, root, config } = options;
  const cwd = runtime.cwd();
  const repo = await repositoryOf(runtime, cwd);
  await resolveCommit(runtime, repo, options.base);
  if (values.head) await resolveCommit(runtime, repo, values.head);
  else checkOwnWorkingTree(root, repo);
  // names and version specs too (node@22, provisioned now, once for both sides) fail before any build
  const ownRuntimes = await availableRuntimes(root);
  // as run does: the services look the server up by label, so a spec (node@22) was 'not found', and
  // a name that is no runtime failed the HTTP cells only after both builds
  const { server } = await selectRuntimes(values.runtime, ownRuntimes, { log: say }, values['server-runtime']);
  if (server) config.serverRuntime = server.label;
  return { where: { repo, cwd }, ownRuntimes };
}

/**
 * Builds base, then head (--head, else the working tree): undefined when interrupted meanwhile.
 * Ctrl-C kills the build that runs. Each revision goes into `built` as soon as it is there, so that
 * the caller releases its cached tree whatever fails next.
 */
async function buildRevisions(
  runtime: RuntimeAdapter,
  options: BaseOptions,
  repo: string,
  interrupts: Interrupts,
  built: Revision[],
): Promise<Record<Side, Revision> | undefined> {
  let building: ChildHandle | null = null;
  interrupts.stop = () => (building as ChildHandle | null)?.kill('SIGKILL');
  const build = {
    runtime,
    repo,
    cache: revisionsDir((name) => runtime.env(name)),
    progress: say,
    track: (c: ChildHandle | null) => {
      building = c;
    },
    signal: interrupts.signal,
  };
  const headRef = options.values.head;
  const base = await checkoutRevision('base', options.base, build);
  built.push(base);
  if (interrupts.interrupted) return undefined;
  const tree = (await gitInfo(runtime, repo)) ?? { commit: 'unknown', branch: 'unknown', dirty: true };
  if (headRef && tree.dirty)
    say(
      `--head ${headRef} measures that commit: the working tree's uncommitted changes are not in it (leave out --head to measure them)`,
    );
  const head = headRef
    ? await checkoutRevision('head', headRef, build)
    : await workingTree(options.root, { ...build, gitInfo: tree });
  built.push(head);
  if (interrupts.interrupted) return undefined;
  return { base, head };
}

/** Progress on stderr: a reporter for each round of pairs, and a line after each look. */
function pairProgress(runtime: RuntimeAdapter, looks: number, paired: number) {
  const tty = isatty(2);
  let round = progressReporter(0, 0, tty, () => runtime.now());
  let roundIndex = 0;
  const events: AbSessionOptions['events'] = {
    roundStarted(look, jobs: AbJob[]) {
      round.finish();
      roundIndex = 0;
      round = progressReporter(
        jobs.length,
        0,
        tty,
        () => runtime.now(),
        (job) => {
          const ab = job as AbJob;
          return describeJob(
            job,
            0,
            `${ab.side}${ab.pair === undefined ? ' (one side only)' : ` pair ${ab.pair + 1}`} (look ${look})`,
          );
        },
      );
    },
    jobStarted(job) {
      round.jobStarted(job, roundIndex);
    },
    jobFinished(job, _index, record) {
      round.jobFinished(job, roundIndex++, record);
    },
    looked(report) {
      round.finish();
      say(
        `look ${report.look}/${looks} after ${report.pairs} pairs (${Math.round(report.elapsedMs / 1000)} s): ${report.undecided.length} of ${paired} entries cannot be judged yet`,
      );
    },
  };
  return { events, finish: () => round.finish() };
}

/**
 * The sequential design's look: judges the entries measured on both sides so far and returns the
 * keys that cannot be judged yet. Entries found slower or faster at a look get no more pairs, and
 * their verdicts stand: `decided` keeps them for the result files.
 */
function judgeAtLooks(options: BaseOptions) {
  const judgeOptions = { ...DEFAULT_COMPARE_OPTIONS, threshold: options.threshold, looks: options.looks };
  const decided: AbDecision[] = [];
  const look: AbSessionOptions['look'] = (entries, at) => {
    const baseByKey = new Map(entries.base.map((e) => [e.key, e]));
    const matched = entries.head.flatMap((h) => {
      const b = baseByKey.get(h.key);
      return b ? [{ base: b, head: h }] : [];
    });
    const rows = compareEntryPairs(matched, judgeOptions);
    for (const r of rows)
      if ((r.verdict === 'slower' || r.verdict === 'faster') && !decided.some((d) => d.key === r.key))
        decided.push({ key: r.key, verdict: r.verdict, look: at });
    return rows.filter((r) => r.verdict === 'cannot judge').map((r) => r.key);
  };
  return { look, decided };
}

/** What a compare --base session is: its id, when it started, where its files go. */
interface Session {
  id: string;
  startedAt: Date;
  /** runtime.now() at the start: the budget counts from it */
  t0: number;
  outDir: string;
}

/**
 * Runs the A/B pairs of `cells`, with progress on stderr, and records the session's design and
 * stop in the config's `ab` (each side's file completes it with its role and ref).
 */
async function runPairs(
  runtime: RuntimeAdapter,
  options: BaseOptions,
  sides: readonly SideSetup[],
  cells: AbCell[],
  session: Session,
  interrupts: Interrupts,
) {
  const { config, design, budgetMs, pairs } = options;
  const machine = machineInfo(runtime);
  const orderSeed = Math.floor(Math.random() * 2 ** 31);
  const { journals, services } = await openAbSession(runtime, sides, { ...session, config, signal: interrupts.signal });
  const progress = pairProgress(runtime, options.looks, cells.filter((c) => c.base && c.head).length);
  const judge = judgeAtLooks(options);
  const [base, head] = sides;
  const run = runAbSession(runtime, {
    cells,
    roots: { base: base.revision.root, head: head.revision.root },
    budgets: budgetsOf(config, runtime),
    services,
    design,
    budgetMs,
    startedAt: session.t0,
    orderSeed,
    ...(machine.id ? { machine: machine.id } : {}),
    tmpDir: join(head.tmpDir, 'forks'),
    journals,
    pairs,
    events: progress.events,
    look: judge.look,
  });
  interrupts.stop = run.stop;
  if (interrupts.interrupted) run.stop();
  let outcome: AbOutcome;
  try {
    outcome = await run.done;
  } finally {
    progress.finish();
    await services.stop();
  }
  const ab = {
    session: session.id,
    role: 'base' as Side,
    ref: '',
    looks: options.looks,
    ...design,
    pairs,
    alpha: DEFAULT_COMPARE_OPTIONS.alpha,
    threshold: options.threshold,
    orderSeed,
    budgetS: budgetMs / 1000,
    looksTaken: outcome.looks.length,
    stopped: outcome.stopped,
    decided: judge.decided,
  };
  return { outcome, journals, machine, config: { ...config, ...services.describe() }, ab };
}

/** Writes base.json and head.json; the journals go, since the files hold every finished fork. */
function writeSideFiles(
  sides: readonly SideSetup[],
  session: Session,
  measured: Awaited<ReturnType<typeof runPairs>>,
  complete: boolean,
): Record<Side, ResultFile> {
  const { id, startedAt, outDir } = session;
  const { outcome, machine, config, ab } = measured;
  const meta = { id, startedAt, complete, machine, config, ab };
  const [base, head] = sides;
  const files = { base: sideFile(base, outcome.entries.base, meta), head: sideFile(head, outcome.entries.head, meta) };
  for (const side of SIDES) {
    writeResultFile(join(outDir, `${side}.json`), files[side]);
    measured.journals[side].remove();
  }
  return files;
}

/** The comparison in compare.{txt,md,json} and on stdout; its verdict is the exit code. */
async function emitVerdict(
  runtime: RuntimeAdapter,
  files: Record<Side, ResultFile>,
  options: BaseOptions,
  session: Session,
): Promise<number> {
  const { outDir } = session;
  const comparison = compareResults(files.base, files.head);
  const sources = {
    base: { path: join(outDir, 'base.json'), file: files.base },
    head: { path: join(outDir, 'head.json'), file: files.head },
  };
  for (const [ext, f] of [
    ['txt', 'text'],
    ['md', 'md'],
    ['json', 'json'],
  ] as const)
    writeFileSync(join(outDir, `compare.${ext}`), `${COMPARE_RENDERERS[f](comparison, sources)}\n`);
  say(
    `results in ${outDir} (base.json, head.json, compare.txt, compare.md, compare.json); ${Math.round((runtime.now() - session.t0) / 1000)} s`,
  );
  return await emitComparison(comparison, sources, options.format, options.maxUnjudged);
}

/** One line on stderr: how many cells each side has, and the design that will run them. */
function sayPlan(cells: readonly AbCell[], options: BaseOptions): void {
  const { design, looks, budgetMs } = options;
  const paired = cells.filter((c) => c.base && c.head).length;
  say(
    `${paired} cells on both sides${cells.length > paired ? `, ${cells.length - paired} on one side only` : ''}; ` +
      `sequential design: ${design.n0} pairs, +${design.step} per look to undecided entries, up to ${design.nMax} (${looks} looks); budget ${Math.round(budgetMs / 1000)} s`,
  );
}

export async function compareBase(argv: string[]): Promise<number> {
  const runtime = await currentRuntime();
  const t0 = runtime.now();
  const startedAt = new Date();
  const options = await parseBaseOptions(argv, runtime);
  const { where, ownRuntimes } = await checkBeforeBuilding(runtime, options);
  const interrupts = catchInterrupts(runtime);
  const id = newRunId(startedAt);
  const session = {
    id,
    startedAt,
    t0,
    outDir: resolve(options.values.out ?? join(where.repo, 'results', `compare-${id}`)),
  };
  const scratches: Scratch[] = [];
  const revisions: Revision[] = [];
  try {
    const built = await buildRevisions(runtime, options, where.repo, interrupts, revisions);
    if (!built) return 130;
    const { root, values, positionals, suite, config } = options;
    const sides = await setUpSides(built, { root, ownRuntimes, runtimeList: values.runtime, id, log: say }, scratches);
    await checkChildProtocols(runtime, sides);
    const { cases, params, quick } = config;
    await planSides(sides, { args: positionals, suite, cases, params, quick }, where);
    const cells = pairSides(sides, config.shard);
    sayPlan(cells, options);
    const measured = await runPairs(runtime, options, sides, cells, session, interrupts);
    const complete = !(measured.outcome.interrupted || interrupts.interrupted);
    const files = writeSideFiles(sides, session, measured, complete);
    if (!complete) {
      say(`interrupted; the finished forks are kept in ${session.outDir}/base.json and head.json`);
      return 130;
    }
    return await emitVerdict(runtime, files, options, session);
  } catch (error) {
    // a build killed by Ctrl-C fails as a build would: it is an interruption
    if (!interrupts.interrupted) throw error;
    say('interrupted');
    return 130;
  } finally {
    interrupts.off();
    for (const scratch of scratches) scratch.remove();
    for (const revision of revisions) revision.release?.();
  }
}
