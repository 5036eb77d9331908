/**
 * `run --sessions PATH ...`: earlier result files of this machine, whose run-to-run spread every
 * interval of the new run then includes (docs/architecture.md, "Run-to-run spread").
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { historyCentres, sessionSpread } from '../result/estimator.js';
import { readResultFile } from '../result/io.js';
import type { RunConfig } from '../result/schema.js';
import { UsageError } from './command.js';

/** A directory stands for the result files in it (not journals or temporary files). */
function expand(path: string): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new UsageError(`--sessions ${path}: no such file or directory`);
  }
  if (!isDirectory) return [path];
  return readdirSync(path)
    .filter((name) => name.endsWith('.json') && !name.includes('.partial'))
    .sort()
    .map((name) => join(path, name));
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
): { sessions: NonNullable<RunConfig['sessions']>; history: Map<string, number> } | undefined {
  if (paths.length === 0) return undefined;
  const files = paths.flatMap((p) => expand(p)).filter((p) => resolve(p) !== resolve(exclude));
  const runs = files.map((path) => {
    const file = readResultFile(path);
    if (machineId !== undefined && file.machine.id !== machineId)
      throw new UsageError(
        `--sessions ${path}: measured on another machine (${file.machine.cpuModel}); the spread between runs is one machine's`,
      );
    return file;
  });
  const spread = sessionSpread(runs);
  if (!spread)
    throw new UsageError(
      `--sessions: ${runs.length} result file(s) with no cell measured with 2 or more forks in two of them; give earlier runs of the same cells`,
    );
  return { sessions: { files: files.map((f) => basename(f)), spread }, history: historyCentres(runs) };
}
