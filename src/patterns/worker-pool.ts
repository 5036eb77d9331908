/**
 * A fixed-size worker pool: the JavaScript answer to the seed's `asyncio.to_thread` for CPU-bound
 * work. Tasks wait in a FIFO queue and go to the least busy worker; each task has its own promise, so
 * `map` returns results in submission order whatever order they finish in.
 *
 * A worker holds up to `tasksPerWorker` tasks at once (default 2), so the next task is there when
 * one ends instead of after a message round trip to the pool and back (with one task per worker,
 * every task paid that round trip as idle time). serveTasks starts each task as its message
 * arrives: a synchronous handler runs them one at a time (the next waits in the worker's message
 * queue), an async handler's interleave (each starts while the one before awaits). Tasks are spread
 * first: every worker gets one before any gets a second.
 *
 * A worker that throws an uncaught error or dies is replaced, and the tasks it held are rejected
 * with a WorkerTaskError (the pool never retries: a task may have had side effects).
 *
 * The pool speaks a small protocol with its worker modules; a worker module implements it with
 * `serveTasks(port, handler)`. Only the WorkerHandle/WorkerPort interfaces are used, so the pool runs
 * unchanged over node:worker_threads and Web Workers.
 */
import type { RuntimeAdapter, TransferItem, WorkerHandle, WorkerPort } from '../runtimes/types.js';
import { Deferred } from './deferred.js';
import { Deque } from './deque.js';

const READY = 'ready';
const TASK = 'task';
const RESULT = 'result';
const FAILED = 'failed';

type ToWorker = { t: typeof TASK; id: number; input: unknown };
type FromWorker =
  | { t: typeof READY }
  | { t: typeof RESULT; id: number; value: unknown }
  | { t: typeof FAILED; id: number; message: string };

/** A task failed: its handler threw, its worker died, or the pool was closed before it ran. */
export class WorkerTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerTaskError';
  }
}

export interface WorkerPoolOptions {
  runtime: Pick<RuntimeAdapter, 'spawnWorker'>;
  /** a worker module that calls serveTasks() */
  module: string | URL;
  size: number;
  /** tasks a worker holds at once (running plus waiting in its message queue); default 2 */
  tasksPerWorker?: number;
  workerData?: unknown;
}

export const DEFAULT_TASKS_PER_WORKER = 2;

interface PendingTask {
  id: number;
  input: unknown;
  transfer?: TransferItem[];
  result: Deferred<unknown>;
}

interface Slot {
  handle: WorkerHandle;
  ready: Deferred<void>;
  isReady: boolean;
  /** the tasks sent to this worker and not answered yet, by id */
  tasks: Map<number, PendingTask>;
}

export class WorkerPool<In = unknown, Out = unknown> {
  readonly size: number;
  readonly tasksPerWorker: number;
  private readonly options: WorkerPoolOptions;
  private readonly slots: Slot[] = [];
  private readonly queue = new Deque<PendingTask>();
  private nextId = 0;
  private closed = false;
  /** set when a worker died before it was ready: the module cannot start, replacing it would loop */
  private broken: Error | null = null;
  /** workers replaced after they threw or died */
  replaced = 0;

