import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/result/errors.js';
import { readResultFile } from '../../src/result/io.js';
import { redactUrl } from '../../src/result/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'asyncbench-store-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readResultFile', () => {
  it('rejects missing, non-JSON, foreign and broken files with one line', () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.json'), /cannot read .*ENOENT/],
      [file('garbage.json', '{oops'), /not valid JSON/],
      [file('foreign.json', '{"schema":"other@2"}'), /schema is "other@2", expected "asyncbench\/result@1"/],
      [
        file(
          'bad-entry.json',
          JSON.stringify({
            schema: 'asyncbench/result@1',
            run: { id: 'x' },
            machine: {},
            runtimes: [],
            config: {},
            results: [{ key: 'k' }],
          }),
        ),
        /results\[0\]/,
      ],
    ];
    for (const [path, message] of cases) {
      let error: unknown;
      try {
        readResultFile(path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('redactUrl', () => {
  it('removes the password and keeps the rest', () => {
    expect(redactUrl('postgres://bench:s3cret@127.0.0.1:5432/db')).toBe('postgres://bench@127.0.0.1:5432/db');
    expect(redactUrl('postgres://bench@127.0.0.1/db')).toBe('postgres://bench@127.0.0.1/db');
  });
});
