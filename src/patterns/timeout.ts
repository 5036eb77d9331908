/**
 * Deadlines, after asyncio's `timeout()` and `wait_for()`, Web-platform style: a deadline is an
 * AbortSignal that aborts with a TimeoutError, and cancellable work takes that signal.
 *
 * - `timeout(ms)` is a scope (asyncio.timeout): its `signal` aborts with a TimeoutError at the
 *   deadline; `reschedule()` moves the deadline, `expired` tells whether it fired, and disposing the
 *   scope (`using scope = timeout(ms)`, or `clear()`) stops the timer. A parent signal aborts it too.
 * - `withTimeout(ms, (signal) => work(signal))` (asyncio.wait_for) runs the work with the deadline's
 *   signal and waits for it to end: at the deadline the work is cancelled through the signal, and its
 *   abort surfaces as a TimeoutError. Work that finishes anyway (e.g. a queue item was handed over
 *   just before the deadline) keeps its result: nothing taken is dropped.
 * - `withTimeout(promise, ms)` is for work that cannot be cancelled (a child process starting, a
 *   third-party call without a signal): it rejects at the deadline but the work goes on, and whatever
 *   it produces later is lost. Never give it a queue get() or a semaphore acquire(): use the first form.
 *
 * The timer never outlives the wait in any form.
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export interface TimeoutOptions {
  /** a parent signal: its abort aborts the scope (with the parent's reason, not a TimeoutError) */
  signal?: AbortSignal;
  /** names what is awaited, for the TimeoutError's message */
  what?: string;
}

/** the longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days) */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** a timeout is a number of ms >= 0 (Infinity: none), or null (none) */
function checkMs(ms: number | null): void {
  if (ms !== null && !(ms >= 0)) throw new RangeError(`a timeout must be >= 0 ms, got ${ms}`);
}

/** A deadline scope: see timeout(). */
export class TimeoutScope implements Disposable {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private deadlineAt = Number.POSITIVE_INFINITY;
  private fired = false;
  /** set by clear(): the scope is over, and nothing re-arms it */
  private cleared = false;
  private readonly parent: AbortSignal | undefined;
  private readonly onParentAbort: (() => void) | undefined = undefined;

  constructor(
    ms: number | null,
    private readonly options: TimeoutOptions = {},
  ) {
    checkMs(ms);
    const parent = options.signal;
    this.parent = parent;
    if (parent?.aborted) {
      // aborted at once, as if the parent aborted just after: the deadline is the one asked for (kept,
      // as after any abort; reschedule below does nothing now) and no timer runs
      this.deadlineAt = performance.now() + (ms ?? Number.POSITIVE_INFINITY);
      this.controller.abort(parent.reason);
    } else if (parent !== undefined) {
      this.onParentAbort = () => this.abort(parent.reason);
      parent.addEventListener('abort', this.onParentAbort, { once: true });
    }
    this.reschedule(ms);
  }

  /** aborts with a TimeoutError at the deadline, or with the parent's reason */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** true once the deadline has passed and aborted the signal */
  get expired(): boolean {
    return this.fired;
  }

  /** the deadline on the performance.now() clock (kept after expiry, as asyncio's when()); Infinity when there is none */
  get deadline(): number {
    return this.deadlineAt;
  }

  /**
   * moves the deadline to `ms` from now (null or Infinity: no deadline); does nothing once the signal
   * aborted or the scope was cleared (a late reschedule must not start a timer that outlives the
   * scope and aborts its signal); an invalid `ms` throws a RangeError and leaves the deadline as it was
   */
  reschedule(ms: number | null): void {
    checkMs(ms);
    if (this.cleared || this.controller.signal.aborted) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (ms === null || ms === Number.POSITIVE_INFINITY) {
      this.deadlineAt = Number.POSITIVE_INFINITY;
      return;
    }
    this.deadlineAt = performance.now() + ms;
    this.arm(ms, ms);
  }

