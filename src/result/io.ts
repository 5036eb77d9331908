/**
 * Keeps results safe as they arrive: every finished fork is appended to a journal (`<file>.partial.jsonl`)
 * at once, so a crash or Ctrl-C loses nothing; the result file itself is written atomically
 * (temp file + rename) at the end, or at the interruption, and the journal removed.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from './errors.js';
import { type ResultFile, ResultFileError, validateResultFile } from './schema.js';

export class ResultJournal {
  readonly path: string;
  constructor(resultPath: string) {
    this.path = `${resultPath}.partial.jsonl`;
    mkdirSync(dirname(resultPath), { recursive: true });
    writeFileSync(this.path, '');
  }
  append(record: unknown): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
  remove(): void {
    rmSync(this.path, { force: true });
  }
}

export function writeResultFile(path: string, result: ResultFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${Date.now()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(result)}\n`);
  renameSync(tmp, path);
}

/** Reads and validates a result file; any problem is a one-line UsageError (exit 2). */
export function readResultFile(path: string): ResultFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return validateResultFile(data, path);
  } catch (error) {
    if (error instanceof ResultFileError) throw new UsageError(error.message);
    throw error;
  }
}
