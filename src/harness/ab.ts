/**
 * Interleaved A/B execution for `compare --base` (RMIT / ABBA style, after tachometer and duet
 * benchmarking): base and head of a cell run back to back as a pair, in an order drawn at random
 * for every pair, so drift of the machine falls on both sides alike and the paired test
 * (src/report/compare.ts) can cancel it. Both forks of a pair run with the same V8 seed (seeds
 * rotate from pair to pair, PITFALLS 16) and the same batch (the cell's, calibrated by its first
 * fork whichever side that is).
 *
 * The session is sequential: every cell starts with `n0` pairs; after each round the caller looks
 * at all cells and names those it cannot judge yet, and only those get `step` more pairs, until
 * none is left, a cell has `nMax` pairs, or the next round would overrun the wall-time budget.
 * The statistics of each look (alpha spent per look) are the caller's.
 */
import { mkdirSync } from 'node:fs';
import type { ResultJournal } from '../result/io.js';
import type { ForkRecord, ResultEntry } from '../result/schema.js';
import { seededRandom } from '../result/stats.js';
import type { RuntimeAdapter } from '../runtimes/types.js';
import type { JobServices } from '../services/each.js';
import { aggregate } from './aggregate.js';
import { type Budgets, ForkRunner, type JobEvents } from './orchestrator.js';
import { type Cell, type Job, scheduleJobs } from './plan.js';

export type Side = 'base' | 'head';
export const SIDES: readonly Side[] = ['base', 'head'];

/**
 * The sequential design. n0 = 4 pairs give the paired test 3 degrees of freedom (nothing is trimmed below 8), the fewest at
 * which a clear change can pass the corrected level; step = 4 keeps the number of looks (and so the
 * alpha each look loses to the Bonferroni split) small; nMax = 24 bounds a cell's cost. Placeholders
 * until tuned with measurements on the CI suite (issue 11).
 */
export const AB_DESIGN = { n0: 4, step: 4, nMax: 24 } as const;

export interface AbDesign {
  n0: number;
  step: number;
  nMax: number;
}

/** The planned number of looks: one after the first n0 pairs, then one after every step up to nMax. */
export function plannedLooks(design: AbDesign): number {
  return 1 + Math.ceil(Math.max(0, design.nMax - design.n0) / design.step);
}

/** One cell of the session: the same key on both sides, or on one side only (added / removed). */
export interface AbCell {
  key: string;
  group: string;
  base?: Cell;
  head?: Cell;
}

/** How the two forks of a pair of a micro cell run; other cells always run as two processes. */
export type PairMode = 'duet' | 'process';
export const PAIR_MODES: readonly PairMode[] = ['duet', 'process'];

/**
 * A pair of a micro cell runs as a duet when both sides run on one runtime: the duet runs in head's
 * process, so a pair whose runtime versions or flags differ (a pull request that bumps a pin) must
 * run each side on its own. So must a pair with a side skipped on its runtime (compat.ts): the duet
 * would measure that side anyway, or give the other side the skip.
 */
export function runsAsDuet(job: AbJob, twin: AbJob): boolean {
  const [a, b] = [job.cell.runtime, twin.cell.runtime];
  return (
    job.cell.scenario.kind === 'micro' &&
    job.cell.skip === undefined &&
    twin.cell.skip === undefined &&
    job.pair !== undefined &&
    twin.pair === job.pair &&
    twin.cell.key === job.cell.key &&
    twin.side !== job.side &&
    a.version === b.version &&
    a.flags.join(' ') === b.flags.join(' ')
  );
}

export interface AbJob extends Job {
  side: Side;
  /** the pair index; absent for a cell on one side only */
  pair?: number;
  /** ran first in its pair */
  first: boolean;
}

/** Joins the cells of both sides by key: base's order first, then head's new cells. */
export function pairCells(base: Cell[], head: Cell[]): AbCell[] {
  const cells = new Map<string, AbCell>();
  for (const cell of base) cells.set(cell.key, { key: cell.key, group: cell.group, base: cell });
  for (const cell of head) {
    const known = cells.get(cell.key);
    if (known) known.head = cell;
    else cells.set(cell.key, { key: cell.key, group: cell.group, head: cell });
  }
  return [...cells.values()];
}

/**
 * The jobs of pairs `from`..`to - 1` of `cells`: pair by pair, every cell once per pair, a cell's
 * runtimes back to back with their order rotating (scheduleJobs); each (cell, pair) becomes its
 * base and head job back to back, in an order `random` draws, both with the pair's seed.
 */
