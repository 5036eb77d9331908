/**
 * `asyncbench compare --base REF [--head REF] [SCENARIO|FILE ...]`: the regression gate in one CI
 * job. Builds both revisions (src/harness/revision.ts), runs them on this machine interleaved pair
 * by pair with adaptive, sequential forks (src/harness/ab.ts), writes both result files and the
 * comparison, and exits as `compare` does.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  AB_DESIGN,
  type AbCell,
  type AbDesign,
  type AbJob,
  PAIR_MODES,
  type PairMode,
  pairCells,
  plannedLooks,
  runAbSession,
  SIDES,
  type Side,
} from '../harness/ab.js';
import { builtinScenarios, looksLikeFile, PROJECT_ROOT, type ScenarioInfo, scenarioFile } from '../harness/catalog.js';
import { budgetsOf, runConfigOf } from '../harness/config.js';
import { catchInterrupts } from '../harness/interrupts.js';
import { CHILD_PROTOCOL } from '../harness/job.js';
import { gitInfo, machineInfo } from '../harness/metadata.js';
import { childProtocol } from '../harness/orchestrator.js';
import { type Cell, planCells, shardCells } from '../harness/plan.js';
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
import { closestFirst } from '../harness/suggest.js';
import { planSuite, type Suite } from '../harness/suite.js';
import { compareEntryPairs, compareResults, DEFAULT_COMPARE_OPTIONS } from '../report/compare.js';
import { COMPARE_RENDERERS } from '../report/compare-output.js';
import { checkMakeDirectory, ResultJournal, writeResultFile } from '../result/io.js';
import { JOURNAL_FORMAT, newRunId, planOf } from '../result/journal.js';
import { type AbDecision, RESULT_SCHEMA, type ResultEntry, type ResultFile, type RunConfig } from '../result/schema.js';
import { currentRuntime } from '../runtimes/current.js';
import { scratchPath } from '../runtimes/debris.js';
import { type RuntimeExecutable, runtimeInfo } from '../runtimes/discover.js';
import type { ChildHandle, RuntimeAdapter } from '../runtimes/types.js';
import { startServicesEach } from '../services/each.js';
import { checkDatabaseUrl } from '../services/postgres.js';
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
the entries could not be judged, one it could not judge measured slower by the threshold or more, or none was measured on both sides; 4 an internal error (a bug of asyncbench, never a verdict); 130 interrupted (the finished forks are kept in the result files).`;

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

interface SideSetup {
  role: Side;
  revision: Revision;
  dist: URL;
  runtimes: RuntimeExecutable[];
  discovered: RuntimeExecutable[];
  version: string;
  /** where this side's user scenario files are bundled (inside its own tree, so its node_modules serve them) */
  tmpDir: string;
  scenarios: ScenarioInfo[];
  cells: Cell[];
}

