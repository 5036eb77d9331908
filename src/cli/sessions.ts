/**
 * Earlier result files of this machine, whose run-to-run spread every interval of the new run then
 * includes (docs/architecture.md, "Run-to-run spread"): the files `run --sessions PATH ...` names,
 * or by default the latest runs in the directory the new result file goes to.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type History, historyOf, type RunCells, runCells, sessionSpread } from '../result/estimator.js';
import { readResultFile } from '../result/io.js';
import { codeOf, type ResultFile, type RunConfig } from '../result/schema.js';
import { UsageError } from './command.js';

export interface EarlierRuns {
  /** the files and the spread they gave; absent when no revision had two runs of a multi-fork cell */
  sessions?: NonNullable<RunConfig['sessions']>;
  /** the earlier runs of this code: each cell's mean log centre in them, and their base names; absent when none */
  own?: OwnRuns;
}

export interface OwnRuns {
  history: History;
  files: string[];
}

/** A directory stands for the result files in it (not journals or temporary files); it must hold one. */
function expand(path: string): string[] {
  if (!isDirectory(path)) return [path];
  const files = resultFilesIn(path);
  // said as '0 result file(s) with no cell measured with 2 or more forks', a count of nothing
  if (files.length === 0) throw new UsageError(`--sessions ${path}: a directory with no result file (*.json) in it`);
  return files;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    throw new UsageError(`--sessions ${path}: no such file or directory`);
  }
}

function resultFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && !name.includes('.partial'))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * The spread of the given files, all measured on `machineId`, and each cell's centre in them.
 * `exclude` is the run's own result file (a resumed run must not count itself). A spread from
 * another machine, or from runs that share no multi-fork cell, would be a number about nothing:
 * both are usage errors.
 */
export function loadSessions(
  paths: readonly string[],
  machineId: string | undefined,
  exclude: string,
): EarlierRuns | undefined {
  if (paths.length === 0) return undefined;
  const named = [...new Set(paths.flatMap((p) => expand(p)).map((p) => resolve(p)))].filter(
    (p) => p !== resolve(exclude),
  );
  // one run named twice (a path given twice, a copy of a file) is one run: counted twice, its
  // cells would show a spread of 0 between "two" runs
  const seenRuns = new Set<string>();
  const files: string[] = [];
  const runs = named.flatMap((path) => {
    const file = readResultFile(path);
    if (machineId !== undefined && file.machine.id !== machineId)
      throw new UsageError(
        `--sessions ${path}: measured on another machine (${file.machine.cpuModel}); the spread between runs is one machine's`,
      );
    if (seenRuns.has(file.run.id)) return [];
    seenRuns.add(file.run.id);
    files.push(path);
    return [runCells(file)];
  });
  // the runs named here are the user's to vouch for: one group, whatever their revisions
  const earlier = earlierRuns(files, [runs], files, runs);
  if (!earlier.sessions)
    throw new UsageError(
      `--sessions: ${runs.length} result file(s) with no cell measured with 2 or more forks in two of them; give earlier runs of the same cells`,
    );
  return earlier;
}

/** The spread of `groups` (from `files`), and the centres of the runs of this code (from `ownFiles`). */
function earlierRuns(
  files: readonly string[],
  groups: readonly (readonly RunCells[])[],
  ownFiles: readonly string[],
  ofThisCode: readonly RunCells[],
): EarlierRuns {
  const spread = sessionSpread(groups);
  return {
    ...(spread ? { sessions: { files: files.map((f) => basename(f)), spread } } : {}),
    ...(ofThisCode.length > 0
      ? { own: { history: historyOf(ofThisCode), files: ownFiles.map((f) => basename(f)) } }
      : {}),
  };
}

/** How many earlier runs a directory lends by default: the latest, to stand for the machine's present. */
export const RECENT_RUNS = 10;

