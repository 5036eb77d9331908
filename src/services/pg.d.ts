/**
 * The part of `pg` (node-postgres) asyncbench uses. The package ships no types and @types/pg is not
 * a dependency; this declares just what the services, the db-pool scenario and their tests call.
 */
declare module 'pg' {
  export interface QueryResultRow {
    [column: string]: unknown;
  }
  export interface QueryResult<R extends QueryResultRow = QueryResultRow> {
    rows: R[];
    rowCount: number | null;
  }
  export interface ClientConfig {
    connectionString?: string;
    application_name?: string;
    /** give up a connection the server has not completed in this time (0: never) */
    connectionTimeoutMillis?: number;
    /** give up a query the server has not answered in this time (client side) */
    query_timeout?: number;
  }
  export interface PoolConfig extends ClientConfig {
    max?: number;
    /** idle clients the pool keeps from being reaped (it does not open them by itself) */
    min?: number;
    idleTimeoutMillis?: number;
  }
  interface Queryable {
    query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
  }
  export class Client implements Queryable {
    constructor(config?: ClientConfig);
    connect(): Promise<void>;
    query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
  }
  /** a client checked out of a Pool: give it back with release() */
  export interface PoolClient extends Queryable {
    release(error?: Error | boolean): void;
  }
  export class Pool implements Queryable {
    constructor(config?: PoolConfig);
    /** the config, which the pool reads again at each release (its idle timeout) */
    readonly options: PoolConfig;
    readonly totalCount: number;
    connect(): Promise<PoolClient>;
    query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    on(event: 'error', listener: (error: Error) => void): this;
    end(): Promise<void>;
  }
  const pg: { Client: typeof Client; Pool: typeof Pool };
  export default pg;
}
