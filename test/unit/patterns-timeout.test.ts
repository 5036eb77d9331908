import { describe, expect, it, vi } from 'vitest';
import { AsyncQueue } from '../../src/patterns/async-queue.js';
import { nextTurn } from '../../src/patterns/scheduling.js';
import { Semaphore } from '../../src/patterns/semaphore.js';
import { TimeoutError, timeout, withTimeout } from '../../src/patterns/timeout.js';
import { listenerCount } from './patterns-waits.js';

describe('timeout() and withTimeout()', () => {
  it('a timeout scope aborts its signal with a TimeoutError; a waiting get leaves the queue', async () => {
    const queue = new AsyncQueue<number>();
    using scope = timeout(5, { what: 'the next item' });
    const error = await queue.get({ signal: scope.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('the next item: no result within 5 ms');
    expect(scope.expired).toBe(true);
    queue.putNowait(1);
    expect(queue.size).toBe(1);
  });

  it('reschedule moves the deadline; null removes it; clear stops the timer', async () => {
    const scope = timeout(1);
    scope.reschedule(null);
    expect(scope.deadline).toBe(Number.POSITIVE_INFINITY);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(scope.signal.aborted).toBe(false);
    scope.reschedule(1);
    expect(scope.deadline).toBeLessThan(performance.now() + 1000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(scope.expired).toBe(true);
    const cleared = timeout(1);
    cleared.clear();
    cleared.reschedule(1); // a late reschedule after the scope ended (the end of a `using` block)
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cleared.signal.aborted).toBe(false);
    expect(() => timeout(-1)).toThrow(RangeError);
  });

  it('a parent signal aborts the scope with its own reason, not a TimeoutError', async () => {
    const parent = new AbortController();
    const count = listenerCount(parent.signal);
    const scope = timeout(10_000, { signal: parent.signal });
    parent.abort(new Error('shutdown'));
    expect((scope.signal.reason as Error).message).toBe('shutdown');
    expect(scope.expired).toBe(false);
    expect(count()).toBe(0);
    const other = new AbortController();
    const otherCount = listenerCount(other.signal);
    timeout(10_000, { signal: other.signal }).clear();
    expect(otherCount()).toBe(0);
  });

  it('withTimeout(ms, fn) cancels the wait through its signal: no item is taken by the timed-out get', async () => {
    const queue = new AsyncQueue<string>();
    const error = await withTimeout(5, (signal) => queue.get({ signal }), 'an item').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    queue.putNowait('next');
    expect(queue.size).toBe(1);
    expect(await withTimeout(100, (signal) => queue.get({ signal }))).toBe('next');
  });

  it('withTimeout(ms, fn) keeps a result handed over before the deadline fired', async () => {
    const semaphore = new Semaphore(0);
    const acquired = withTimeout(1, (signal) => semaphore.acquire({ signal }).then(() => 'held'));
    semaphore.release();
    expect(await acquired).toBe('held');
    expect(semaphore.available).toBe(0);
  });

  it('withTimeout(ms, fn) turns an AbortError thrown at the deadline into a TimeoutError; other errors pass', async () => {
    const abortError = withTimeout(1, async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      throw new DOMException('aborted', 'AbortError');
    });
    const error = await abortError.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).cause).toMatchObject({ name: 'AbortError' });
    await expect(
      withTimeout(100, () => {
        throw new Error('own');
      }),
    ).rejects.toThrow('own');
    await expect(withTimeout(100, () => 3)).resolves.toBe(3);
  });

  it('the promise form still races (non-cancellable work) and names what timed out', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, 'the answer')).resolves.toBe(7);
    const never = new Promise<never>(() => {});
    const error = await withTimeout(never, 10, 'the server start').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('the server start: no result within 10 ms');
  });

  it('a timed-out wait never resolves later: nothing is enqueued or granted after the deadline', async () => {
    const queue = new AsyncQueue<number>(1);
    queue.putNowait(0);
    await expect(withTimeout(2, (signal) => queue.put(1, { signal }))).rejects.toBeInstanceOf(TimeoutError);
    expect(queue.getNowait()).toBe(0);
    await nextTurn();
    expect(queue.size).toBe(0); // the timed-out put did not move its item into the freed slot
  });
});

