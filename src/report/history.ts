/**
 * A history is several result files of one benchmark over time (results/history/<commit>.json,
 * see results/README.md). Reports take them in the order the runs started.
 */
import { codeOf, entriesOnMachine, type ResultFile, type RuntimeInfo } from '../result/schema.js';

export interface Loaded {
  path: string;
  file: ResultFile;
}

/** By the instant each run started: a start written with another UTC offset sorts as the time it is, not as text. */
export function inTimeOrder(files: readonly Loaded[]): Loaded[] {
  const started = (l: Loaded) => Date.parse(l.file.run.startedAt);
  return [...files].sort((a, b) => started(a) - started(b) || a.path.localeCompare(b.path));
}

/**
 * One run named twice (a path given twice, or results/baseline.json beside its copy in
 * results/history/) is one run: kept twice, it is two rows of the history and two points of every
 * trend. Files of one run id that share an entry are copies; a run's shards share its id but no
 * entry, and all stay.
 */
export function withoutCopies(files: readonly Loaded[]): Loaded[] {
  const kept: Loaded[] = [];
  for (const loaded of files) {
    const keys = new Set(loaded.file.results.map((e) => e.key));
    const copy = kept.some((k) => k.file.run.id === loaded.file.run.id && k.file.results.some((e) => keys.has(e.key)));
    if (!copy) kept.push(loaded);
  }
  return kept;
}

/**
 * Files that never share an entry key are parts of one picture (separate runs of different
 * scenarios or runtimes, e.g. one per CI job): they are reported as one file, newest metadata
 * first, so a published site can show every scenario. Files that share keys are a history; in it,
 * the parts of one commit's run (a file per CI job, each run of the workflow) are one point, so the
 * newest point has every job's cells, not only the last job's.
 */
export function combineParts(files: readonly ResultFile[]): ResultFile[] {
  if (files.length < 2 || disjoint(files)) return files.length < 2 ? [...files] : [combine(files)];
  const points: ResultFile[][] = [];
  for (const file of files) {
    // the latest point of this commit it adds cells to, not cells twice (a re-run is a point of its own)
    const point = points.findLast(
      (p) => codeOf(p[0].git, p[0].config) === codeOf(file.git, file.config) && disjoint([...p, file]),
    );
    if (point) point.push(file);
    else points.push([file]);
  }
  // in the order of their first parts: a commit's job that ends after the next commit's began
  // keeps its commit's place, and the newest commit is the one reported in full
  return points.map((p) => (p.length === 1 ? p[0] : combine(p)));
}

function disjoint(files: readonly ResultFile[]): boolean {
  const keys = new Set<string>();
  for (const file of files)
    for (const entry of file.results) {
      if (keys.has(entry.key)) return false;
      keys.add(entry.key);
    }
  return true;
}

/**
 * One file of parts that share no entry, in time order: the newest's metadata, every part's cells;
 * from the first part's start to the last part's end, interrupted if any part was, with uncommitted
 * changes if any part had them (each cell keeps its machine, which runFacts counts)
 */
function combine(files: readonly ResultFile[]): ResultFile {
  const newest = files[files.length - 1] as ResultFile;
  const finishes = files.map((f) => f.run.finishedAt);
  const run = {
    ...newest.run,
    startedAt: (files[0] as ResultFile).run.startedAt,
    finishedAt: finishes.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)),
    complete: files.every((f) => f.run.complete),
  };
  const git = newest.git && { ...newest.git, dirty: files.some((f) => f.git?.dirty) };
  const runtimes = [...new Map(files.flatMap((f) => f.runtimes).map((r) => [r.label, r])).values()].map((r) =>
    withOtherVersions(r, files),
  );
  const scenarios = [...new Set(files.flatMap((f) => f.config.scenarios))];
  // each entry keeps the machine it ran on (one of a file from before entries named it: its file's)
  const results = files.flatMap(entriesOnMachine);
  return { ...newest, run, git, runtimes, config: { ...newest.config, scenarios }, results };
}

/**
 * One record per label stands for every file, the newest's: where a part ran another version
 * under that label (`node` before an upgrade), its notes say which version measured which scenarios.
 */
function withOtherVersions(shown: RuntimeInfo, files: readonly ResultFile[]): RuntimeInfo {
  const others = files.flatMap((f) => {
    const r = f.runtimes.find((x) => x.label === shown.label);
    if (!r || r.version === shown.version) return [];
    const scenarios = [...new Set(f.results.filter((e) => e.runtime === shown.label).map((e) => e.scenario))];
    return scenarios.length > 0 ? [`${r.version} measured ${scenarios.join(', ')} (run of ${f.run.startedAt})`] : [];
  });
  return others.length > 0 ? { ...shown, notes: [...shown.notes, ...others] } : shown;
}
