/**
 * Semaphore (asyncio.Semaphore): at most `permits` holders at once; acquire() waits in FIFO order.
 * A released permit goes straight to the longest waiter, so a later tryAcquire() cannot overtake it.
 * Like asyncio.Semaphore (not BoundedSemaphore), release() beyond the initial count adds a permit.
 *
 * acquire({ signal }) is cancellable (waiters.ts): an aborted acquire leaves the queue before any
 * permit reaches it, so no permit is ever given to a caller that stopped waiting.
 */
import { RESOLVED } from './scheduling.js';
import { abortedWait, Waiter, WaiterList, type WaitOptions } from './waiters.js';

export class Semaphore {
  private permits: number;
  private readonly waiters = new WaiterList<Waiter<void>>();

  /** one permit by default, as asyncio.Semaphore() */
  constructor(permits = 1) {
    if (!Number.isInteger(permits) || permits < 0)
      throw new RangeError(`permits must be an integer >= 0, got ${permits}`);
    this.permits = permits;
  }

  /** permits free now */
  get available(): number {
    return this.permits;
  }

  /** acquire() calls waiting for a permit */
  get waiting(): number {
    return this.waiters.length;
  }

  /** takes a permit if one is free without waiting */
  tryAcquire(): boolean {
    if (this.permits === 0) return false;
    this.permits--;
    return true;
  }

  /**
   * Resolves holding a permit; allocates nothing when one is free. Aborting `signal` while it waits
   * rejects it with `signal.reason`, holding nothing.
   */
  acquire(options?: WaitOptions): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return abortedWait(signal);
    if (this.permits > 0) {
      this.permits--;
      return RESOLVED;
    }
    const waiter = new Waiter<void>();
    this.waiters.push(waiter, signal);
    return waiter.promise;
  }

  release(): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) this.permits++;
    else waiter.resolve();
  }

  /** runs fn holding a permit, releasing it however fn ends (`async with sem:`) */
  async use<R>(fn: () => R | PromiseLike<R>, options?: WaitOptions): Promise<R> {
    if (options?.signal === undefined && this.permits > 0) this.permits--;
    else await this.acquire(options);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
