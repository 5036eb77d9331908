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
 * And a pool reuses its connections: the sampler also notes every connection it sees (backend pid
 * and start time) and how many queries had finished when it first showed up. verify fails a
 * measured run (verify's own queries aside) that opened more than `max` connections in all, or one
 * that still opened a new connection once half of its queries had finished (after warm-up) in place
 * of one it closed (it opened more than it ever held at once; a pool still filling up to `max` late
 * in a short run closed none): a "pool" that connects per query, or keeps replacing its connections, holds no more than `max` at
 * once and would pass the peak check. Nothing of this is in the timed op: the server is asked, from
 * the sampler's own connection. verify's own query must also start one on a connection of the pool
 * (pg_stat_activity's query_start): a `select 1` answered from an earlier answer passes all the rest.
 *
 * Reference: the cells of the `postgres` case also run pgbench (where it is on PATH) against the
 * same server with the same query and min(max, concurrency) clients, and record its figure as
 * `reference pgbench` (ops/s), so a report can set every case of the same params beside it.
 *
 * Three more of asyncpg's pool features, each a case with its own check in verify:
 * - pg-min (asyncpg's min_size): a pg Pool that opens `min` = ceil(max/2) connections before its
 *   first query (pg does not open them by itself); verify checks the server held them before the
 *   first query ran, and that they stay once the pool idles past a short idle timeout (what pg's
 *   `min` does: idle clients above it are closed, those up to it kept).
 * - postgres-command-timeout (asyncpg's command_timeout): postgres.js queries on a reserved
 *   connection under withTimeout, whose signal cancels the query on the server (query.cancel()); a
 *   share of the queries sleeps past the timeout. verify checks that some timed out, that none of
 *   those still runs on the server, and that the pool still answers plain queries afterwards.
 * - pg-acquire-transaction (`async with pool.acquire() as conn: async with conn.transaction()`):
 *   a pg client checked out of the pool for a transaction that bumps a counter. verify checks that
 *   the transaction's two pid selects saw one backend, and that the counters add up to the
 *   transactions committed. Neither sees an update sent through pool.query (another connection, in
 *   no transaction), so verify also runs one more transaction with every statement the pool's
 *   clients send recorded with the backend it went to: begin, update and commit, all on one.
 */
import {
  type CaseContext,
  createBunSql,
  defineScenario,
  pgbenchReference,
  referenceRecords,
  TimeoutError,
  type VerifyContext,
  withMethodReplaced,
  withTimeout,
} from 'asyncbench';
import pg, { type PoolConfig } from 'pg';
import postgres from 'postgres';

const USERS = 10_000;
const SAMPLE_EVERY_MS = 5;
/** PITFALLS 13: postgres.js needs explicit idle and lifetime limits; every client gets the same */
const IDLE_TIMEOUT_S = 30;
const MAX_LIFETIME_S = 600;
const POSTGRES_JS_LIFETIMES = { idle_timeout: IDLE_TIMEOUT_S, max_lifetime: MAX_LIFETIME_S };
const BUN_SQL_LIFETIMES = { idleTimeout: IDLE_TIMEOUT_S, maxLifetime: MAX_LIFETIME_S };

type QueryName = 'select1' | 'users-by-id';

/** command-timeout case: a share of the queries sleeps SLOW_S, the client gives up after COMMAND_TIMEOUT_MS */
const SLOW_SHARE = 0.05;
const SLOW_S = 0.5;
const COMMAND_TIMEOUT_MS = 100;
/** after the timeouts, plain queries on the same pool must all be answered within this */
const RECOVERY_MS = 5000;
const RECOVERY_QUERIES = 20;
/** transaction case: counters the transactions bump */
const COUNTERS = 100;

/** the warm minimum of the pg-min case (asyncpg's min_size beside max_size) */
export const warmMin = (max: number) => Math.max(1, Math.ceil(max / 2));
/** pg-min's verify: the idle timeout its pool gets once measured, to see it keep min connections */
const MIN_IDLE_CHECK_MS = 100;

/** One query of the pool: resolves with the rows. */
type RunQuery = (text: string, params: unknown[]) => Promise<unknown[]>;

export interface DbState {
  url: string;
  schema: string;
  appName: string;
  peak: number;
  /** every connection of the pool the sampler saw (`pid@backend_start`) -> queries finished when first seen */
  connections: Map<string, number>;
  /** the pool's queries started and finished (PITFALLS 13: none may be left pending) */
  started: number;
  finished: number;
  stopSampling(): Promise<void>;
  /** set by the case: ends its pool */
  close?: () => Promise<void>;
  /** pg-min: connections the server held for the pool before its first query */
  warmBeforeFirstQuery?: number;
  /** pg-min: lets every client of the pool sit idle past a short idle timeout */
  idlePool?: () => Promise<void>;
  /** pg-min: connections the server still held for the pool after that */
  heldWhenIdle?: number;
  /** command-timeout: queries given up at the timeout */
  timeouts: number;
  /** command-timeout: queries hit by the cancel of an earlier query that had just finished */
  strayCancels: number;
  /** command-timeout: the pool's slow queries (pg_sleep) still active on the server after the run */
  stillRunning?: number;
  /** command-timeout: plain queries answered after the run's timeouts (within RECOVERY_MS), out of those sent */
  answeredAfter?: { answered: number; sent: number; error?: string };
  /** command-timeout: a plain query on the same pool */
  plainQuery?: () => Promise<unknown>;
  /** transaction case: the table, the transactions committed, and those whose statements changed connection */
  counters?: string;
  committed: number;
  pidChanges: number;
  counterSum?: number;
  /** transaction case: every statement the pool's clients sent during verify's own transaction */
  txStatements?: { backend: number; text: string }[];
}

function sqlOf(query: QueryName, schema: string): string {
  return query === 'select1' ? 'select 1 as x' : `select id, name, email, active from "${schema}".users where id = $1`;
}

/**
 * Samples the connections that carry the pool's application_name until stopped: how many at once,
 * and each one's first sighting. The returned stop is idempotent (verify and teardown both call it)
 * and throws what went wrong while sampling.
 */
function sampleConnections(
  url: string,
  appName: string,
  state: Pick<DbState, 'peak' | 'connections' | 'finished'>,
): () => Promise<void> {
  const monitor = new pg.Client({ connectionString: url, application_name: 'asyncbench-monitor' });
  let stopped = false;
  const loop = (async () => {
    await monitor.connect();
    while (!stopped) {
      const { rows } = await monitor.query<{ connection: string }>(
        `select pid || '@' || extract(epoch from backend_start) as connection from pg_stat_activity where application_name = $1`,
        [appName],
      );
      state.peak = Math.max(state.peak, rows.length);
      for (const { connection } of rows)
        if (!state.connections.has(connection)) state.connections.set(connection, state.finished);
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
    let rows: { x?: number; id?: number }[];
    try {
      rows = (await run(text, query === 'select1' ? [] : [id])) as { x?: number; id?: number }[];
    } finally {
      state.finished++; // settled, answered or not: only a query that never settles stays pending
    }
    const ok = rows.length === 1 && (query === 'select1' ? rows[0].x === 1 : rows[0].id === id);
    if (!ok) throw new Error(`wrong answer to ${query}: ${JSON.stringify(rows).slice(0, 200)}`);
    return rows;
  };
}

/** a cell's state before anything ran */
export function newState(url: string, schema: string, appName: string): DbState {
  return {
    url,
    schema,
    appName,
    peak: 0,
    connections: new Map(),
    started: 0,
    finished: 0,
    stopSampling: async () => {},
    timeouts: 0,
    strayCancels: 0,
    committed: 0,
    pidChanges: 0,
  };
}

/** Runs one statement on a connection of its own (not the pool's): probes of the server's state. */
async function probe<T>(url: string, text: string, params: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'asyncbench-probe' });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** the pool's connections the server holds now (`running`: those running a pg_sleep) */
async function poolConnections(state: DbState, running = false): Promise<number> {
  const filter = running ? ` and state = 'active' and query like '%pg_sleep%'` : '';
  const rows = await probe<{ n: number }>(
    state.url,
    `select count(*)::int as n from pg_stat_activity where application_name = $1${filter}`,
    [state.appName],
  );
  return rows[0]?.n ?? 0;
}

function pgPool(ctx: CaseContext<DbState>, extra: PoolConfig = {}): InstanceType<typeof pg.Pool> {
  const { max, connection } = poolSettings(ctx);
  const pool = new pg.Pool({
    connectionString: ctx.state.url,
    max,
    idleTimeoutMillis: IDLE_TIMEOUT_S * 1000,
    ...connection,
    ...extra,
  });
  pool.on('error', () => {}); // an idle client's error surfaces on the next query instead
  ctx.state.close = () => pool.end();
  return pool;
}

/** asyncpg's min_size: `min` connections opened before the first query, and kept */
async function warmPgCase(ctx: CaseContext<DbState>) {
  const { state } = ctx;
  const min = warmMin(Number(ctx.params.max));
  const pool = pgPool(ctx, { min });
  const clients = await Promise.all(Array.from({ length: min }, () => pool.connect()));
  for (const client of clients) client.release();
  state.warmBeforeFirstQuery = await poolConnections(state);
  // what pg's min is for: idle clients above it are closed, those up to it are kept
  state.idlePool = async () => {
    pool.options.idleTimeoutMillis = MIN_IDLE_CHECK_MS; // read at each release
    // every client used and released again, so each idles under the short timeout
    await Promise.all(Array.from({ length: pool.totalCount }, () => pool.query('select 1')));
    await new Promise((resolve) => setTimeout(resolve, 4 * MIN_IDLE_CHECK_MS));
  };
  return queryOp(state, ctx.params.query as QueryName, async (text, params) => (await pool.query(text, params)).rows);
}

/**
 * asyncpg's command_timeout: a query runs under withTimeout, whose signal cancels it on the server;
 * a share of them sleeps past the timeout. A timeout is counted, never thrown.
 *
 * As with asyncpg, the timeout covers the query on its connection, not the wait for a connection:
 * the query runs on a reserved connection (sql.reserve()). This also keeps clear of a postgres.js
 * 3.4 fault this case found: cancel() on a query still queued for a connection (more callers than
 * `max`) leaves the pool answering nothing afterwards.
 *
 * PostgreSQL cancels whatever a backend runs when the cancel request arrives: a query that finished
 * just before its cancel arrived leaves the cancel to hit the next query on that connection. Such a
 * "stray cancel" (error 57014 on a query whose own deadline had not passed) is counted, not thrown.
 */
function commandTimeoutCase(ctx: CaseContext<DbState>) {
  const { state } = ctx;
  const { max, connection } = poolSettings(ctx);
  const sql = postgres(state.url, { max, connection, ...POSTGRES_JS_LIFETIMES, onnotice: () => {} });
  state.close = () => sql.end({ timeout: 5 });
  const cancellable = (signal: AbortSignal, query: postgres.PendingQuery<postgres.Row[]>) => {
    const cancel = () => void query.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    return query
      .then(
        (rows) => rows,
        (error: unknown) => {
          throw signal.aborted ? signal.reason : error; // the server's "canceling statement" is our timeout
        },
      )
      .finally(() => signal.removeEventListener('abort', cancel));
  };
  /** one query on a connection of the pool held for it; the deadline starts once it has one */
  const onConnection = async (deadline: number, slow: boolean) => {
    const reserved = await sql.reserve();
    try {
      return await withTimeout(deadline, (signal) =>
        slow
          ? cancellable(signal, reserved.unsafe('select pg_sleep($1) as slept', [SLOW_S]))
          : queryOp(state, ctx.params.query as QueryName, (text, params) =>
              cancellable(
                signal,
                reserved.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }),
              ),
            )(),
      );
    } finally {
      reserved.release();
    }
  };
  const strayCancel = (error: unknown) => (error as { code?: unknown })?.code === '57014';
  // a plain query, tried again once if a stray cancel hit it
  state.plainQuery = () =>
    onConnection(RECOVERY_MS, false).catch((e) =>
      strayCancel(e) ? onConnection(RECOVERY_MS, false) : Promise.reject(e),
    );
  return async () => {
    try {
      return await onConnection(COMMAND_TIMEOUT_MS, Math.random() < SLOW_SHARE);
    } catch (error) {
      if (strayCancel(error)) state.strayCancels++;
      else if (error instanceof TimeoutError) state.timeouts++;
      else throw error;
      return [];
    }
  };
}

/** `async with pool.acquire() as conn: async with conn.transaction():` on pg, bumping a counter */
async function transactionCase(ctx: CaseContext<DbState>) {
  const { state } = ctx;
  if (ctx.params.query !== 'users-by-id')
    return ctx.skip('the transaction case runs its own statements: measured at query=users-by-id only');
  const table = `"${state.schema}"."db_pool_tx_${state.appName.replace(/[^a-z0-9]/g, '_')}"`;
  await probe(state.url, `create table ${table} (id int primary key, n bigint not null default 0)`, []);
  await probe(state.url, `insert into ${table} (id) select generate_series(1, ${COUNTERS})`, []);
  state.counters = table;
  const pool = pgPool(ctx);
  return async () => {
    const id = 1 + Math.floor(Math.random() * COUNTERS);
    state.started++;
    const client = await pool.connect();
    try {
      await client.query('begin');
      const before = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      await client.query(`update ${table} set n = n + 1 where id = $1`, [id]);
      const after = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      await client.query('commit');
      state.committed++;
      if (before !== after) state.pidChanges++;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
      state.finished++;
    }
  };
}

/**
 * The pool reused its connections: no more than `max` opened over the whole run, and none opened
 * after warm-up (first seen once half of the run's queries had finished) in place of another. A pool
 * still filling up to max opens late too (100 connections with scram auth on 2 cores take more than
 * half a --quick run), but every connection it opened is still there: it saw as many at once as it
 * ever opened. One that opened more than it ever held at once closed some and replaced them.
 */
export function checkReuse(state: Pick<DbState, 'connections' | 'finished' | 'peak'>, max: number): void {
  const opened = state.connections.size;
  if (opened > max)
    throw new Error(
      `the pool opened ${opened} connections over the run (at most ${state.peak} at once), more than max ${max}: it does not reuse them`,
    );
  const warm = state.finished / 2;
  const late = [...state.connections.values()].filter((finished) => finished > warm);
  if (late.length > 0 && opened > state.peak)
    throw new Error(
      `the pool opened ${late.length} of its ${opened} connections after warm-up (the first when ${Math.min(...late)} of ${state.finished} queries had finished): it does not reuse them`,
    );
}

/** What verify checks of the three feature cases, once the DB probes are in the state. */
export function checkFeatures(caseName: string, state: DbState, max: number): void {
  if (caseName === 'pg-min') {
    const min = warmMin(max);
    if ((state.warmBeforeFirstQuery ?? 0) < min)
      throw new Error(
        `the server held ${state.warmBeforeFirstQuery ?? 0} connections before the first query, min is ${min}`,
      );
    if ((state.heldWhenIdle ?? 0) < min)
      throw new Error(
        `idle past its idle timeout the pool kept ${state.heldWhenIdle ?? 0} connections, min is ${min}: it does not keep min`,
      );
  }
  if (caseName === 'postgres-command-timeout') {
    if (state.timeouts === 0) throw new Error('no query timed out: the case never exercised its command timeout');
    if ((state.stillRunning ?? 0) > 0)
      throw new Error(
        `${state.stillRunning} timed-out queries still ran on the server: the timeout did not cancel them`,
      );
    const after = state.answeredAfter;
    if (after === undefined || after.answered < after.sent)
      throw new Error(
        `after its timeouts the pool answered ${after?.answered ?? 0} of ${after?.sent ?? 0} plain queries${after?.error ? `: ${after.error}` : ''}`,
      );
  }
  if (caseName === 'pg-acquire-transaction') {
    if (state.committed === 0) throw new Error('no transaction committed');
    if (state.pidChanges > 0)
      throw new Error(`${state.pidChanges} transactions ran their statements on more than one connection`);
    if (state.counterSum !== state.committed)
      throw new Error(`the counters add up to ${state.counterSum}, but ${state.committed} transactions committed`);
    checkTransactionStatements(state.txStatements);
  }
}

/** verify's own transaction: a begin, an update and a commit, every statement on one backend */
export function checkTransactionStatements(statements: DbState['txStatements']): void {
  if (statements === undefined) throw new Error('verify recorded no statement of its own transaction');
  const kinds = new Set(statements.map((s) => s.text.trim().split(/\s+/)[0]?.toLowerCase()));
  for (const kind of ['begin', 'update', 'commit'])
    if (!kinds.has(kind)) throw new Error(`verify's own transaction sent no ${kind} on a connection of the pool`);
  const backends = new Set(statements.map((s) => s.backend));
  if (backends.size > 1)
    throw new Error(
      `verify's own transaction sent its statements on more than one connection (backends ${[...backends].join(', ')}): ${statements.map((s) => `${s.text.split(' ')[0]}@${s.backend}`).join(' ')}`,
    );
}

/**
 * Runs the op once more with every statement a client of the pool (its application_name) sends
 * recorded with the backend it goes to. Nothing else runs meanwhile: they are all the op's.
 */
async function recordTransactionStatements(ctx: VerifyContext<DbState>): Promise<void> {
  const { state } = ctx;
  type Recorded = { processID?: number; connectionParameters?: { application_name?: string } };
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const statements: NonNullable<DbState['txStatements']> = [];
  const recordStatements = (query: (...args: unknown[]) => unknown) =>
    function (this: Recorded, ...args: unknown[]) {
      if (this.connectionParameters?.application_name === state.appName) {
        const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown })?.text);
        statements.push({ backend: Number(this.processID), text });
      }
      return query.apply(this, args);
    };
  await withMethodReplaced(proto, 'query', recordStatements, () => ctx.op());
  state.txStatements = statements;
}

