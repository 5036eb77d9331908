/**
 * Temporary directories for tests, removed once the test file that made them is done. A test file
 * imports this module (directly or through a helper) while vitest collects it, and every file has
 * its own copy of its modules, so the hook below belongs to that file: it runs after all of the
 * file's tests and its own afterAll hooks, including for directories made at module top level.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
