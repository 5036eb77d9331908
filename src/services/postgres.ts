/**
 * The PostgreSQL a run measures against: an embedded server started for the run, or the server of
 * DATABASE_URL. Either way the scenarios get a schema of their own holding the seeded `users`
 * table, and stop() leaves nothing behind (the embedded server and its directory, or the schema).
 */
import { randomBytes } from 'node:crypto';
import pg, { type Client } from 'pg';
import { UsageError } from '../result/errors.js';
import { parseConnectionUrl, redactUrl, registerUrlSecrets } from '../result/redact.js';
import { abortable } from './abortable.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export const USERS_ROWS = 10_000;

export interface PostgresService {
  /** connection string with the password: handed to the measuring processes only */
  url: string;
  /** the schema holding `users`; scenarios qualify the table with it */
  schema: string;
  /** what a result file or a log may show: no password */
  describe(): PostgresDescription;
  /** idempotent */
  stop(): Promise<void>;
  /** the embedded server: called once if it exits before stop() (a DATABASE_URL server is not watched) */
  onExit?(listener: (reason: string) => void): void;
}

export interface PostgresDescription {
  origin: 'embedded' | 'DATABASE_URL';
  url: string;
  schema: string;
  version: string;
  /** ms: initdb, server start and seeding (embedded), or seeding alone */
  startup: Record<string, number>;
}

/** A quoted SQL identifier; the schema names here are generated, this only guards against surprises. */
function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Setup's own limits: a server that accepts the connection and never answers (a wrong port, a
 * proxy) would hold the run before its first fork, where no job timeout reaches. Seeding 10 000
 * rows takes well under a second.
 */
const SETUP_CONNECT_MS = 10_000;
const SETUP_STATEMENT_MS = 60_000;
/**
 * Ctrl-C's cleanup may not hold the run for the setup's limits: all of it (waiting for the seeding
 * session to end, then the DROP) ends within AFTER_ABORT_MS, the wait within SESSION_WAIT_MS of it.
 */
const AFTER_ABORT_MS = 3_000;
const SESSION_WAIT_MS = 2_000;

/**
 * `signal` (Ctrl-C) ends the connection at once, whether it is connecting or running a statement.
 * `limitMs` bounds the connection and each statement (default: the setup's limits).
 */
async function withClient<T>(
  url: string,
  fn: (client: Client) => Promise<T>,
  { signal, limitMs }: { signal?: AbortSignal; limitMs?: number } = {},
): Promise<T> {
  const connectMs = limitMs ?? SETUP_CONNECT_MS;
  const client = new pg.Client({
    connectionString: url,
    application_name: 'asyncbench-setup',
    connectionTimeoutMillis: connectMs,
    query_timeout: limitMs ?? SETUP_STATEMENT_MS,
  });
  const end = () => void client.end().catch(() => {});
  await abortable(client.connect(), signal, end).catch((error: Error) => {
    // pg says only "timeout expired"
    if (signal?.aborted || !/timeout/i.test(error.message)) throw error;
    throw new Error(`no answer from ${redactUrl(url)} within ${connectMs / 1000} s (${error.message})`);
  });
  try {
    return await abortable(fn(client), signal, end);
  } finally {
    await client.end();
  }
}

/**
 * 10 000 users, a third of them inactive, indexed on `active` (the parameterised query's filter).
 * One transaction: a connection dropped midway (Ctrl-C ends it, a harness killed outright closes
 * it) rolls all of it back, where statements committed one by one left the schema on the server.
 */
async function seed(client: Client, schema: string, onCommit: () => void = () => {}): Promise<void> {
  const s = ident(schema);
  await client.query('BEGIN');
  // no IF NOT EXISTS: a schema of that name that is not ours fails the seed (and stop() never drops it)
  await client.query(`CREATE SCHEMA ${s}`);
  await client.query(
    `CREATE TABLE ${s}.users (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL, active boolean NOT NULL)`,
  );
  await client.query(
    `INSERT INTO ${s}.users SELECT i, 'user ' || i, 'user' || i || '@example.test', i % 3 <> 0 FROM generate_series(1, ${USERS_ROWS}) AS i`,
  );
  await client.query(`CREATE INDEX ON ${s}.users (active)`);
  await client.query(`ANALYZE ${s}.users`);
  onCommit();
  await client.query('COMMIT');
}

async function serverVersion(client: Client): Promise<string> {
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  return rows[0].server_version;
}

