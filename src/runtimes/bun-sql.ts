/**
 * Bun's own PostgreSQL client (`Bun.SQL`), the runtime's built-in way for the db-pool scenario.
 * It is a separate case, never a substitute for the `postgres` package (PITFALLS 1). Kept behind
 * the runtimes/ door like every other runtime-specific API; absent on node and deno.
 */

export interface BunSqlOptions {
  /** pool size */
  max: number;
  /** seconds an idle connection is kept */
  idleTimeout: number;
  /** seconds a connection lives at most */
  maxLifetime: number;
  /** startup parameters, e.g. application_name (counted in pg_stat_activity by the scenario) */
  connection?: Record<string, string>;
}

export interface BunSqlClient {
  /** runs a query with $1.. placeholders; resolves with the rows */
  unsafe(query: string, params?: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

type BunSqlConstructor = new (url: string, options: BunSqlOptions) => BunSqlClient;

/** A Bun.SQL pool, or undefined where the runtime has none (node, deno). */
export function createBunSql(url: string, options: BunSqlOptions): BunSqlClient | undefined {
  const SQL = (globalThis as { Bun?: { SQL?: BunSqlConstructor } }).Bun?.SQL;
  return SQL ? new SQL(url, options) : undefined;
}
