// Secrets on real failing connections: the database password reaches a result, a report or the
// terminal through a crash that prints the connection string, an error that quotes it (with a
// secret query parameter), and a refused login. None of them may show it, nor may what a harness
// killed by SIGKILL leaves on disk.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/services/embedded-postgres.js';
import { runCli } from '../support/cli.js';
import {
  FAULT_TEST_MS,
  FIXTURES,
  leftAfter,
  leftAfterSigkill,
  ROOT,
  startMarked,
  tempDir,
  waitFor,
} from './support.js';

const LEAKS = join(FIXTURES, 'leaks.ts');
let server: EmbeddedPostgres;

beforeAll(async () => {
  server = await startEmbeddedPostgres();
});

afterAll(async () => {
  await server?.stop();
});

describe('secrets in failures', () => {
  it(
    'the password of DATABASE_URL appears nowhere: result, report, terminal',
    async () => {
      const url = new URL(server.url);
      const password = decodeURIComponent(url.password);
      expect(password.length).toBeGreaterThan(8);
      const dir = tempDir('secrets');
      const out = join(dir, 'r.json');
      const run = startMarked(['run', LEAKS, '--quick', '--runtime', 'node', '--json', out], {
        DATABASE_URL: server.url,
      });
      const { code, stdout, stderr } = await run.done;
      expect(code, stderr).toBe(1);
      const text = readFileSync(out, 'utf8');
      const result = JSON.parse(text);
      const reason = (c: string) => result.results.find((e: { case: string }) => e.case === c)?.reason as string;
      // the text that carried the secret is there, the secret is not
      expect(reason('prints-url')).toContain(`postgres://postgres@127.0.0.1:${url.port}/postgres`);
      expect(reason('throws-url')).toContain('sslpassword=***');
      expect(text).toContain(`reached postgres://postgres@127.0.0.1:${url.port}/postgres`);
      const md = join(dir, 'r.md');
      const report = await runCli(['report', out, '--md', md]);
      expect(report.code).toBe(0);
      for (const shown of [text, stdout, stderr, report.stdout, report.stderr, readFileSync(md, 'utf8')]) {
        expect(shown).not.toContain(password);
        expect(shown).not.toContain(encodeURIComponent(password));
        expect(shown).not.toContain('kEyPaSs99');
      }
      expect(await leftAfter(run.marker)).toEqual([]);
    },
    FAULT_TEST_MS,
  );

  it(
    'a refused login fails the cells that need the database, without the password',
    async () => {
      const wrong = new URL(server.url);
      wrong.password = 'Wr0ngPassw0rd';
      wrong.searchParams.set('application_name', 'asyncbench-test');
      const out = join(tempDir('secrets-login'), 'r.json');
      const run = startMarked(['run', LEAKS, '--quick', '--runtime', 'node', '--case', 'fine', '--json', out], {
        DATABASE_URL: wrong.toString(),
      });
      const { code, stdout, stderr } = await run.done;
      expect(code, stderr).toBe(1);
      const text = readFileSync(out, 'utf8');
      const result = JSON.parse(text);
      expect(result.config.unavailable.postgres).toMatch(/password authentication failed/);
      expect(result.results[0]).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/^postgres unavailable/),
      });
      for (const shown of [text, stdout, stderr]) expect(shown).not.toContain('Wr0ngPassw0rd');
    },
    FAULT_TEST_MS,
  );
});

/** every file under `dir`, in its folders too (a scenario file's bundle has one), not through a link */
function filesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) return [];
    return entry.isDirectory() ? filesIn(path) : [path];
  });
}

describe('secrets left on disk by a harness killed with SIGKILL', () => {
  it(
    'its build directory, which the next run removes, holds no password',
    async () => {
      const password = decodeURIComponent(new URL(server.url).password);
      const dir = tempDir('secrets-killed');
      // a case that quotes the password fails and is reported; then the harness dies while one stalls
      const args = ['run', LEAKS, join(FIXTURES, 'faults.ts'), '--case', 'throws-url,stalls', '--quick'];
      const run = startMarked([...args, '--runtime', 'node', '--json', join(dir, 'r.json')], {
        DATABASE_URL: server.url,
        ASYNCBENCH_FAULTS_DIR: dir,
      });
      await waitFor('the stalling case to start', () => existsSync(join(dir, 'stalls.pid')));
      expect(await leftAfterSigkill(run)).toEqual([]);
      // .tmp/run-<id>.<host>.<pid>.<random>: this run's, by its pid
      const left = readdirSync(join(ROOT, '.tmp')).filter((name) => name.split('.').at(-2) === String(run.pid));
      expect(left).toHaveLength(1);
      const buildDir = join(ROOT, '.tmp', left[0] as string);
      try {
        const files = filesIn(buildDir);
        expect(files.length).toBeGreaterThan(0);
        for (const path of files) expect(readFileSync(path, 'utf8'), path).not.toContain(password);
      } finally {
        rmSync(buildDir, { recursive: true, force: true });
      }
    },
    FAULT_TEST_MS,
  );
});
