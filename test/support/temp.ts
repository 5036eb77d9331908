/**
 * Temporary directories for tests, removed once the test file that made them is done. A test file
 * imports this module (directly or through a helper) while vitest collects it, and every file has
 * its own copy of its modules, so the hook below belongs to that file: it runs after all of the
 * file's tests and its own afterAll hooks, including for directories made at module top level.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** A fresh directory `<tmpdir>/asyncbench-<prefix>-XXXXXX`, removed after the test file. */
export function tempDir(prefix = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), `asyncbench-${prefix}-`));
  made.push(dir);
  return dir;
}

/**
 * `name` in `dir` (made if need be) as an executable shell script of `lines`: a stand-in for a real
 * command (npm, node, bun) put first on PATH. Returns `dir`.
 */
export function standIn(dir: string, name: string, ...lines: string[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), ['#!/bin/sh', ...lines, ''].join('\n'));
  chmodSync(join(dir, name), 0o755);
  return dir;
}
