/**
 * Database connection pooling (the seed's asyncpg pool) on a real PostgreSQL: `concurrency` callers
 * share a pool of `max` connections. Cases: the `postgres` package (postgres.js), `pg` Pool, and
 * Bun's own client (Bun.SQL, bun only: PITFALLS 1). Queries: `select 1` (the pool's own cost) and
 * a lookup of one user by primary key in the seeded `users` table.
 *
 * Invariant: the server never holds more than `max` connections of the pool. Every pool connects
 * with an application_name of its own; setup samples pg_stat_activity for it every few ms from a
 * separate connection, and verify fails when the peak passed `max`.
 *
 * Reference: the cells of the `postgres` case also run pgbench (where it is on PATH) against the
 * same server with the same query and min(max, concurrency) clients, and record its figure as
 * `reference pgbench` (ops/s), so a report can set every case of the same params beside it.
 */
import {
  type CaseContext,
  createBunSql,
  defineScenario,
  pgbenchReference,
  referenceRecords,
  type VerifyContext,
} from 'asyncbench';
import pg from 'pg';
import postgres from 'postgres';

const USERS = 10_000;
const SAMPLE_EVERY_MS = 5;
/** PITFALLS 13: postgres.js needs explicit idle and lifetime limits; every client gets the same */
const IDLE_TIMEOUT_S = 30;
const MAX_LIFETIME_S = 600;
const POSTGRES_JS_LIFETIMES = { idle_timeout: IDLE_TIMEOUT_S, max_lifetime: MAX_LIFETIME_S };
const BUN_SQL_LIFETIMES = { idleTimeout: IDLE_TIMEOUT_S, maxLifetime: MAX_LIFETIME_S };

type QueryName = 'select1' | 'users-by-id';

/** One query of the pool: resolves with the rows. */
type RunQuery = (text: string, params: unknown[]) => Promise<unknown[]>;

interface DbState {
  url: string;
  schema: string;
  appName: string;
  peak: number;
  /** the pool's queries started and finished (PITFALLS 13: none may be left pending) */
  started: number;
  finished: number;
  stopSampling(): Promise<void>;
  /** set by the case: ends its pool */
  close?: () => Promise<void>;
}

function sqlOf(query: QueryName, schema: string): string {
  return query === 'select1' ? 'select 1 as x' : `select id, name, email, active from "${schema}".users where id = $1`;
}

/**
 * Samples how many connections carry the pool's application_name until stopped. The returned stop
 * is idempotent (verify and teardown both call it) and throws what went wrong while sampling.
 */
