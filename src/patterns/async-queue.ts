/**
 * AsyncQueue: asyncio.Queue for JavaScript. Bounded by `maxsize` (0 = unbounded): put() waits while
 * the queue is full (backpressure), get() waits while it is empty; taskDone()/join() count finished
 * items; close() ends it: waiting producers reject, consumers drain what is left and then end.
 *
 * O(1) per operation: items sit in a ring buffer, waiters in a WaiterList. An item is handed straight
 * to a waiting consumer (and a waiting producer's item moves straight into a freed slot), so waiters
 * are served in FIFO order and a woken consumer cannot lose its item to a later getNowait(). put() on
 * a non-full queue allocates nothing (it returns a shared settled promise); tryPut() lets a hot
 * producer skip even the await.
 *
 * get({ signal }) and put(item, { signal }) are cancellable (waiters.ts): an aborted get is removed
 * before any item reaches it, so no item is lost and join() still resolves; an aborted put is removed
 * with its item, which is never enqueued. An abort that comes after the hand-off changes nothing.
 * Never race a get() against a timer without its signal (`Promise.race`, the promise form of
 * withTimeout): the losing get still takes the next item, and nobody receives it.
 */
import { Deferred } from './deferred.js';
import { Deque } from './deque.js';
import { RESOLVED } from './scheduling.js';
import { abortedWait, Waiter, WaiterList, type WaitOptions } from './waiters.js';

export class QueueClosedError extends Error {
  override name = 'QueueClosedError';
  constructor() {
    super('the queue is closed');
  }
}
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  constructor() {
    super('the queue is full');
  }
}
export class QueueEmptyError extends Error {
  override name = 'QueueEmptyError';
  constructor() {
    super('the queue is empty');
  }
}

/** a waiting consumer: get() (no iterator) wants the item, an iterator's next() wants an IteratorResult */
class Getter<T> extends Waiter<T | IteratorResult<T, undefined>> {
  constructor(readonly iterator: QueueIterator<T> | undefined) {
    super();
  }
}

class Putter<T> extends Waiter<void> {
  constructor(readonly item: T) {
    super();
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly maxsize: number;
  private readonly items: Deque<T>;
  private readonly getters = new WaiterList<Getter<T>>();
  private readonly putters = new WaiterList<Putter<T>>();
  private unfinished = 0;
  private joiner: Deferred<void> | undefined = undefined;
  private isClosed = false;

  constructor(maxsize = 0) {
    if (!Number.isInteger(maxsize) || maxsize < 0)
      throw new RangeError(`maxsize must be an integer >= 0, got ${maxsize}`);
    this.maxsize = maxsize;
    this.items = new Deque<T>(maxsize === 0 ? 16 : Math.min(maxsize, 1024));
  }

  /**
   * items in the queue now: not more than maxsize when bounded, but for one a stopped pipeline gave
   * back (giveBack)
   */
  get size(): number {
    return this.items.length;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  empty(): boolean {
    return this.items.length === 0;
  }

  full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }

  /** adds the item if there is room and returns true; false when full; throws QueueClosedError once closed */
  tryPut(item: T): boolean {
    if (this.isClosed) throw new QueueClosedError();
    if (this.getters.length > 0) {
      // a consumer waits, so the queue is empty: hand the item over directly
      this.unfinished++;
      const getter = this.getters.shift() as Getter<T>;
      getter.resolve(getter.iterator !== undefined ? { value: item, done: false } : item);
      return true;
    }
    if (this.maxsize > 0 && this.items.length >= this.maxsize) return false;
    this.unfinished++;
    this.items.push(item);
    return true;
  }

  /** throws QueueFullError when full */
  putNowait(item: T): void {
    if (!this.tryPut(item)) throw new QueueFullError();
  }

  /**
   * Resolves once the item is in the queue; waits while full; rejects with QueueClosedError once
   * closed. Aborting `signal` while it waits rejects it with `signal.reason` and the item is not added.
   */
  put(item: T, options?: WaitOptions): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return abortedWait(signal);
    if (this.isClosed) return Promise.reject(new QueueClosedError());
    if (this.tryPut(item)) return RESOLVED;
    const putter = new Putter(item);
    this.putters.push(putter, signal);
    return putter.promise;
  }

  /** the oldest item; throws QueueEmptyError when empty, QueueClosedError when closed and drained */
  getNowait(): T {
    if (this.items.length > 0) return this.take();
    throw this.isClosed ? new QueueClosedError() : new QueueEmptyError();
  }

  /**
   * The oldest item; waits while empty; rejects with QueueClosedError when closed and drained.
   * Aborting `signal` while it waits rejects it with `signal.reason`; it took no item.
   */
  get(options?: WaitOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return abortedWait(signal);
    if (this.items.length > 0) return Promise.resolve(this.take());
    if (this.isClosed) return Promise.reject(new QueueClosedError());
    const getter = new Getter<T>(undefined);
    this.getters.push(getter, signal);
    return getter.promise as Promise<T>;
  }

