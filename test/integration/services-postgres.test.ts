import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg, { type Client, type QueryResultRow } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PostgresService, startPostgres, USERS_ROWS } from '../../src/services/postgres.js';
import { alive } from './services-fixtures.js';

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

  // CREATE TABLE: CREATE SCHEMA has been answered, so a seed committed statement by statement has
  // left the schema; COMMIT: the server carries it out before it reads that the client is gone
  it.each(['CREATE TABLE', 'COMMIT'])(
    'leaves no schema behind on the server (Ctrl-C as %s is sent)',
    async (statement) => {
      const url = (server as PostgresService).url;
      const controller = new AbortController();
      const send = pg.Client.prototype.query;
      vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
        const sent = (send as (...a: unknown[]) => unknown).apply(this, args);
        if (typeof args[0] === 'string' && args[0].startsWith(statement)) controller.abort(new Error('interrupted'));
        return sent;
      } as typeof send);
      await expect(startPostgres(url, controller.signal)).rejects.toThrow('interrupted');
      vi.restoreAllMocks();
      const left = await query(url, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'asyncbench\\_%'");
      expect(left).toEqual([]);
    },
  );
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
