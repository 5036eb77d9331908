import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/result/errors.js';
import { readResultFile } from '../../src/result/io.js';
import { type ResultFile, redactUrl } from '../../src/result/schema.js';
import { makeResult } from '../fixtures/make-result.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('store');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** a valid file, changed by `change` */
const broken = (name: string, change: (f: ResultFile) => unknown) =>
  file(name, JSON.stringify(change(makeResult({ seed: 1 }))));

const good = JSON.stringify(makeResult({ seed: 1 }));

describe('readResultFile', () => {
  it('makes every string a file carries safe to show: no secret, no control character', () => {
    const path = broken('secrets.json', (f) => {
      f.runtimes[0].notes = ['from https://user:hunter2pw@registry.example/x.tgz'];
      f.runtimes[0].executable = '/opt/node?token=sekrit99';
      f.machine.cpuModel = 'CPU postgres://u:hunter2pw@h/db';
      f.results[0].case = 'password=hunter2pw';
      return f;
    });
    const read = readResultFile(path);
    expect(JSON.stringify(read)).not.toMatch(/hunter2pw|sekrit99/);
    expect(read.runtimes[0].notes[0]).toBe('from https://user@registry.example/x.tgz');
    expect(read.results[0].case).toBe('password=***');
    // nor a terminal's control characters: an escape sequence in a name would recolour the terminal
    const controls = readResultFile(
      broken('controls.json', (f) => {
        f.results[0].case = 'evil\u001b[31mRED\u001b[0m\r\u0007bell\u0000nul';
        return f;
      }),
    );
    expect(controls.results[0].case).toBe('evil\uFFFD[31mRED\uFFFD[0m\uFFFD\uFFFDbell\uFFFDnul');
    // thousands of levels would overflow the stack of every reader: one line instead
    const deep = file(
      'deep.json',
      good.replace('"results":[', `"x":${'['.repeat(20_000)}${']'.repeat(20_000)},"results":[`),
    );
    expect(() => readResultFile(deep)).toThrow(/deep\.json nests deeper than 64 levels: not a result file/);
    // a refusal that quotes a field is redacted too
    const quoted = broken('schema-secret.json', (f) => ({ ...f, schema: 'postgres://u:hunter2pw@h/db' }));
    expect(() => readResultFile(quoted)).toThrow(/schema is "postgres:\/\/u@h\/db"/);
  });

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
            run: { id: 'x', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z' },
            machine: { os: 'linux', arch: 'x64', cpuModel: 'cpu', cores: 2, memoryBytes: 1 },
            runtimes: [],
            config: {},
            results: [{ key: 'k' }],
          }),
        ),
        /results\[0\]/,
      ],
      // what the reports sort by and print: a file without them passed, then crashed `report`
      [
        broken('no-start.json', (f) => ({ ...f, run: { ...f.run, startedAt: undefined } })),
        /'run.startedAt' is not a date/,
      ],
      [broken('no-machine.json', (f) => ({ ...f, machine: {} })), /'machine.os' is not a string/],
      [
        broken('no-bounds.json', (f) => ({
          ...f,
          results: f.results.map((e) => (e.stats ? { ...e, stats: { ...e.stats, ci: { method: 'm' } } } : e)),
        })),
        /stats.ci.low is undefined, not a finite number/,
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
