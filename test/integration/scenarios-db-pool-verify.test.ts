/**
 * db-pool's verify against a real PostgreSQL, on faults a pool's user makes: a transaction whose
 * update goes through pool.query (another connection than the one it holds) commits nothing of it
 * in the transaction, yet the counters add up and the held connection's pid never changes.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import dbPool from '../../scenarios/db-pool.js';
import { type PostgresService, startPostgres } from '../../src/services/postgres.js';
import { keptFirstResult, runCell } from '../unit/scenarios-structured-context.js';

let service: PostgresService | undefined;
beforeAll(async () => {
  service = await startPostgres();
});
afterAll(() => service?.stop());
afterEach(() => vi.restoreAllMocks());

const cell = () => {
  const { url, schema } = service as PostgresService;
  return runCell(
    dbPool,
    'pg-acquire-transaction',
    { max: 5, concurrency: 2, query: 'users-by-id' },
    { services: { postgres: { url, schema } }, calls: 20, concurrency: 2 },
  );
};

type Query = (...args: unknown[]) => unknown;

describe('db-pool verify: pg-acquire-transaction', () => {
  it('passes a transaction whose every statement runs on the connection it holds', async () => {
    expect((await cell()).status).toBe('ok');
  });

  it('fails a transaction whose update ran through pool.query, off the connection it held', async () => {
    const connect = pg.Pool.prototype.connect;
    vi.spyOn(pg.Pool.prototype, 'connect').mockImplementation(async function (
      this: InstanceType<typeof pg.Pool>,
      ...args: unknown[]
    ) {
      if (args.length > 0) return (connect as Query).apply(this, args) as Awaited<ReturnType<typeof connect>>; // pool.query's own checkout
      const client = await connect.call(this);
      const held = client.query.bind(client) as Query;
      const pooled = this.query.bind(this) as Query;
      return {
        query: (text: unknown, ...rest: unknown[]) =>
          typeof text === 'string' && text.startsWith('update') ? pooled(text, ...rest) : held(text, ...rest),
        release: (error?: Error) => client.release(error),
      } as unknown as Awaited<ReturnType<typeof connect>>;
    });
    await expect(cell()).rejects.toThrow(/on more than one connection/);
  });
});

describe('db-pool verify: the op asks the server', () => {
  it('fails a pool whose queries answer `select 1` from the answer of an earlier one', async () => {
    // right rows, connections held and reused as a real pool's: only pg_stat_activity tells
    const { url, schema } = service as PostgresService;
    const kept = runCell(
      dbPool,
      'pg',
      { max: 5, concurrency: 2, query: 'select1' },
      { services: { postgres: { url, schema } }, calls: 20, concurrency: 2, breakOp: keptFirstResult },
    );
    await expect(kept).rejects.toThrow(/verify's query started no query on a connection of the pool/);
  });
});
