import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg, { type Client, type QueryResultRow } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PostgresService, startPostgres, USERS_ROWS } from '../../src/services/postgres.js';
import { alive } from './services-fixtures.js';

// the schema's name, when a test sets it: the setup's 4 random bytes
const fixed = vi.hoisted(() => ({ bytes: undefined as string | undefined }));
vi.mock('node:crypto', async (original) => {
  const crypto = await original<typeof import('node:crypto')>();
  const randomBytes = (size: number) => (fixed.bytes ? Buffer.from(fixed.bytes, 'hex') : crypto.randomBytes(size));
  return { ...crypto, default: { ...crypto, randomBytes }, randomBytes };
});

async function query<T extends QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  let service: PostgresService | undefined;
  afterAll(() => service?.stop());

  it('starts a seeded server and leaves nothing behind after stop()', async () => {
    service = await startPostgres();
    const { url, schema } = service;
    expect(url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    const description = service.describe();
    expect(JSON.stringify(description)).not.toContain(new URL(url).password);
    expect(description.origin).toBe('embedded');

    const [counts] = await query<{ n: string; active: string }>(
      url,
      `SELECT count(*) AS n, count(*) FILTER (WHERE active) AS active FROM ${schema}.users`,
    );
    expect(Number(counts.n)).toBe(USERS_ROWS);
    expect(Number(counts.active)).toBeGreaterThan(0);
    expect(Number(counts.active)).toBeLessThan(USERS_ROWS);
    const indexes = await query<{ indexdef: string }>(
      url,
      `SELECT indexdef FROM pg_indexes WHERE schemaname = '${schema}' AND tablename = 'users'`,
    );
    expect(indexes.some((i) => i.indexdef.includes('(active)'))).toBe(true);

    const [{ dir }] = await query<{ dir: string }>(url, "SELECT current_setting('data_directory') AS dir");
    const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(alive(pid)).toBe(true);
    expect(existsSync(dir)).toBe(true);

    await Promise.all([service.stop(), service.stop()]); // idempotent, also when called twice at once
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('Ctrl-C while the schema of a DATABASE_URL server is seeded', () => {
  // an embedded server stands for the user's
  let server: PostgresService | undefined;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  afterEach(() => vi.restoreAllMocks());

  /**
   * Runs startPostgres(url) with the statements starting with `abortAt` aborting the setup as they
   * are sent, those starting with `fail` failing, with `listed` answering one row, with `hang` never;
   * returns the stderr lines, the statements sent and the schemas left.
   */
  async function seedInterrupted({
    abortAt,
    fail = [],
    listed = [],
    hang = [],
  }: {
    abortAt?: string;
    fail?: string[];
    listed?: string[];
    hang?: string[];
  }) {
    const url = (server as PostgresService).url;
    const controller = new AbortController();
    const send = pg.Client.prototype.query;
    const stderr: string[] = [];
    const sent: string[] = [];
    let abortedAt = Number.NaN;
    vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => void stderr.push(line.join(' ')));
    vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const sql = typeof args[0] === 'string' ? args[0] : '';
      sent.push(sql);
      if (fail.some((start) => sql.startsWith(start))) return Promise.reject(new Error('permission denied'));
      if (listed.some((start) => sql.startsWith(start))) return Promise.resolve({ rowCount: 1, rows: [{}] });
      if (hang.some((start) => sql.startsWith(start))) return new Promise(() => {});
      const result = (send as (...a: unknown[]) => unknown).apply(this, args);
      if (abortAt && sql.startsWith(abortAt)) {
        abortedAt = Date.now();
        controller.abort(new Error('interrupted'));
      }
      return result;
    } as typeof send);
    const started = await startPostgres(url, controller.signal).then(
      (service) => service,
      (error: Error) => error,
    );
    const cleanupMs = Date.now() - abortedAt;
    vi.restoreAllMocks();
    const left = await query<{ nspname: string }>(
      url,
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'asyncbench\\_%'",
    );
    // a schema the warning names is the user's to drop: the test drops it
    for (const { nspname } of left) await query(url, `DROP SCHEMA ${nspname} CASCADE`);
    return { started, stderr, sent, cleanupMs, left: left.map((row) => row.nspname) };
  }

  /** The schema is dropped, or else the one line on stderr names it (and never the password). */
  function expectDroppedOrNamed({ stderr, left }: { stderr: string[]; left: string[] }) {
    const password = new URL((server as PostgresService).url).password;
    expect(stderr.join('\n')).not.toContain(password);
    const warnings = stderr.filter((line) => line.includes('may be left on the DATABASE_URL server'));
    expect(warnings.length).toBeLessThanOrEqual(1);
    for (const schema of left) {
      expect(warnings[0]).toBe(
        `asyncbench: schema ${schema} may be left on the DATABASE_URL server; drop it with DROP SCHEMA ${schema} CASCADE`,
      );
    }
    return warnings;
  }

  // CREATE TABLE: CREATE SCHEMA has been answered, so a seed committed statement by statement has
  // left the schema; COMMIT: the server carries it out before it reads that the client is gone.
  // The cleanup after a COMMIT has 3 s: on a loaded machine it may run out, and then the warning
  // names the schema, which is right too.
  it.each(['CREATE TABLE', 'COMMIT'])(
    'leaves no schema behind on the server, or names it (Ctrl-C as %s is sent)',
    async (statement) => {
      const outcome = await seedInterrupted({ abortAt: statement });
      expect(outcome.started).toBeInstanceOf(Error);
      expect((outcome.started as Error).message).toBe('interrupted');
      expectDroppedOrNamed(outcome);
      if (statement === 'CREATE TABLE') expect(outcome.left).toEqual([]);
    },
  );

  // pg_stat_activity not readable (SELECT revoked, a PostgreSQL-compatible server), or no pid to look
  // for: whether the seeding session has ended is unknown, so the cleanup waits the bound out, sends
  // the DROP anyway and says the schema may be left (its COMMIT may land after the DROP)
  // and when the session outlives the wait (it is still listed), or the DROP fails
  it.each([
    ['pg_stat_activity cannot be read', { fail: ['SELECT 1 FROM pg_stat_activity'] }],
    ['the server has no pg_backend_pid()', { fail: ['SELECT pg_backend_pid()'] }],
    ['the seeding session outlives the wait', { listed: ['SELECT 1 FROM pg_stat_activity'] }],
    ['the DROP fails', { fail: ['DROP SCHEMA'] }],
    // the whole cleanup has 3 s, not 2 s for each of its steps
    ['the session is still listed and the DROP never answers', { listed: ['SELECT 1 FROM'], hang: ['DROP'] }],
  ])('sends the DROP after Ctrl-C as COMMIT is sent when %s, and names the schema', async (_, mocks) => {
    const outcome = await seedInterrupted({ abortAt: 'COMMIT', ...mocks });
    expect((outcome.started as Error).message).toBe('interrupted');
    // bounded: the cleanup has 3 s in all (its steps once had 2 s each, up to 8 s); far from 6 s on a busy machine
    expect(outcome.cleanupMs).toBeLessThan(6_000);
    expect(outcome.sent.filter((sql) => sql.startsWith('DROP SCHEMA'))).toHaveLength(1);
    const warnings = expectDroppedOrNamed(outcome);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^asyncbench: schema asyncbench_[0-9a-f]{8} may be left/);
  });

  it('sets up, and stop() drops the schema, on a server without pg_backend_pid()', async () => {
    const { started, left } = await seedInterrupted({ fail: ['SELECT pg_backend_pid()'] });
    expect(started).not.toBeInstanceOf(Error);
    const service = started as PostgresService;
    expect(left).toEqual([service.schema]); // seedInterrupted dropped it already
    await service.stop();
  });

  it('stop() that cannot drop the schema (the server stalled or went away) names it, as a Ctrl-C does', async () => {
    // a review: a server stopped mid-run kept asyncbench_<hex>, and nothing said so
    const url = (server as PostgresService).url;
    const service = await startPostgres(url);
    const stderr: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => void stderr.push(line.join(' ')));
    const send = pg.Client.prototype.query;
    vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const sql = typeof args[0] === 'string' ? args[0] : '';
      if (sql.startsWith('DROP SCHEMA')) return Promise.reject(new Error('Connection terminated'));
      return (send as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof send);
    try {
      await service.stop();
    } finally {
      vi.restoreAllMocks();
      await query(url, `DROP SCHEMA IF EXISTS ${service.schema} CASCADE`);
    }
    expect(stderr).toEqual([
      `asyncbench: schema ${service.schema} may be left on the DATABASE_URL server; drop it with DROP SCHEMA ${service.schema} CASCADE`,
    ]);
  });

  it("fails, and leaves alone, a schema of the setup's name that is already there", async () => {
    const url = (server as PostgresService).url;
    await query(url, 'CREATE SCHEMA asyncbench_00c0ffee');
    await query(url, 'CREATE TABLE asyncbench_00c0ffee.keep (id integer)');
    fixed.bytes = '00c0ffee';
    try {
      const started = await startPostgres(url).then(
        (service) => service,
        (error: Error) => error,
      );
      if (!(started instanceof Error)) await started.stop();
      expect(started).toBeInstanceOf(Error);
      expect((started as Error).message).toMatch(/already exists/);
      const kept = await query(url, 'SELECT 1 FROM asyncbench_00c0ffee.keep');
      expect(kept).toEqual([]);
    } finally {
      fixed.bytes = undefined;
      await query(url, 'DROP SCHEMA IF EXISTS asyncbench_00c0ffee CASCADE');
    }
  });
});

describe.runIf(process.env.DATABASE_URL)('PostgreSQL from DATABASE_URL', () => {
  it('seeds a schema of its own and drops it on stop()', async () => {
    const url = process.env.DATABASE_URL as string;
    const service = await startPostgres(url);
    const [{ n }] = await query<{ n: string }>(url, `SELECT count(*) AS n FROM ${service.schema}.users`);
    expect(Number(n)).toBe(USERS_ROWS);
    await service.stop();
    const left = await query(url, `SELECT 1 FROM information_schema.schemata WHERE schema_name = '${service.schema}'`);
    expect(left).toHaveLength(0);
  });
});