function sampleConnections(url: string, appName: string, state: { peak: number }): () => Promise<void> {
  const monitor = new pg.Client({ connectionString: url, application_name: 'asyncbench-monitor' });
  let stopped = false;
  const loop = (async () => {
    await monitor.connect();
    while (!stopped) {
      const { rows } = await monitor.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where application_name = $1',
        [appName],
      );
      state.peak = Math.max(state.peak, rows[0].n);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();
  loop.catch(() => {}); // reported by stop(), not as an unhandled rejection mid-run
  let stopping: Promise<void> | undefined;
  return () => {
    stopped = true;
    stopping ??= loop.finally(() => monitor.end().catch(() => {}));
    return stopping;
  };
}

/** What every pool is given: its size, and the name pg_stat_activity knows its connections by. */
function poolSettings(ctx: CaseContext<DbState>) {
  return { max: Number(ctx.params.max), connection: { application_name: ctx.state.appName } };
}

/** The op: one query with a random id, checked (an empty or wrong answer never counts). */
function queryOp(state: DbState, query: QueryName, run: RunQuery) {
  const text = sqlOf(query, state.schema);
  return async () => {
    const id = 1 + Math.floor(Math.random() * USERS);
    state.started++;
    const rows = (await run(text, query === 'select1' ? [] : [id])) as { x?: number; id?: number }[];
    state.finished++;
    const ok = rows.length === 1 && (query === 'select1' ? rows[0].x === 1 : rows[0].id === id);
    if (!ok) throw new Error(`wrong answer to ${query}: ${JSON.stringify(rows).slice(0, 200)}`);
    return rows;
  };
}

export default defineScenario<DbState>({
  id: 'db-pool',
  title: 'Connection pool throughput on PostgreSQL',
  pattern: 'Database Connection Pooling',
  kind: 'throughput',
  metric: { name: 'queries per second', unit: 'queries/s', better: 'higher' },
  params: { max: [1, 5, 10, 20], concurrency: [1, 10, 64, 256], query: ['select1', 'users-by-id'] },
  quick: { max: [10], concurrency: [64], query: ['users-by-id'] },
  requires: ['postgres'],
  setup(ctx) {
    const db = ctx.services.postgres;
    if (!db) throw new Error('db-pool needs PostgreSQL (ctx.services.postgres is missing)');
    const appName = `asyncbench-db-pool-${Math.random().toString(36).slice(2, 10)}`;
    const state: DbState = {
      url: db.url,
      schema: db.schema,
      appName,
      peak: 0,
      started: 0,
      finished: 0,
      stopSampling: async () => {},
    };
    state.stopSampling = sampleConnections(db.url, appName, state);
    return state;
  },
  cases: {
    postgres: (ctx) => {
      const { state } = ctx;
      const { max, connection } = poolSettings(ctx);
      const sql = postgres(state.url, { max, connection, ...POSTGRES_JS_LIFETIMES, onnotice: () => {} });
      state.close = () => sql.end({ timeout: 5 });
      return queryOp(state, ctx.params.query as QueryName, (text, params) =>
        sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }),
      );
    },
    pg: (ctx) => {
      const { state } = ctx;
      const { max, connection } = poolSettings(ctx);
      const pool = new pg.Pool({
        connectionString: state.url,
        max,
        idleTimeoutMillis: IDLE_TIMEOUT_S * 1000,
        ...connection,
      });
      pool.on('error', () => {}); // an idle client's error surfaces on the next query instead
      state.close = () => pool.end();
      return queryOp(
        state,
        ctx.params.query as QueryName,
        async (text, params) => (await pool.query(text, params)).rows,
      );
    },
    'bun-sql': (ctx) => {
      const { state } = ctx;
      const { max, connection } = poolSettings(ctx);
      const sql = createBunSql(state.url, { max, connection, ...BUN_SQL_LIFETIMES });
      if (!sql) return ctx.skip('Bun.SQL is Bun’s own PostgreSQL client: it exists on bun only');
      state.close = () => sql.close();
      return queryOp(state, ctx.params.query as QueryName, (text, params) => sql.unsafe(text, params));
    },
  },
  async verify(ctx: VerifyContext<DbState>) {
    const { state, params } = ctx;
    await ctx.op(); // one more checked query after the measured run
    await state.stopSampling();
    const max = Number(params.max);
    ctx.record('peak connections', state.peak, 'connections');
    if (state.peak === 0)
      throw new Error('pg_stat_activity never showed a connection of the pool: the sampling did not work');
    if (state.peak > max) throw new Error(`the pool held ${state.peak} connections at once, more than max ${max}`);
    if (state.started !== state.finished)
      throw new Error(`${state.started - state.finished} queries still pending after the run`);
    if (ctx.caseName === 'postgres') await recordPgbench(ctx);
  },
  async teardown(ctx) {
    await ctx.state.stopSampling();
    await ctx.state.close?.();
  },
});

/** pgbench against the same server, same query, one client per pool connection that can be busy. */
async function recordPgbench(ctx: VerifyContext<DbState>): Promise<void> {
  const { state, params } = ctx;
  const text = sqlOf(params.query as QueryName, state.schema).replace('$1', ':id');
  const figure = await pgbenchReference(ctx.runtime, {
    url: state.url,
    query: text,
    clients: Math.min(Number(params.max), Number(params.concurrency)),
    seconds: ctx.quick ? 1 : 3,
    maxId: USERS,
  });
  for (const r of figure ? referenceRecords(figure) : []) ctx.record(r.name, r.value, r.unit);
}
