/**
 * AsyncEvent (asyncio.Event; named apart from the DOM's global Event): wait() resolves once set() has been called; clear() re-arms it. All the
 * waiters of one unset period share a single promise, so waiting costs no allocation per waiter.
 */
import { Deferred } from './deferred.js';
import { RESOLVED } from './scheduling.js';

export class AsyncEvent {
  private flag = false;
  private waiters: Deferred<void> | undefined = undefined;

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
  }

  clear(): void {
    this.flag = false;
  }

  wait(): Promise<void> {
    if (this.flag) return RESOLVED;
    this.waiters ??= new Deferred<void>();
    return this.waiters.promise;
  }
}
