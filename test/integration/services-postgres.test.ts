import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg, { type QueryResultRow } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
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
