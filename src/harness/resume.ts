/**
 * `asyncbench run ... --resume FILE`: the finished forks of an interrupted run with the same plan,
 * read from its journal(s) (`FILE.partial.jsonl`, `FILE.<run id>.partial.jsonl`) and/or the partial
 * result file written at an interruption. The run then measures only what is missing, and its
 * result file is the one an uninterrupted run would have written.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../result/errors.js';
import { findJournals, readJournal, readResultFile, resultPathOfJournal } from '../result/io.js';
import { finishedOfJournal, finishedOfResult, planDifference, type RunPlan } from '../result/journal.js';
import type { ForkRecord } from '../result/schema.js';
import { asyncbenchRuns } from '../runtimes/lock.js';

export interface Resumed {
  /** the interrupted run's id and start: the resumed run continues it */
  runId: string;
  startedAt: string;
  /** forkId(key, fork) -> the finished fork's record */
  kept: Map<string, ForkRecord>;
  /** journals read: removed once the result file is written */
  journals: string[];
}

/** The result file FILE stands for: FILE itself, or the one a journal named FILE belongs to. */
export function resumeTarget(file: string): string {
  const path = resolve(file);
  return resultPathOfJournal(path) ?? path;
}

/**
 * Journals of several runs may lie beside FILE (a run never reuses another's journal): the run to
 * continue is the one whose journal was written last; its other journals and the partial result
 * file FILE (they carry the same run id) join it. A complete result file alone is nothing to resume.
 */
export function loadResume(file: string, plan: RunPlan): Resumed {
  const path = resolve(file);
  const asJournal = resultPathOfJournal(path) !== undefined;
  const journals = (asJournal ? [path] : findJournals(path)).map((j) => {
    const { header, lines } = readJournal(j);
    const writer = header.writer;
    return { path: j, mtimeMs: statSync(j).mtimeMs, finished: finishedOfJournal(header, lines), writer };
  });
  const latest = journals.reduce<(typeof journals)[number] | undefined>(
    (a, b) =>
      a === undefined ||
      b.mtimeMs > a.mtimeMs ||
      (b.mtimeMs === a.mtimeMs && b.finished.startedAt > a.finished.startedAt)
        ? b
        : a,
    undefined,
  );
  const chosen = journals.filter((j) => j.finished.runId === latest?.finished.runId);
  // a run still writing its journal is not interrupted: resumed beside it, both measured the same
  // forks at once on one machine (each skewing the other) and wrote two files of one run id
  const live = chosen.find(
    ({ writer: w }) => Number.isInteger(w?.pid) && typeof w?.host === 'string' && asyncbenchRuns(w),
  );
  if (live)
    throw new UsageError(
      `--resume ${file}: the run writing ${live.path} still runs (pid ${live.writer?.pid}): let it finish, or stop it (Ctrl-C keeps its forks) and resume then`,
    );
  const sources = chosen.map((j) => j.finished).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  if (!asJournal && existsSync(path)) {
    const result = readResultFile(path);
    if (latest === undefined && result.run.complete)
      throw new UsageError(`--resume ${file}: a complete run, and no journal of an interrupted one is there`);
    if (!result.run.complete && (latest === undefined || result.run.id === latest.finished.runId))
      sources.push(finishedOfResult(result));
  }
  if (sources.length === 0)
    throw new UsageError(`--resume ${file}: no result file and no journal of an interrupted run there`);
  for (const source of sources) {
    const difference = planDifference(source.plan, plan, source.cellsKnown);
    if (difference)
      throw new UsageError(`--resume ${file}: not the plan of the interrupted run ${source.runId} (${difference})`);
  }
  const kept = new Map<string, ForkRecord>();
  for (const source of sources) for (const [id, record] of source.records) if (!kept.has(id)) kept.set(id, record);
  return { runId: sources[0].runId, startedAt: sources[0].startedAt, kept, journals: chosen.map((j) => j.path) };
}