  /** marks one item taken earlier as processed (asyncio's task_done) */
  taskDone(): void {
    if (this.unfinished === 0) throw new Error('taskDone() called more times than items were put');
    if (--this.unfinished > 0) return;
    const joiner = this.joiner;
    this.joiner = undefined;
    joiner?.resolve();
  }

  /** resolves when every item put so far has been marked with taskDone() */
  join(): Promise<void> {
    if (this.unfinished === 0) return RESOLVED;
    this.joiner ??= new Deferred<void>();
    return this.joiner.promise;
  }

  /**
   * Ends the queue: waiting and later put() calls reject with QueueClosedError (a waiting producer's
   * item is not added); consumers still get the items left, then get() rejects and iteration ends.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    while (this.putters.length > 0) (this.putters.shift() as Putter<T>).reject(new QueueClosedError());
    while (this.getters.length > 0) {
      const getter = this.getters.shift() as Getter<T>;
      if (getter.iterator !== undefined) getter.resolve(DONE);
      else getter.reject(new QueueClosedError());
    }
  }

  /**
   * `for await (const item of queue)`: takes items until the queue is closed and drained; break leaves
   * the queue open; return() ends every next() still waiting without taking an item, and later
   * next() calls take nothing
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new QueueIterator(this);
  }

  /** @internal the next IteratorResult, without an intermediate get() promise; a wait is left in `iterator.waiting` */
  nextResult(iterator: QueueIterator<T>): Promise<IteratorResult<T, undefined>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.take(), done: false });
    if (this.isClosed) return Promise.resolve(DONE);
    const getter = new Getter<T>(iterator);
    this.getters.push(getter);
    iterator.waiting = getter;
    return getter.promise as Promise<IteratorResult<T, undefined>>;
  }

  /**
   * @internal an iterator's return(), given its last next() that had to wait: every next() of that
   * iterator still waiting leaves the line and ends, having taken nothing. Getters are served in
   * FIFO order, so when the last one was served (its item is that next()'s) so were the earlier
   * ones; otherwise they are before it in the line: walk back from it (only here, not per item).
   */
  withdraw(last: Getter<T>): void {
    if (last.list !== this.getters) return;
    let getter: Getter<T> | undefined = last;
    while (getter !== undefined) {
      const before = getter.prev as Getter<T> | undefined;
      if (getter.iterator === last.iterator) {
        this.getters.remove(getter);
        getter.resolve(DONE);
      }
      getter = before;
    }
  }

  /**
   * @internal an item a next() was handed that its taker stopped before using (pipeline's stop while
   * its source waited): first in line again, to a getter waiting now or at the head of the items. It
   * was never marked done, so it still counts for join(); it may take the queue one past maxsize.
   */
  giveBack(item: T): void {
    const getter = this.getters.shift();
    if (getter === undefined) this.items.unshift(item);
    else getter.resolve(getter.iterator !== undefined ? { value: item, done: false } : item);
  }

  private take(): T {
    const item = this.items.shift() as T;
    if (this.putters.length > 0) {
      // a producer waits for the slot just freed: move its item in
      const putter = this.putters.shift() as Putter<T>;
      this.unfinished++;
      this.items.push(putter.item);
      putter.resolve();
    }
    return item;
  }
}

/** what a returned QueueIterator's next() asks in place of its queue: the end, taking nothing */
const RETURNED = {
  nextResult(_iterator: unknown): Promise<IteratorReturnResult<undefined>> {
    return Promise.resolve(DONE);
  },
};

/** @internal what `for await` over an AsyncQueue iterates with (exported for pipeline's stop) */
export class QueueIterator<T> implements AsyncIterableIterator<T> {
  /** @internal the getter of the last next() that had to wait (it may have been served since) */
  waiting: Getter<T> | undefined = undefined;
  /** the queue; RETURNED once return() was called */
  private queue: AsyncQueue<T> | typeof RETURNED;

  /** @param origin the queue, kept after return() for an item given back to it */
  constructor(readonly origin: AsyncQueue<T>) {
    this.queue = origin;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    return this.queue.nextResult(this);
  }

  /**
   * Leaves the queue open. Every next() still waiting ends ({ done: true }) and takes no item, so
   * whoever stops iterating while the queue is empty (pipeline, a consumer racing a shutdown) loses
   * nothing; a later next() is done at once and takes nothing either.
   */
  return(): Promise<IteratorResult<T, undefined>> {
    const queue = this.queue;
    // next() asks RETURNED from now on: the returned iterator is done, next()'s hot path checks no
    // flag per item, and a next method read before return() (for await and yield* hold the one they
    // read at the start) is done too, which an own next() shadowing the prototype's was not
    this.queue = RETURNED;
    const waiting = this.waiting;
    if (waiting !== undefined && queue instanceof AsyncQueue) {
      this.waiting = undefined;
      queue.withdraw(waiting);
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
