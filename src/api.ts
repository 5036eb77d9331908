/** The public API: what `import ... from 'asyncbench'` gives scenario files and library users. */
export { defineScenario, SkipCase } from './harness/scenario.js';
export type * from './harness/scenario.js';
export type * from './runtimes/types.js';
export type { ResultFile, ResultEntry } from './harness/result-file.js';
export * from './patterns/index.js';
// the real services' client side (issue 4): the HTTP target's modes and counters, reference load
// generators, and Bun's own SQL client (behind the runtimes/ door)
export * from './services/http-target-client.js';
export { httpReference, pgbenchReference, type ReferenceFigure, referenceRecords } from './services/reference.js';
export { type BunSqlClient, createBunSql } from './runtimes/bun-sql.js';
