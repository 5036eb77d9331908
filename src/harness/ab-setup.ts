/**
 * The setup of a `compare --base` session (src/cli/compare-base.ts) between the builds and the A/B
 * pairs (src/harness/ab.ts): each side's runtimes, scratch and protocol check, the cells each side
 * plans and the pairs they make, each side's journal, and the services both share.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../result/errors.js';
import { ResultJournal } from '../result/io.js';
import { JOURNAL_FORMAT, planOf } from '../result/journal.js';
import type { RunConfig } from '../result/schema.js';
import { makeScratch, type Scratch } from '../runtimes/debris.js';
import type { RuntimeExecutable } from '../runtimes/discover.js';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { startServicesEach } from '../services/each.js';
import { type AbCell, pairCells, SIDES, type Side } from './ab.js';
import { builtinScenarios, looksLikeFile, type ScenarioInfo, scenarioFile } from './catalog.js';
import { CHILD_PROTOCOL } from './job.js';
import { childProtocol } from './orchestrator.js';
import { type Cell, planCells, shardCells } from './plan.js';
import type { Revision } from './revision.js';
import { availableRuntimes, selectRuntimes } from './select-runtimes.js';
import { servicesNeeded } from './session.js';
import { closestFirst } from './suggest.js';
import { planSuite, type Suite } from './suite.js';

export interface SideSetup {
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

/** The repository and the directory the command runs in: a FILE on the command line is read from there. */
export interface Where {
  repo: string;
  cwd: string;
}

function packageVersion(root: string): string {
  try {
    return String(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

/**
 * Each side as its revision has it: runtimes discovered in its own tree (the working tree's are
 * `ownRuntimes`, the running install's, already probed) and a scratch directory of it (makeScratch:
 * the head of a working tree is the running install, perhaps not writable), which is added to
 * `scratches` at once, so that the caller removes it whatever fails next.
 */
export async function setUpSides(
  revisions: Record<Side, Revision>,
  options: {
    /** the running install's root */
    root: string;
    ownRuntimes: RuntimeExecutable[];
    /** --runtime as given */
    runtimeList?: string;
    /** the session's id */
    id: string;
    log: (line: string) => void;
  },
  scratches: Scratch[],
): Promise<SideSetup[]> {
  const sides: SideSetup[] = [];
  for (const role of SIDES) {
    const revision = revisions[role];
    const discovered = revision.root === options.root ? options.ownRuntimes : await availableRuntimes(revision.root);
    const scratch = makeScratch(revision.root, 'compare-', `${options.id}-${role}`);
    scratches.push(scratch);
    const tmpDir = scratch.path;
    sides.push({
      role,
      revision,
      dist: pathToFileURL(join(revision.root, 'dist/')),
      runtimes: (await selectRuntimes(options.runtimeList, discovered, { log: options.log })).runtimes,
      discovered,
      version: packageVersion(revision.root),
      tmpDir,
      scenarios: [],
      cells: [],
    });
  }
  return sides;
}

/** Refuses a side whose measuring child speaks another protocol than this orchestrator. */
export async function checkChildProtocols(runtime: RuntimeAdapter, sides: readonly SideSetup[]): Promise<void> {
  for (const side of sides) {
    const spoken = await childProtocol(runtime, side.revision.root, side.runtimes[0], join(side.tmpDir, 'hello.json'));
    if (spoken !== CHILD_PROTOCOL)
      throw new UsageError(
        `${side.role} ${side.revision.ref} is too old or too new for this compare: its measuring child speaks protocol ${spoken ?? 'none (older than protocol 1)'}, this asyncbench ${CHILD_PROTOCOL}`,
      );
  }
}

/** The scenarios named on the command line, as this side has them; undefined where it has not. */
async function sideScenarios(args: string[], side: SideSetup, where: Where): Promise<(ScenarioInfo | undefined)[]> {
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

export interface Selection {
  args: string[];
  suite?: Suite;
  cases: string[];
  params: Record<string, string[]>;
  quick: boolean;
}

/** Plans each side's cells; a scenario (or case) on one side only is fine, in neither is an error. */
export async function planSides(sides: SideSetup[], selection: Selection, where: Where): Promise<void> {
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

/** The session's cells: both sides' paired and sharded; each side keeps only its own among them. */
export function pairSides(sides: readonly SideSetup[], shard: RunConfig['shard']): AbCell[] {
  const [base, head] = sides;
  const cells = shardCells(pairCells(base.cells, head.cells), shard);
  if (cells.length === 0) throw new UsageError('nothing to compare: the filters leave no cell in either revision');
  for (const side of sides) {
    const keep = new Set(cells.flatMap((c) => (c[side.role] ? [c.key] : [])));
    side.cells = side.cells.filter((c) => keep.has(c.key));
    side.scenarios = side.scenarios.filter((s) => side.cells.some((c) => c.scenario.id === s.id));
  }
  return cells;
}

/**
 * Each side's journal, then the services, once for both sides, from head's tree. A journal names
 * its side's plan, like a run's (the A/B session has no --resume of its own). The journals are made
 * before the services start, as run makes its journal: one that cannot be made (an --out not
 * writable) left the embedded server running, or a schema on DATABASE_URL's server. Journals of a
 * session that never ran are no use to anyone: they go with services that did not start.
 */
export async function openAbSession(
  runtime: RuntimeAdapter,
  sides: readonly SideSetup[],
  session: { outDir: string; id: string; startedAt: Date; config: RunConfig; signal: AbortSignal },
) {
  const { outDir, id, startedAt, config } = session;
  const requires = servicesNeeded(
    runtime,
    sides.flatMap((s) => s.scenarios),
  );
  const journalOf = (side: SideSetup) =>
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
  const [base, head] = sides;
  const journals: Record<Side, ResultJournal> = { base: journalOf(base), head: journalOf(head) };
  const services = await startServicesEach(requires, {
    serverRuntime: config.serverRuntime,
    runtimes: head.discovered,
    projectRoot: head.revision.root,
    signal: session.signal,
  }).catch((error: unknown) => {
    journals.base.remove();
    journals.head.remove();
    throw error;
  });
  return { journals, services };
}
