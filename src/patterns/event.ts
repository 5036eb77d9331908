/**
 * AsyncEvent (asyncio.Event; named apart from the DOM's global Event): wait() resolves once set() has
 * been called; clear() re-arms it. All the plain waiters of one unset period share a single promise,
 * so waiting costs no allocation per waiter. wait({ signal }) is cancellable: such a waiter has a
 * promise of its own and leaves the event when its signal aborts (rejecting with `signal.reason`),
 * so waits that time out again and again on an event never set leave nothing behind.
 */
import { Deferred } from './deferred.js';
import { RESOLVED } from './scheduling.js';
import { abortedWait, Waiter, WaiterList, type WaitOptions } from './waiters.js';

export class AsyncEvent {
  private flag = false;
  private waiters: Deferred<void> | undefined = undefined;
  private readonly cancellable = new WaiterList<Waiter<void>>();

  isSet(): boolean {
    return this.flag;
  }

  /** wakes every waiter; later wait() calls resolve at once until clear() */
  set(): void {
    if (this.flag) return;
    this.flag = true;
    const waiters = this.waiters;
    this.waiters = undefined;
    waiters?.resolve();
    for (let waiter = this.cancellable.shift(); waiter !== undefined; waiter = this.cancellable.shift())
      waiter.resolve();
  }

  clear(): void {
    this.flag = false;
  }

  wait(options?: WaitOptions): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return abortedWait(signal);
    if (this.flag) return RESOLVED;
    if (signal === undefined) {
      this.waiters ??= new Deferred<void>();
      return this.waiters.promise;
    }
    const waiter = new Waiter<void>();
    this.cancellable.push(waiter, signal);
    return waiter.promise;
  }
}