export function scheduleAbPairs(
  cells: AbCell[],
  from: number,
  to: number,
  random: () => number,
  roots: Record<Side, string>,
  seedOf: (pair: number) => number | undefined = (pair) => pair + 1,
): AbJob[] {
  const byKey = new Map(cells.map((c) => [c.key, c]));
  const representatives = cells.map((c) => (c.head ?? c.base) as Cell);
  const jobs: AbJob[] = [];
  for (const job of scheduleJobs(representatives, to, seedOf)) {
    if (job.fork < from) continue;
    const ab = byKey.get(job.cell.key) as AbCell;
    const order: Side[] = random() < 0.5 ? ['base', 'head'] : ['head', 'base'];
    const sides = order.filter((side) => ab[side]);
    const paired = sides.length === 2;
    for (const [i, side] of sides.entries())
      jobs.push({
        cell: ab[side] as Cell,
        fork: job.fork,
        ...(job.seed === undefined ? {} : { seed: job.seed }),
        root: roots[side],
        side,
        ...(paired ? { pair: job.fork } : {}),
        first: i === 0,
      });
  }
  return jobs;
}

export interface LookReport {
  /** 1-based */
  look: number;
  pairs: number;
  /** keys the caller could not judge yet */
  undecided: string[];
  elapsedMs: number;
}

export interface AbSessionOptions {
  cells: AbCell[];
  roots: Record<Side, string>;
  budgets: Budgets;
  services: JobServices;
  design: AbDesign;
  /** wall-time budget, counted from `startedAt` (runtime.now() ms) */
  budgetMs: number;
  startedAt: number;
  orderSeed: number;
  /** the machine the entries ran on (MachineInfo.id) */
  machine?: string;
  tmpDir: string;
  journals: Record<Side, ResultJournal>;
  /** how a pair of a micro cell is measured: in one process (duet, src/measure/duet.ts) or in two */
  pairs: PairMode;
  /** roundStarted: before each pair of a round (rounds run pair by pair, so the budget can cut one short) */
  events: JobEvents & { roundStarted?(look: number, jobs: AbJob[]): void; looked?(report: LookReport): void };
  /**
   * A look at every cell so far: returns the keys that cannot be judged yet (they get more pairs).
   * Cells on one side only are never asked about.
   */
  look(entries: Record<Side, ResultEntry[]>, look: number): string[];
}

export interface AbOutcome {
  entries: Record<Side, ResultEntry[]>;
  looks: LookReport[];
  /** why the session stopped adding pairs */
  stopped: string;
  interrupted: boolean;
}

