/** Runs the built CLI the way a user does, and reads what it wrote. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultEntry, ResultFile } from '../../src/result/schema.js';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: {
    onSpawn?: (pid: number) => void;
    env?: Record<string, string>;
    root?: string;
    cwd?: string;
    /** a process group of its own, as a terminal's foreground job: a signal to -pid reaches every process in it */
    group?: boolean;
  } = {},
): Promise<CliRun> {
  // `root`: the checkout whose CLI runs, in its own directory (default this project) unless `cwd`
  const root = options.root ?? ROOT;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/asyncbench.js'), ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.group ?? false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (child.pid) options.onSpawn?.(child.pid);
  });
}

export { tempDir } from './temp.js';

/**
 * The names in the project's .tmp, where a run makes its scratch directory: none when there is no
 * .tmp (a run removes the one it made when it is left empty, makeScratch).
 */
export function projectScratch(): string[] {
  const dir = join(ROOT, '.tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

export function readResult(path: string): ResultFile {
  return JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
}

export function entry(result: ResultFile, predicate: (e: ResultEntry) => boolean): ResultEntry {
  const found = result.results.find(predicate);
  if (!found) throw new Error('no such entry in the result file');
  return found;
}