/** when the newest query of the pool's connections started (server clock, epoch seconds; 0 without one) */
async function lastQueryStart(state: DbState): Promise<number> {
  const rows = await probe<{ t: number }>(
    state.url,
    `select coalesce(extract(epoch from max(query_start)), 0)::float8 as t from pg_stat_activity where application_name = $1`,
    [state.appName],
  );
  return Number(rows[0]?.t ?? 0);
}

/**
 * One op, which must start a query on a connection of the pool: its query_start is then newer than
 * any before it. A `select 1` answer kept from an earlier query is right, and its pool holds its
 * connections as a real one does: only the server tells it never asked.
 */
async function opReachesServer(ctx: VerifyContext<DbState>): Promise<void> {
  const before = await lastQueryStart(ctx.state);
  await ctx.op();
  const after = await lastQueryStart(ctx.state);
  if (!(after > before))
    throw new Error(`verify's query started no query on a connection of the pool: its answer came from elsewhere`);
}

/** the server-side facts checkFeatures needs, gathered after the measured run */
async function probeFeatures(ctx: VerifyContext<DbState>): Promise<void> {
  const { state } = ctx;
  if (ctx.caseName === 'postgres-command-timeout') {
    // a cancelled query leaves the server at once; give the last cancel a moment to arrive
    for (let i = 0; i < 20; i++) {
      state.stillRunning = await poolConnections(state, true);
      if (state.stillRunning === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // the pool still answers: plain queries (the op's own ones may miss its short deadline on a loaded machine)
    const plain = state.plainQuery as () => Promise<unknown>;
    const outcomes = await Promise.allSettled(Array.from({ length: RECOVERY_QUERIES }, () => plain()));
    const answered = outcomes.filter((o) => o.status === 'fulfilled').length;
    const failed = outcomes.find((o) => o.status === 'rejected');
    state.answeredAfter = { answered, sent: RECOVERY_QUERIES, error: failed && String(failed.reason) };
  }
  if (ctx.caseName === 'pg-acquire-transaction' && state.counters) {
    await recordTransactionStatements(ctx);
    const rows = await probe<{ sum: number }>(
      state.url,
      `select coalesce(sum(n), 0)::int as sum from ${state.counters}`,
      [],
    );
    state.counterSum = rows[0]?.sum ?? 0;
  }
}

export default defineScenario<DbState>({
  id: 'db-pool',
  title: 'Connection pool throughput on PostgreSQL',
  pattern: 'Database Connection Pooling',
  kind: 'throughput',
  metric: { name: 'queries per second', unit: 'queries/s', better: 'higher' },
  // work of another kind than a pool's query: ranked apart, never "N× slower" than the plain pools
  caseMetrics: {
    'postgres-command-timeout': {
      name: 'queries per second, a share sleeping into a timeout',
      unit: 'queries/s',
      better: 'higher',
    },
    'pg-acquire-transaction': { name: 'transactions per second', unit: 'transactions/s', better: 'higher' },
  },
  params: { max: [1, 5, 10, 20], concurrency: [1, 10, 64, 256], query: ['select1', 'users-by-id'] },
  defaults: { max: [10], concurrency: [64], query: ['users-by-id'] },
  requires: ['postgres'],
  setup(ctx) {
    const db = ctx.services.postgres;
    if (!db) throw new Error('db-pool needs PostgreSQL (ctx.services.postgres is missing)');
    const appName = `asyncbench-db-pool-${Math.random().toString(36).slice(2, 10)}`;
    const state = newState(db.url, db.schema, appName);
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
      const pool = pgPool(ctx);
      return queryOp(
        ctx.state,
        ctx.params.query as QueryName,
        async (text, params) => (await pool.query(text, params)).rows,
      );
    },
    'pg-min': warmPgCase,
    'postgres-command-timeout': commandTimeoutCase,
    'pg-acquire-transaction': transactionCase,
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
    // the measured run's connections, before verify's own queries (the feature probes send their own burst)
    const run = { connections: new Map(state.connections), finished: state.finished, peak: state.peak };
    await opReachesServer(ctx); // one more checked query after the measured run
    await probeFeatures(ctx);
    await state.stopSampling();
    if (state.idlePool) {
      // after the sampling: the reuse check counts the queries of the measured run only
      await state.idlePool();
      state.heldWhenIdle = await poolConnections(state);
    }
    const max = Number(params.max);
    ctx.record('peak connections', state.peak, 'connections');
    ctx.record('connections opened', run.connections.size, 'connections');
    if (state.peak === 0)
      throw new Error('pg_stat_activity never showed a connection of the pool: the sampling did not work');
    if (state.peak > max) throw new Error(`the pool held ${state.peak} connections at once, more than max ${max}`);
    checkReuse(run, max);
    if (state.started !== state.finished)
      throw new Error(`${state.started - state.finished} queries still pending after the run`);
    if (state.warmBeforeFirstQuery !== undefined)
      ctx.record('connections before the first query', state.warmBeforeFirstQuery, 'connections');
    if (state.heldWhenIdle !== undefined) ctx.record('connections kept when idle', state.heldWhenIdle, 'connections');
    if (state.timeouts > 0) ctx.record('timed out', state.timeouts, 'queries');
    if (ctx.caseName === 'postgres-command-timeout') ctx.record('stray cancels', state.strayCancels, 'queries');
    if (state.counters) ctx.record('transactions committed', state.committed, 'transactions');
    checkFeatures(ctx.caseName, state, max);
    if (ctx.caseName === 'postgres') await recordPgbench(ctx);
  },
  async teardown(ctx) {
    await ctx.state.stopSampling();
    await ctx.state.close?.();
    if (ctx.state.counters) await probe(ctx.state.url, `drop table if exists ${ctx.state.counters}`, []);
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