async function dropSchema(client: Client, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Whether the session `pid` has ended within SESSION_WAIT_MS: false if it has not, or if that
 * cannot be told (no pid, pg_stat_activity not readable, no answer); the wait is then waited out.
 */
async function sessionEnded(url: string, pid: number | undefined): Promise<boolean> {
  const until = Date.now() + SESSION_WAIT_MS;
  let ended = false;
  if (pid !== undefined)
    await withClient(
      url,
      async (client) => {
        for (;;) {
          const { rowCount } = await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
          ended = rowCount === 0;
          if (ended || Date.now() >= until) return;
          await sleep(20);
        }
      },
      { signal: AbortSignal.timeout(SESSION_WAIT_MS) },
    ).catch(() => {});
  if (!ended) await sleep(until - Date.now());
  return ended;
}

/**
 * Drops `schema` once the session `pid` has ended: it ends only after carrying out a COMMIT it was
 * sent, and a schema committed after a DROP escapes it. All of it within AFTER_ABORT_MS; when the
 * DROP fails, or ran without the session seen to end, one line on stderr names the schema (never
 * the URL) so that the user can drop it.
 */
async function dropAfterSession(url: string, schema: string, pid: number | undefined): Promise<void> {
  const deadline = Date.now() + AFTER_ABORT_MS;
  const ended = await sessionEnded(url, pid);
  const dropped = await withClient(url, (client) => dropSchema(client, schema), {
    signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
  }).then(
    () => true,
    () => false,
  );
  if (!ended || !dropped) console.error(schemaLeft(schema));
}

const schemaLeft = (schema: string) =>
  `asyncbench: schema ${schema} may be left on the DATABASE_URL server; drop it with DROP SCHEMA ${schema} CASCADE`;

/** Seeds `schema`, and returns the server's version. */
async function seedExisting(databaseUrl: string, schema: string, signal?: AbortSignal): Promise<string> {
  // once COMMIT is sent, no stop() of the service will drop what it committed
  let committing = false;
  // the session's pid, if the server tells it (a PostgreSQL-compatible one may not)
  let pid: number | undefined;
  try {
    return await withClient(
      databaseUrl,
      async (client) => {
        // asked first, so the seed's COMMIT is the last statement
        const version = await serverVersion(client);
        pid = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then(
          ({ rows }) => rows[0]?.pid,
          () => undefined,
        );
        // a failed seed is rolled back when withClient ends the session
        await seed(client, schema, () => (committing = true));
        return version;
      },
      { signal },
    );
  } catch (error) {
    if (committing) await dropAfterSession(databaseUrl, schema, pid);
    throw error;
  }
}

async function useExisting(databaseUrl: string, signal?: AbortSignal): Promise<PostgresService> {
  const schema = `asyncbench_${randomBytes(4).toString('hex')}`;
  const t0 = performance.now();
  const version = await seedExisting(databaseUrl, schema, signal);
  const seedMs = performance.now() - t0;
  let stopping: Promise<void> | undefined;
  return {
    url: databaseUrl,
    schema,
    describe: () => ({ origin: 'DATABASE_URL', url: redactUrl(databaseUrl), schema, version, startup: { seedMs } }),
    stop() {
      // a server that stalled or went away keeps the schema: say so, as a Ctrl-C during the seed does
      stopping ??= withClient(databaseUrl, (client) => dropSchema(client, schema)).catch(() => {
        console.error(schemaLeft(schema));
      });
      return stopping;
    },
  };
}

async function startEmbedded(signal?: AbortSignal): Promise<PostgresService> {
  const server = await startEmbeddedPostgres(signal);
  registerUrlSecrets(server.url);
  const schema = 'asyncbench';
  try {
    const t0 = performance.now();
    await withClient(server.url, (client) => seed(client, schema), { signal });
    const seedMs = performance.now() - t0;
    return {
      url: server.url,
      schema,
      describe: () => ({
        origin: 'embedded',
        url: redactUrl(server.url),
        schema,
        version: server.version,
        startup: { ...server.timings, seedMs },
      }),
      stop: server.stop,
      onExit: server.onExit,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Refuses a DATABASE_URL that no driver of the run can connect with, before anything is measured:
 * every db cell failed with 'Invalid URL' or a lookup of a host named by half a word (exit 1). The
 * message never quotes the value, which may hold a password.
 */
export function checkDatabaseUrl(databaseUrl: string | undefined): void {
  if (!databaseUrl) return;
  const protocol = parseConnectionUrl(databaseUrl)?.protocol;
  // the hint names the parts in words: a user:password@ in it is masked as a URL's password is
  if (protocol !== 'postgres:' && protocol !== 'postgresql:')
    throw new UsageError(
      `DATABASE_URL is not a PostgreSQL URL (${protocol ? `its scheme is ${protocol}` : 'it is no URL'}): give a postgres:// URL of user, password, host, port and database, or unset it for an embedded server`,
    );
  // a password with '#' or '@' as they are: the parser ends it at the '#' (too short to mask) and
  // read the rest as the host, which an error then quoted ("ENOTFOUND S3cretPart")
  const beforeQuery = databaseUrl.split('?')[0] as string;
  if (databaseUrl.includes('#') || (beforeQuery.match(/@/g)?.length ?? 0) > 1)
    throw new UsageError(
      "DATABASE_URL holds a '#', or an '@' besides the one before the host: percent-encode them in the password ('#' is %23, '@' is %40, '/' is %2F)",
    );
}

/**
 * With a DATABASE_URL, that server (in a schema of its own); otherwise an embedded one for this run.
 * An abort of `signal` rejects at once, with nothing left running.
 */
export function startPostgres(databaseUrl?: string, signal?: AbortSignal): Promise<PostgresService> {
  // its password is masked wherever it shows up: in a driver's error, a child's stderr, a reason
  registerUrlSecrets(databaseUrl);
  return databaseUrl ? useExisting(databaseUrl, signal) : startEmbedded(signal);
}
