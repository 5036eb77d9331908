/** The public API: what `import ... from 'asyncbench'` gives scenario files and library users. */

export * from './patterns/index.js';
export type { ResultEntry, ResultFile } from './result/schema.js';
// a seeded generator (mulberry32): the same sequence on every runtime
export { seededRandom } from './result/stats.js';
// Bun's own PostgreSQL client, behind the runtimes/ door (db-pool)
export { type BunSqlClient, createBunSql } from './runtimes/bun-sql.js';
// the adapter of the runtime this runs on: a WorkerPool and its worker modules need one
export { currentRuntime } from './runtimes/current.js';
export type * from './runtimes/types.js';
export type * from './scenario.js';
// defining a scenario, and instrumenting a method for one extra run of its op in verify
export { defineScenario, SkipCase, withCallsCounted, withMethodReplaced } from './scenario.js';
// the real services' client side: the HTTP target's modes and counters, reference load generators
export * from './services/http-target-client.js';
export { httpReference, pgbenchReference, type ReferenceFigure, referenceRecords } from './services/reference.js';
// workloads shared by scenarios and their worker modules: both sides of a worker or process
// boundary compute and check the same thing
export { type CpuResult, type CpuTask, hashChain, TASK_ROUNDS, timedHashes } from './workers/cpu-kernel.js';
export * from './workers/messaging-payload.js';
export { checkRunnerOutput } from './workers/runner-job-result.js';