describe('deadlines out of setTimeout range, and invalid ones', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('Infinity is no deadline; 2^31 ms or more does not fire at once (setTimeout would take it as 1 ms)', async () => {
    const never = timeout(Number.POSITIVE_INFINITY);
    const late = timeout(2 ** 31);
    const work = withTimeout(30 * 24 * 3600 * 1000, async () => {
      await sleep(20);
      return 'done';
    });
    const raced = withTimeout(
      sleep(20).then(() => 'raced'),
      2 ** 31,
    );
    const unbounded = withTimeout(
      sleep(20).then(() => 'unbounded'),
      Number.POSITIVE_INFINITY,
    );
    await sleep(30);
    expect([never.expired, never.signal.aborted, never.deadline]).toEqual([false, false, Number.POSITIVE_INFINITY]);
    expect([late.expired, late.signal.aborted]).toEqual([false, false]);
    expect(late.deadline).toBeGreaterThan(performance.now() + 2 ** 30);
    expect(await Promise.all([work, raced, unbounded])).toEqual(['done', 'raced', 'unbounded']);
    never.clear();
    late.clear();
  });

  it('a deadline past 2^31-1 ms fires when it is due, not before (timers chained)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const ms = 2 ** 31 + 5000;
      const scope = timeout(ms);
      const raced = withTimeout(new Promise(() => {}), ms).catch((e: Error) => e.name);
      let settled = false;
      void raced.then(() => {
        settled = true;
      });
      await vi.advanceTimersByTimeAsync(ms - 10);
      expect([scope.expired, settled]).toEqual([false, false]);
      await vi.advanceTimersByTimeAsync(20);
      expect(scope.expired).toBe(true);
      expect(await raced).toBe('TimeoutError');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a scope whose parent is already aborted is aborted at once, and its deadline is the one asked for', async () => {
    const reason = new Error('parent gone');
    const before = performance.now();
    const scope = timeout(100, { signal: AbortSignal.abort(reason) });
    const after = performance.now();
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toBe(reason);
    expect(scope.expired).toBe(false);
    expect(scope.deadline).toBeGreaterThanOrEqual(before + 100);
    expect(scope.deadline).toBeLessThanOrEqual(after + 100);
    // as when the parent aborts after the scope was made
    const parent = new AbortController();
    const later = timeout(100, { signal: parent.signal });
    const deadline = later.deadline;
    parent.abort(reason);
    expect(later.deadline).toBe(deadline);
    expect(timeout(null, { signal: AbortSignal.abort() }).deadline).toBe(Number.POSITIVE_INFINITY);
    await sleep(120);
    expect(scope.expired).toBe(false); // no timer ran
  });

  it("withTimeout(promise, invalid ms) rejects, and the promise's later rejection is not unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let reject!: (error: Error) => void;
      const work = new Promise<string>((_, r) => {
        reject = r;
      });
      await expect(withTimeout(work, -1)).rejects.toThrow(RangeError);
      reject(new Error('late failure'));
      await sleep(10);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('an invalid ms throws before the scope touches its parent or its deadline; the deadline stays after expiry', async () => {
    const parent = new AbortController();
    const count = listenerCount(parent.signal);
    for (const ms of [-1, Number.NaN]) expect(() => timeout(ms, { signal: parent.signal })).toThrow(RangeError);
    expect(count()).toBe(0);
    await expect(withTimeout(-1, () => 'x')).rejects.toThrow(RangeError);
    await expect(withTimeout(Promise.resolve('x'), Number.NaN)).rejects.toThrow(RangeError);
    const scope = timeout(5);
    const deadline = scope.deadline;
    expect(() => scope.reschedule(-5)).toThrow(RangeError);
    expect(scope.deadline).toBe(deadline);
    await sleep(20);
    expect(scope.expired).toBe(true);
    expect(scope.deadline).toBe(deadline);
  });
});