  /** stops the timer and lets go of the parent signal; the signal does not abort any more */
  clear(): void {
    this.cleared = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.onParentAbort !== undefined) this.parent?.removeEventListener('abort', this.onParentAbort);
  }

  [Symbol.dispose](): void {
    this.clear();
  }

  /** the error the work rejected with, as the caller should see it: an abort at the deadline is a TimeoutError */
  toTimeoutError(error: unknown): unknown {
    if (!this.fired || error instanceof TimeoutError) return error;
    if ((error as { name?: unknown })?.name !== 'AbortError') return error;
    const timeoutError = new TimeoutError((this.controller.signal.reason as Error).message);
    return Object.assign(timeoutError, { cause: error });
  }

  /**
   * setTimeout takes a delay that does not fit in an int32 as 1 ms (node, deno and bun alike), so a
   * longer wait is cut into MAX_TIMER_MS pieces until `left` fits; `ms` is the whole, for the message
   */
  private arm(left: number, ms: number): void {
    if (left <= MAX_TIMER_MS) this.timer = setTimeout(() => this.expire(ms), left);
    else this.timer = setTimeout(() => this.arm(this.deadlineAt - performance.now(), ms), MAX_TIMER_MS);
  }

  private expire(ms: number): void {
    this.timer = undefined;
    this.fired = true;
    const what = this.options.what;
    this.abort(new TimeoutError(`${what ? `${what}: ` : ''}no result within ${ms} ms`));
  }

  private abort(reason: unknown): void {
    this.clear();
    this.controller.abort(reason);
  }
}

/**
 * A deadline scope (asyncio.timeout): `using scope = timeout(100); await queue.get({ signal: scope.signal })`
 * rejects with a TimeoutError after 100 ms. `ms = null` (or Infinity) starts without a deadline (reschedule
 * later); a deadline past setTimeout's limit of 2^31 - 1 ms is kept with chained timers.
 */
export function timeout(ms: number | null, options?: TimeoutOptions): TimeoutScope {
  return new TimeoutScope(ms, options);
}

/** Cancellable: runs `work` with a signal that aborts at the deadline, and waits for it to end. */
export function withTimeout<T>(
  ms: number,
  work: (signal: AbortSignal) => T | PromiseLike<T>,
  options?: TimeoutOptions | string,
): Promise<T>;
/** Not cancellable: rejects at the deadline, while `promise`'s work goes on (its later result is lost). */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number, what?: string): Promise<T>;
export function withTimeout<T>(
  first: number | PromiseLike<T>,
  second: number | ((signal: AbortSignal) => T | PromiseLike<T>),
  third?: TimeoutOptions | string,
): Promise<T> {
  if (typeof first === 'number') {
    const options = typeof third === 'string' ? { what: third } : third;
    return runWithTimeout(first, second as (signal: AbortSignal) => T | PromiseLike<T>, options);
  }
  return raceTimeout(first, second as number, typeof third === 'string' ? third : third?.what);
}

async function runWithTimeout<T>(
  ms: number,
  work: (signal: AbortSignal) => T | PromiseLike<T>,
  options?: TimeoutOptions,
): Promise<T> {
  const scope = new TimeoutScope(ms, options);
  try {
    return await work(scope.signal);
  } catch (error) {
    throw scope.toTimeoutError(error);
  } finally {
    scope.clear();
  }
}

/** a scope's deadline (long and infinite ones included) raced against the promise */
async function raceTimeout<T>(promise: PromiseLike<T>, ms: number, what?: string): Promise<T> {
  let scope: TimeoutScope;
  try {
    scope = new TimeoutScope(ms, { what });
  } catch (error) {
    // an invalid ms: nothing will race the promise, so its later rejection would be unhandled.
    // Handle it here, as the race would have (its outcome is lost, as after a deadline)
    Promise.resolve(promise).catch(() => {});
    throw error;
  }
  const signal = scope.signal;
  const expired = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    scope.clear();
  }
}
