import { describe, expect, it } from 'vitest';
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
