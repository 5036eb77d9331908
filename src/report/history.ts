/**
 * A history is several result files of one benchmark over time (results/history/<commit>.json,
 * see results/README.md). Reports take them in the order the runs started.
 */
import type { ResultFile } from '../harness/result-file.js';

export interface Loaded {
  path: string;
  file: ResultFile;
}

export function inTimeOrder(files: readonly Loaded[]): Loaded[] {
  return [...files].sort(
    (a, b) => a.file.run.startedAt.localeCompare(b.file.run.startedAt) || a.path.localeCompare(b.path),
  );
}