  constructor(options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError(`pool size must be a positive integer, got ${options.size}`);
    const perWorker = options.tasksPerWorker ?? DEFAULT_TASKS_PER_WORKER;
    if (!Number.isInteger(perWorker) || perWorker < 1)
      throw new RangeError(`tasksPerWorker must be a positive integer, got ${perWorker}`);
    this.options = options;
    this.size = options.size;
    this.tasksPerWorker = perWorker;
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn(i));
  }

  /** Pre-warm: resolves once every worker has started and said it is ready; rejects once the pool is closed, as run() does. */
  async ready(): Promise<void> {
    for (let i = 0; i < this.slots.length; i++) {
      // a slot may be replaced while we wait: await until the slot now at i is ready
      while (!this.slots[i].isReady) {
        if (this.broken) throw this.broken;
        if (this.closed) throw new WorkerTaskError('the pool was closed');
        await this.slots[i].ready.promise;
      }
    }
    // every slot was ready, but a closed pool has no worker left to be ready
    if (this.closed) throw new WorkerTaskError('the pool is closed');
  }

  run(input: In, transfer?: TransferItem[]): Promise<Out> {
    if (this.closed) return Promise.reject(new WorkerTaskError('the pool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    const task: PendingTask = { id: this.nextId++, input, transfer, result: new Deferred() };
    this.queue.push(task);
    this.dispatch();
    return task.result.promise as Promise<Out>;
  }

  /** Runs every input; the results come back in input order. */
  map(inputs: readonly In[]): Promise<Out[]> {
    return Promise.all(inputs.map((input) => this.run(input)));
  }

  /** Terminates the workers; queued and running tasks are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failQueued(new WorkerTaskError('the pool was closed'));
    await Promise.all(
      this.slots.map((slot) => {
        this.failHeld(slot, new WorkerTaskError('the pool was closed while the task ran'));
        slot.ready.resolve();
        return slot.handle.terminate();
      }),
    );
  }

  private spawn(index: number): Slot {
    const handle = this.options.runtime.spawnWorker(this.options.module, { workerData: this.options.workerData });
    const slot: Slot = { handle, ready: new Deferred(), isReady: false, tasks: new Map() };
    // a pre-warm waiter may never come; the slot's death must not become an unhandled rejection
    slot.ready.promise.catch(() => {});
    handle.onMessage((message) => this.receive(slot, message as FromWorker));
    handle.onError((error) => this.lose(index, slot, error));
    return slot;
  }

  private receive(slot: Slot, message: FromWorker): void {
    if (message.t === READY) {
      slot.isReady = true;
      slot.ready.resolve();
    } else {
      const task = slot.tasks.get(message.id);
      if (task === undefined) return;
      slot.tasks.delete(message.id);
      if (message.t === RESULT) task.result.resolve(message.value);
      else task.result.reject(new WorkerTaskError(message.message));
    }
    this.dispatch();
  }

  /** A worker threw an uncaught error or died: fail its tasks and put a fresh worker in its place. */
  private lose(index: number, slot: Slot, error: Error): void {
    if (this.closed || this.slots[index] !== slot) return;
    this.failHeld(slot, new WorkerTaskError(`the worker died while running the task: ${error.message}`));
    void slot.handle.terminate().catch(() => {});
    if (!slot.isReady) {
      this.broken = new WorkerTaskError(`a worker failed to start: ${error.message}`);
      this.failQueued(this.broken);
      slot.ready.reject(this.broken);
      return;
    }
    this.replaced++;
    this.slots[index] = this.spawn(index);
    this.dispatch();
  }

  /** fills the workers level by level: each ready worker up to 1 task, then up to 2, ... */
  private dispatch(): void {
    for (let level = 1; level <= this.tasksPerWorker; level++) {
      for (const slot of this.slots) {
        while (slot.isReady && slot.tasks.size < level) {
          const task = this.queue.shift();
          if (task === undefined) return;
          this.post(slot, task);
        }
      }
    }
  }

  /**
   * Sends a task to a worker, and only then counts it as the worker's: an input postMessage cannot
   * clone (DataCloneError, thrown at once) fails its own task, as an uncloneable result does, and the
   * worker, which got nothing, takes the next one. A reply is always a later event, so none can come
   * before the task is counted.
   */
  private post(slot: Slot, task: PendingTask): void {
    try {
      slot.handle.postMessage({ t: TASK, id: task.id, input: task.input } satisfies ToWorker, task.transfer);
    } catch (error) {
      task.result.reject(new WorkerTaskError(`the input could not be sent to a worker: ${errorMessage(error)}`));
      return;
    }
    slot.tasks.set(task.id, task);
  }

  private failHeld(slot: Slot, error: WorkerTaskError): void {
    for (const task of slot.tasks.values()) task.result.reject(error);
    slot.tasks.clear();
  }

  private failQueued(error: Error): void {
    for (let task = this.queue.shift(); task; task = this.queue.shift()) task.result.reject(error);
  }
}

/**
 * The worker side: answers the pool's tasks with `handler`. A handler that throws, or returns what
 * postMessage cannot clone (DataCloneError), fails its task only; the worker stays in the pool. Call
 * it once, at the top of a worker module.
 */
export async function serveTasks<In, Out>(port: WorkerPort, handler: (input: In) => Out | Promise<Out>): Promise<void> {
  await port.ready;
  port.onMessage(async (message) => {
    const task = message as ToWorker;
    if (task?.t !== TASK) return;
    let reply: FromWorker;
    try {
      reply = { t: RESULT, id: task.id, value: await handler(task.input as In) };
    } catch (error) {
      reply = { t: FAILED, id: task.id, message: errorMessage(error) };
    }
    try {
      port.postMessage(reply);
    } catch (error) {
      // thrown out of this async listener, it would be an uncaught rejection: the worker would die
      // and take the other tasks it holds with it
      const message = `the result could not be sent to the pool: ${errorMessage(error)}`;
      port.postMessage({ t: FAILED, id: task.id, message } satisfies FromWorker);
    }
  });
  port.postMessage({ t: READY } satisfies FromWorker);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
