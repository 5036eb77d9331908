/** The seed's patterns as a small library, exported from the package (`import { TaskGroup } from 'asyncbench'`). */
export * from './async-queue.js';
export * from './deque.js';
export * from './event.js';
export * from './paginate.js';
export * from './pipeline.js';
export * from './resource.js';
export * from './scheduling.js';
export * from './semaphore.js';
export * from './task-group.js';
export * from './timeout.js';
export type { WaitOptions } from './waiters.js';
export * from './worker-pool.js';