function packageVersion(root: string): string {
  try {
    return String(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

/** The scenarios named on the command line, as this side has them; undefined where it has not. */
async function sideScenarios(
  args: string[],
  side: SideSetup,
  where: { repo: string; cwd: string },
): Promise<(ScenarioInfo | undefined)[]> {
  const builtin = await builtinScenarios(side.dist);
  if (args.length === 0) return builtin;
  const found: (ScenarioInfo | undefined)[] = [];
  for (const arg of args) {
    if (!looksLikeFile(arg)) {
      found.push(builtin.find((s) => s.id === arg));
      continue;
    }
    // a file in the repository is taken from this side's tree; one outside it is the same for both
    const absolute = resolve(where.cwd, arg);
    const inRepo = relative(where.repo, absolute);
    const path =
      inRepo.startsWith('..') || isAbsolute(inRepo) || side.revision.tree === where.repo
        ? absolute
        : join(side.revision.tree, inRepo);
    found.push(existsSync(path) ? await scenarioFile(path, side.tmpDir, side.dist) : undefined);
  }
  return found;
}

interface Selection {
  args: string[];
  suite?: Suite;
  cases: string[];
  params: Record<string, string[]>;
  quick: boolean;
}

/** Plans each side's cells; a scenario (or case) on one side only is fine, in neither is an error. */
async function planSides(sides: SideSetup[], selection: Selection, where: { repo: string; cwd: string }) {
  if (selection.suite) {
    const suite = selection.suite;
    const planned = await Promise.all(
      sides.map(async (s) => planSuite(suite, await builtinScenarios(s.dist), s.runtimes, { quick: selection.quick })),
    );
    const nowhere = planned[0].missing.filter((id) => planned[1].missing.includes(id));
    if (nowhere.length)
      throw new UsageError(`suite ${suite.name}: scenario '${nowhere[0]}' exists in neither revision`);
    sides.forEach((s, i) => {
      s.cells = planned[i].cells;
    });
  } else {
    const found = await Promise.all(sides.map((s) => sideScenarios(selection.args, s, where)));
    for (const [i, arg] of selection.args.entries()) {
      if (found.some((f) => f[i])) continue;
      if (looksLikeFile(arg)) throw new UsageError(`scenario file ${arg} exists in neither revision`);
      const known = (await builtinScenarios(sides[1].dist)).map((s) => s.id);
      throw new UsageError(
        `unknown scenario '${arg}' in both revisions; valid: ${closestFirst(arg, known).join(', ')}`,
      );
    }
    const errors: UsageError[] = [];
    sides.forEach((s, i) => {
      const scenarios = found[i].filter((f): f is ScenarioInfo => f !== undefined);
      try {
        s.cells = planCells(scenarios, s.runtimes, selection);
      } catch (error) {
        // a --case or --param of the other revision only: this side has none of those cells
        if (!(error instanceof UsageError)) throw error;
        errors.push(error);
        s.cells = [];
      }
    });
    if (errors.length === sides.length) throw errors[0];
  }
  for (const s of sides) s.scenarios = [...new Map(s.cells.map((c) => [c.scenario.id, c.scenario])).values()];
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

export async function compareBase(argv: string[]): Promise<number> {
  const runtime = await currentRuntime();
  const t0 = runtime.now();
  const startedAt = new Date();
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
  const alpha = DEFAULT_COMPARE_OPTIONS.alpha;
  const { config, suite } = await runConfigOf(values, positionals, root, () => design.n0);

  // the revisions: every ref is checked before anything is built
  const cwd = runtime.cwd();
  const repo = await repositoryOf(runtime, cwd);
  await resolveCommit(runtime, repo, values.base);
  if (values.head) await resolveCommit(runtime, repo, values.head);
  else checkOwnWorkingTree(root, repo);
  // names and version specs too (node@22, provisioned now, once for both sides) fail before any build
  const ownRuntimes = await availableRuntimes(root);
  // as run does: the services look the server up by label, so a spec (node@22) was 'not found', and
  // a name that is no runtime failed the HTTP cells only after both builds
  const { server } = await selectRuntimes(values.runtime, ownRuntimes, { log: say }, values['server-runtime']);
  if (server) config.serverRuntime = server.label;
  let building: ChildHandle | null = null;
  const interrupts = catchInterrupts(runtime);
  interrupts.stop = () => (building as ChildHandle | null)?.kill('SIGKILL');
  const id = newRunId(startedAt);
  const outDir = resolve(values.out ?? join(repo, 'results', `compare-${id}`));
  const tmpDirs: string[] = [];
  const revisions: Revision[] = [];
  try {
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
    const base = await checkoutRevision('base', values.base, build);
    revisions.push(base);
    if (interrupts.interrupted) return 130;
    const tree = (await gitInfo(runtime, repo)) ?? { commit: 'unknown', branch: 'unknown', dirty: true };
    if (values.head && tree.dirty)
      say(
        `--head ${values.head} measures that commit: the working tree's uncommitted changes are not in it (leave out --head to measure them)`,
      );
    const head = values.head
      ? await checkoutRevision('head', values.head, build)
      : await workingTree(root, { ...build, gitInfo: tree });
    revisions.push(head);
    if (interrupts.interrupted) return 130;

    const sides: SideSetup[] = [];
    for (const [role, revision] of [
      ['base', base],
      ['head', head],
    ] as const) {
      // the working tree's runtimes are the running install's, probed above
      const discovered = revision.root === root ? ownRuntimes : await availableRuntimes(revision.root);
      const tmpDir = scratchPath(join(revision.root, '.tmp'), 'compare-', `${id}-${role}`);
      tmpDirs.push(tmpDir);
      sides.push({
        role,
        revision,
        dist: pathToFileURL(join(revision.root, 'dist/')),
        runtimes: (await selectRuntimes(values.runtime, discovered, { log: say })).runtimes,
        discovered,
        version: packageVersion(revision.root),
        tmpDir,
        scenarios: [],
        cells: [],
      });
    }
    for (const side of sides) {
      const spoken = await childProtocol(
        runtime,
        side.revision.root,
        side.runtimes[0],
        join(side.tmpDir, 'hello.json'),
      );
      if (spoken !== CHILD_PROTOCOL)
        throw new UsageError(
          `${side.role} ${side.revision.ref} is too old or too new for this compare: its measuring child speaks protocol ${spoken ?? 'none (older than protocol 1)'}, this asyncbench ${CHILD_PROTOCOL}`,
        );
    }
    await planSides(
      sides,
      { args: positionals, suite, cases: config.cases, params: config.params, quick: config.quick },
      { repo, cwd },
    );
    const [baseSide, headSide] = sides;
    const cells: AbCell[] = shardCells(pairCells(baseSide.cells, headSide.cells), config.shard);
    if (cells.length === 0) throw new UsageError('nothing to compare: the filters leave no cell in either revision');
    for (const side of sides) {
      const keep = new Set(cells.flatMap((c) => (c[side.role] ? [c.key] : [])));
      side.cells = side.cells.filter((c) => keep.has(c.key));
      side.scenarios = side.scenarios.filter((s) => side.cells.some((c) => c.scenario.id === s.id));
    }
    const paired = cells.filter((c) => c.base && c.head).length;
    say(
      `${paired} cells on both sides${cells.length > paired ? `, ${cells.length - paired} on one side only` : ''}; ` +
        `sequential design: ${design.n0} pairs, +${design.step} per look to undecided entries, up to ${design.nMax} (${looks} looks); budget ${Math.round(budgetMs / 1000)} s`,
    );

    const requires = new Set(sides.flatMap((s) => s.scenarios.flatMap((sc) => sc.requires)));
    // as run does: a DATABASE_URL no driver can use failed every db cell of both sides
    if (requires.has('postgres')) checkDatabaseUrl(runtime.env('DATABASE_URL'));
    const machine = machineInfo(runtime);
    const orderSeed = Math.floor(Math.random() * 2 ** 31);
    // each side's journal names its plan, like a run's (the A/B session has no --resume of its own);
    // made before the services start, as run makes its journal: one that cannot be made (an --out
    // not writable) left the embedded server running, or a schema on DATABASE_URL's server
    const journalOf = (side: (typeof sides)[number]) =>
      new ResultJournal(join(outDir, `${side.role}.json`), {
        journal: JOURNAL_FORMAT,
        runId: `${id}-${side.role}`,
        startedAt: startedAt.toISOString(),
        plan: planOf(
          { ...config, scenarios: side.scenarios.map((sc) => sc.id) },
          side.runtimes,
          side.cells.map((c) => c.key),
          side.revision.git,
        ),
      });
    const journals = { base: journalOf(baseSide), head: journalOf(headSide) };
    // services once for both sides, from head's tree; journals of a session that never ran are no
    // use to anyone (the A/B session has no --resume): gone with the services that did not start
    const services = await startServicesEach(requires, {
      serverRuntime: config.serverRuntime,
      runtimes: headSide.discovered,
      projectRoot: head.root,
      signal: interrupts.signal,
    }).catch((error: unknown) => {
      journals.base.remove();
      journals.head.remove();
      throw error;
    });
    const tty = isatty(2);
    let round = progressReporter(0, 0, tty, () => runtime.now());
    let roundIndex = 0;
    const judgeOptions = { ...DEFAULT_COMPARE_OPTIONS, threshold, alpha, looks };
    // entries found slower or faster at a look, which then get no more pairs: their verdicts stand
    const decided: AbDecision[] = [];
    const session = runAbSession(runtime, {
      cells,
      roots: { base: base.root, head: head.root },
      budgets: budgetsOf(config, runtime),
      services,
      design,
      budgetMs,
      startedAt: t0,
      orderSeed,
      ...(machine.id ? { machine: machine.id } : {}),
      tmpDir: join(headSide.tmpDir, 'forks'),
      journals,
      pairs,
      events: {
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
      },
      look(entries, look) {
        const baseByKey = new Map(entries.base.map((e) => [e.key, e]));
        const matched = entries.head.flatMap((h) => {
          const b = baseByKey.get(h.key);
          return b ? [{ base: b, head: h }] : [];
        });
        const rows = compareEntryPairs(matched, judgeOptions);
        for (const r of rows)
          if ((r.verdict === 'slower' || r.verdict === 'faster') && !decided.some((d) => d.key === r.key))
            decided.push({ key: r.key, verdict: r.verdict, look });
        return rows.filter((r) => r.verdict === 'cannot judge').map((r) => r.key);
      },
    });
    interrupts.stop = session.stop;
    if (interrupts.interrupted) session.stop();
    let outcome: Awaited<typeof session.done>;
    try {
      outcome = await session.done;
    } finally {
      round.finish();
      await services.stop();
    }
    const complete = !(outcome.interrupted || interrupts.interrupted);
    const ab = {
      session: id,
      role: 'base' as Side,
      ref: '',
      looks,
      ...design,
      pairs,
      alpha,
      threshold,
      orderSeed,
      budgetS: budgetMs / 1000,
      looksTaken: outcome.looks.length,
      stopped: outcome.stopped,
      decided,
    };
    const meta = { id, startedAt, complete, machine, config: { ...config, ...services.describe() }, ab };
    const files = {
      base: sideFile(baseSide, outcome.entries.base, meta),
      head: sideFile(headSide, outcome.entries.head, meta),
    };
    for (const side of SIDES) {
      writeResultFile(join(outDir, `${side}.json`), files[side]);
      journals[side].remove();
    }
    if (!complete) {
      say(`interrupted; the finished forks are kept in ${outDir}/base.json and head.json`);
      return 130;
    }
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
      `results in ${outDir} (base.json, head.json, compare.txt, compare.md, compare.json); ${Math.round((runtime.now() - t0) / 1000)} s`,
    );
    return await emitComparison(comparison, sources, format, maxUnjudged);
  } catch (error) {
    // a build killed by Ctrl-C fails as a build would: it is an interruption
    if (!interrupts.interrupted) throw error;
    say('interrupted');
    return 130;
  } finally {
    interrupts.off();
    for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
    for (const revision of revisions) revision.release?.();
  }
}
