import { describe, expect, it } from 'vitest';
import { serveTasks, WorkerPool, WorkerTaskError } from '../../src/patterns/worker-pool.js';
import type { WorkerHandle, WorkerPort } from '../../src/runtimes/types.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A runtime whose workers run serveTasks in this process. Messages are structured-cloned, so an
 * uncloneable message throws DataCloneError in postMessage as it does between threads, and an
 * uncaught rejection of the worker's message listener kills the worker (onError), as in a real one.
 */
function inProcessRuntime(handler: (input: unknown) => unknown) {
  return {
    spawnWorker(): WorkerHandle {
      const toWorker: ((message: unknown) => unknown)[] = [];
      const toPool: ((message: unknown) => unknown)[] = [];
      let onError: (error: Error) => void = () => {};
      let dead = false;
      const send = (listeners: ((message: unknown) => unknown)[], message: unknown) => {
        const copy = structuredClone(message);
        setTimeout(() => {
          if (dead) return;
          for (const listener of listeners)
            Promise.resolve(listener(copy)).catch((error: Error) => {
              dead = true;
              onError(error);
            });
        });
      };
      const port: WorkerPort = {
        postMessage: (message) => send(toPool, message),
        onMessage: (listener) => toWorker.push(listener),
        ready: Promise.resolve(),
        workerData: undefined,
        close: () => {},
      };
      void serveTasks(port, handler);
      return {
        postMessage: (message) => send(toWorker, message),
        onMessage: (listener) => toPool.push(listener),
        onError: (listener) => {
          onError = listener;
        },
        terminate: async () => {
          dead = true;
        },
      };
    },
  };
}

describe('WorkerPool and serveTasks', () => {
  it('a result that cannot be cloned fails its own task only; the worker and its other task live on', async () => {
    const runtime = inProcessRuntime(async (input) => {
      const task = input as { value: number; bad?: boolean };
      if (task.bad) return { callback: () => task.value };
      await sleep(20);
      return task.value * 2;
    });
    const pool = new WorkerPool<{ value: number; bad?: boolean }, unknown>({ runtime, module: 'in-process', size: 1 });
    await pool.ready();
    const ok = pool.run({ value: 1 });
    const bad = pool.run({ value: 2, bad: true });
    const error = await bad.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerTaskError);
    expect((error as Error).message).toMatch(/^the result could not be sent to the pool: /);
    expect(await ok).toBe(2);
    expect(await pool.run({ value: 3 })).toBe(6);
    expect(pool.replaced).toBe(0);
    await pool.close();
  });

  it('an input that cannot be cloned fails its own task, sent at once or from the queue; the worker takes the next', async () => {
    const pool = new WorkerPool<unknown, unknown>({
      runtime: inProcessRuntime((input) => input),
      module: 'in-process',
      size: 1,
      tasksPerWorker: 1,
    });
    await pool.ready();
    const uncloneable = { callback: () => 1 };
    // the worker is free: postMessage throws inside run(), which must still return a rejected promise
    const atOnce = pool.run(uncloneable);
    await expect(atOnce).rejects.toThrow(/^the input could not be sent to a worker: /);
    // the worker is busy: the bad input waits in the queue and is posted when the first result comes
    const first = pool.run(1);
    const queued = pool.run(uncloneable);
    const after = pool.run(3);
    expect(await first).toBe(1);
    await expect(queued).rejects.toBeInstanceOf(WorkerTaskError);
    expect(await after).toBe(3); // the failed post held no place in the worker's one slot
    expect(pool.replaced).toBe(0);
    await pool.close();
  });

  it('ready() rejects once the pool is closed, as run() does', async () => {
    const pool = new WorkerPool({ runtime: inProcessRuntime((input) => input), module: 'in-process', size: 2 });
    await pool.ready();
    const closing = pool.close();
    await expect(pool.ready()).rejects.toBeInstanceOf(WorkerTaskError);
    await closing;
    await expect(pool.ready()).rejects.toBeInstanceOf(WorkerTaskError);
  });
});