/** What the new run measures with: an earlier run counts by default only where all of it is the same. */
export interface ThisRun {
  machineId: string | undefined;
  config: Pick<RunConfig, 'engine' | 'durationS' | 'pinCpu' | 'forks' | 'scenarioFiles'>;
  git: ResultFile['git'];
  runtimes: readonly { label: string; version: string }[];
}

/**
 * The same setup at another time: machine, engine, measuring time, pinning and the version of every
 * runtime both runs have. Anything else that differs would count as run-to-run spread and widen
 * every interval with a change, not with noise. The code may differ: runs are grouped by it
 * (`codeOf`) and only the spread within each group counts.
 */
function sameSetup(file: ResultFile, now: ThisRun): boolean {
  const versions = new Map(now.runtimes.map((r) => [r.label, r.version]));
  return (
    file.machine.id === now.machineId &&
    file.config.engine === now.config.engine &&
    file.config.durationS === now.config.durationS &&
    file.config.pinCpu === now.config.pinCpu &&
    file.runtimes.every((r) => (versions.get(r.label) ?? r.version) === r.version)
  );
}

/**
 * The default: the latest RECENT_RUNS runs of the same setup (`sameSetup`) in the directory the new
 * result file goes to (results/ unless --out or --json says otherwise), grouped by their code, so
 * that the first runs after a commit borrow the spread of the runs before it. Unlike --sessions,
 * nothing here is an error: any other file, and an interrupted run (the one being resumed, say), is
 * passed over; too few runs leave the intervals as this run's forks only. A merged file stands for
 * its shards, so a run is counted once.
 */
export function recentSessions(resultPath: string, now: ThisRun): EarlierRuns | undefined {
  if (now.machineId === undefined) return undefined;
  const dir = dirname(resolve(resultPath));
  let candidates: { path: string; mtime: number }[];
  try {
    candidates = resultFilesIn(dir)
      .filter((path) => resolve(path) !== resolve(resultPath))
      .map((path) => ({ path, mtime: statSync(path).mtimeMs }));
  } catch {
    return undefined;
  }
  candidates.sort((a, b) => b.mtime - a.mtime);
  const taken: { path: string; code: string; cells: RunCells }[] = [];
  const seenRuns = new Set<string>();
  // at most 3x as many files read as used: a directory of other machines' files costs no more
  for (const { path } of candidates.slice(0, 3 * RECENT_RUNS)) {
    if (taken.length === RECENT_RUNS) break;
    const run = readIfResultFile(path);
    if (!run?.run.complete || !sameSetup(run, now)) continue;
    const ids = run.run.id.split('+');
    if (ids.some((id) => seenRuns.has(id))) continue;
    for (const id of ids) seenRuns.add(id);
    taken.push({ path, code: codeOf(run.git, run.config), cells: runCells(run) });
  }
  const ownCode = codeOf(now.git, now.config);
  const runsOf = (code: string) => taken.filter((t) => t.code === code);
  // a revision with one run lends no spread; only this code's runs place the new run (its shift)
  const lending = taken.filter((t) => t.code === ownCode || runsOf(t.code).length > 1);
  const groups = [...new Set(lending.map((t) => t.code))].map((code) => runsOf(code).map((t) => t.cells));
  const own = runsOf(ownCode);
  const earlier = earlierRuns(
    lending.map((t) => t.path),
    groups,
    own.map((t) => t.path),
    own.map((t) => t.cells),
  );
  // with no spread, the runs of this code still say where the new run sits, if there are any
  return earlier.sessions || earlier.own ? earlier : undefined;
}

/** A result file, or undefined for any other file: the first bytes say which before the whole is parsed. */
function readIfResultFile(path: string): ResultFile | undefined {
  try {
    const head = new Uint8Array(256);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    if (!/"schema"\s*:\s*"asyncbench\/result@/.test(new TextDecoder().decode(head))) return undefined;
    return readResultFile(path);
  } catch {
    // gone since the directory was listed, unreadable, or not valid: not an earlier run
    return undefined;
  }
}