/** Runs the session; `stop()` (wired to SIGINT/SIGTERM) kills the running child and ends it. */
export function runAbSession(
  runtime: RuntimeAdapter,
  options: AbSessionOptions,
): { done: Promise<AbOutcome>; stop(): void } {
  const { cells, design, budgets, services, events } = options;
  const random = seededRandom(options.orderSeed);
  const records = new Map<string, ForkRecord[]>(); // `${side} ${key}`
  const runner = new ForkRunner(runtime, budgets, services, options.tmpDir);
  /** cells whose duet failed as a whole: their pairs run as two processes from then on */
  const apart = new Set<string>();
  const cellOf = new Map(cells.map((c) => [c.key, c]));
  let jobIndex = 0;
  let measuredWallMs = 0;
  let measuringMs = 0;

  const entries = (): Record<Side, ResultEntry[]> => {
    const of = (side: Side) =>
      cells.flatMap((c) => {
        const cell = c[side];
        const forks = records.get(`${side} ${c.key}`);
        if (!cell || !forks) return [];
        const entry = aggregate(cell, forks);
        return [options.machine ? { ...entry, machine: options.machine } : entry];
      });
    return { base: of('base'), head: of('head') };
  };

  const record = (job: AbJob, index: number, measured: ForkRecord) => {
    runner.calibrated(job, measured);
    const forkRecord: ForkRecord = {
      ...measured,
      ...(job.pair === undefined ? {} : { pair: job.pair, pairFirst: job.first }),
    };
    const slot = `${job.side} ${job.cell.key}`;
    records.set(slot, [...(records.get(slot) ?? []), forkRecord]);
    measuredWallMs += job.first || !forkRecord.duet ? forkRecord.wallMs : 0; // a duet's process is counted once
    options.journals[job.side].append({ key: job.cell.key, fork: job.fork, record: forkRecord });
    events.jobFinished(job, index, forkRecord);
  };
  const runRound = async (jobs: AbJob[]): Promise<void> => {
    const t0 = runtime.now();
    for (let i = 0; i < jobs.length; i++) {
      if (runner.stopped) return;
      const job = jobs[i];
      const index = jobIndex++;
      events.jobStarted(job, index);
      const twin = jobs[i + 1];
      if (options.pairs === 'duet' && twin && runsAsDuet(job, twin) && !apart.has(job.cell.key)) {
        // the pair's two jobs are one process: head's record first, as the duet returns it
        const [head, base] = job.side === 'head' ? [job, twin] : [twin, job];
        const duetRecords = await runner.runDuet({ job: head, twin: base, twinFirst: base.first }, index);
        if (runner.stopped) return;
        if (duetRecords) {
          i++;
          const twinIndex = jobIndex++;
          record(job, index, job === head ? duetRecords[0] : duetRecords[1]);
          events.jobStarted(twin, twinIndex);
          record(twin, twinIndex, twin === head ? duetRecords[0] : duetRecords[1]);
          continue;
        }
        // the duet failed, hung or was skipped as a whole, which does not say which side did: this
        // pair and the cell's later ones run as two processes, each side with a record of its own
        apart.add(job.cell.key);
      }
      const measured = await runner.run(job, index);
      if (runner.stopped) return; // killed by the interruption: not a result
      record(job, index, measured);
    }
    measuringMs += runtime.now() - t0;
  };

  /** What the next round would cost: each cell's mean job time so far, scaled by the harness's own overhead. */
  const roundCostMs = (keys: string[], pairs: number): number => {
    const overhead = measuredWallMs > 0 ? Math.max(1, measuringMs / measuredWallMs) : 1;
    let total = 0;
    for (const key of keys) {
      const forks = SIDES.flatMap((side) => records.get(`${side} ${key}`) ?? []);
      // a duet's one process is in both sides' records: half of it each
      const mean = forks.reduce((sum, f) => sum + f.wallMs / (f.duet ? 2 : 1), 0) / Math.max(1, forks.length);
      total += mean * 2 * pairs;
    }
    return total * overhead;
  };

  const plural = (n: number) => `${n} entr${n === 1 ? 'y' : 'ies'}`;
  const done = (async (): Promise<AbOutcome> => {
    // in here, so that a directory that cannot be made rejects `done`, whose caller stops the services
    mkdirSync(options.tmpDir, { recursive: true });
    const looks: LookReport[] = [];
    let active = cells;
    let pairs = 0;
    let why = '';
    for (let look = 1; !runner.stopped && !why; look++) {
      const target = look === 1 ? design.n0 : Math.min(design.nMax, pairs + design.step);
      const from = pairs;
      // pair by pair, so the budget can cut a round short; the first n0 pairs always run (fewer judge nothing)
      for (let k = from; k < target && !runner.stopped; k++) {
        const cost = roundCostMs(
          active.map((c) => c.key),
          1,
        );
        const elapsedMs = runtime.now() - options.startedAt;
        if (k >= design.n0 && elapsedMs + cost > options.budgetMs) {
          why = `budget: pair ${k + 1} of ${plural(active.length)} would take ~${Math.round(cost / 1000)} s, past the ${Math.round(options.budgetMs / 1000)} s budget (${Math.round(elapsedMs / 1000)} s spent)`;
          break;
        }
        const jobs = scheduleAbPairs(active, k, k + 1, random, options.roots);
        events.roundStarted?.(look, jobs);
        await runRound(jobs);
        if (!runner.stopped) pairs = k + 1;
      }
      if (runner.stopped || pairs === from) break; // interrupted, or the budget allowed no new pair: the last look stands
      const undecided = options.look(entries(), look).filter((key) => {
        const c = cellOf.get(key);
        return c?.base && c.head;
      });
      const report = { look, pairs, undecided, elapsedMs: runtime.now() - options.startedAt };
      looks.push(report);
      events.looked?.(report);
      if (why) break;
      if (undecided.length === 0) why = `no entry left undecided after ${pairs} pairs (look ${look})`;
      else if (pairs >= design.nMax)
        why = `${plural(undecided.length)} still undecided at the most pairs a cell gets (${design.nMax})`;
      else if (look >= plannedLooks(design)) why = `all ${look} planned looks taken`;
      const keep = new Set(undecided);
      active = cells.filter((c) => keep.has(c.key));
    }
    return { entries: entries(), looks, stopped: runner.stopped ? 'interrupted' : why, interrupted: runner.stopped };
  })();
  return { done, stop: () => runner.stop() };
}
