/**
 * Cancellable waits: every race between an abort and a hand-off. JavaScript runs one thing at a
 * time, so "during" a hand-off means: in the same synchronous step as the put/release that serves
 * the waiter (an abort listener that runs inside it, or an abort right after it, before the waiter's
 * promise callbacks run).
 */
import { describe, expect, it } from 'vitest';
import { AsyncQueue, QueueClosedError } from '../../src/patterns/async-queue.js';
import { AsyncEvent } from '../../src/patterns/event.js';
import { RESOLVED } from '../../src/patterns/scheduling.js';
import { Semaphore } from '../../src/patterns/semaphore.js';
import { TimeoutError } from '../../src/patterns/timeout.js';
import { listenerCount, outcome } from './patterns-waits.js';

describe('AsyncQueue.get({ signal })', () => {
  it('abort before: rejects with the reason at once and takes no item', async () => {
    const queue = new AsyncQueue<string>();
    queue.putNowait('a');
    const reason = new Error('gone');
    const got = outcome(queue.get({ signal: AbortSignal.abort(reason) }));
    expect(await got).toEqual({ error: reason });
    expect(queue.size).toBe(1);
    expect(queue.getNowait()).toBe('a');
  });

  it('abort while waiting: the getter leaves; the next item goes to the next getter or stays queued', async () => {
    const queue = new AsyncQueue<string>();
    const ac = new AbortController();
    const aborted = outcome(queue.get({ signal: ac.signal }));
    const second = queue.get();
    ac.abort();
    const error = ((await aborted) as { error: DOMException }).error;
    expect(error.name).toBe('AbortError');
    await queue.put('x');
    expect(await second).toBe('x');
    await queue.put('y');
    expect(queue.size).toBe(1); // no dead getter swallowed it
    expect(await queue.get()).toBe('y');
    queue.taskDone();
    queue.taskDone();
    await queue.join();
  });

  it('abort right after the hand-off: the getter keeps the item (the abort comes too late)', async () => {
    const queue = new AsyncQueue<string>();
    const ac = new AbortController();
    const got = queue.get({ signal: ac.signal });
    queue.putNowait('kept');
    ac.abort(); // same synchronous step: the item is already the getter's
    expect(await got).toBe('kept');
    expect(queue.size).toBe(0);
    queue.taskDone();
    expect(queue.join()).toBe(RESOLVED);
  });

  it('abort during the hand-off (a put inside the abort dispatch): the item is delivered exactly once', async () => {
    // a listener that runs before the getter's own puts an item while the abort is being dispatched:
    // the getter is still waiting then, so it is served, and its abort listener never runs
    const queue = new AsyncQueue<number>();
    const before = new AbortController();
    before.signal.addEventListener('abort', () => queue.putNowait(1));
    const served = outcome(queue.get({ signal: before.signal }));
    before.abort();
    expect(await served).toBe(1);
    // a listener that runs after the getter's own: the getter has left, the item stays queued
    const after = new AbortController();
    const left = outcome(queue.get({ signal: after.signal }));
    after.signal.addEventListener('abort', () => queue.putNowait(2));
    after.abort();
    expect(((await left) as { error: Error }).error.name).toBe('AbortError');
    expect(queue.size).toBe(1);
    expect(queue.getNowait()).toBe(2);
  });

  it('many waiters, every other one aborted: items go to the live ones in FIFO order, none lost', async () => {
    const queue = new AsyncQueue<number>();
    const controllers = Array.from({ length: 100 }, () => new AbortController());
    const gets = controllers.map((ac) => outcome(queue.get({ signal: ac.signal })));
    controllers.forEach((ac, i) => {
      if (i % 2 === 0) ac.abort();
    });
    for (let i = 0; i < 60; i++) queue.putNowait(i);
    const results = await Promise.all(gets);
    const live = results.filter((_, i) => i % 2 === 1);
    expect(live).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(
      results.filter((_, i) => i % 2 === 0).every((r) => (r as { error: Error }).error.name === 'AbortError'),
    ).toBe(true);
    expect(queue.size).toBe(10); // items 50..59 wait for a getter
    expect(queue.getNowait()).toBe(50);
  });

  it('an abort storm (2000 waits aborted by one signal) leaves no waiter and no listener behind', async () => {
    const queue = new AsyncQueue<number>();
    const ac = new AbortController();
    const count = listenerCount(ac.signal);
    const gets = Array.from({ length: 2000 }, () => outcome(queue.get({ signal: ac.signal })));
    // one listener for all of them: one each cost O(n²) (the runtimes scan a signal's listeners on add and remove)
    expect(count()).toBe(1);
    ac.abort();
    expect(count()).toBe(0);
    await Promise.all(gets);
    queue.putNowait(7);
    expect(queue.size).toBe(1);
    expect(await queue.get()).toBe(7);
  });

  it('waits of several queues and semaphores on one signal share its listener; each leaves it on its own', async () => {
    const [a, b] = [new AsyncQueue<number>(), new AsyncQueue<number>()];
    const semaphore = new Semaphore(0);
    const ac = new AbortController();
    const count = listenerCount(ac.signal);
    const { signal } = ac;
    const waits: Promise<unknown>[] = [a.get({ signal }), b.get({ signal }), semaphore.acquire({ signal })].map((p) =>
      outcome<unknown>(p),
    );
    expect(count()).toBe(1);
    a.putNowait(1); // served: it leaves, the others still listen
    expect(count()).toBe(1);
    ac.abort(new Error('stop'));
    expect(count()).toBe(0);
    const settled = await Promise.all(waits);
    expect(
      settled.map((o) => (typeof o === 'object' && o !== null ? (o as { error: Error }).error.message : o)),
    ).toEqual([1, 'stop', 'stop']);
    // nothing was taken by the aborted waits
    b.putNowait(2);
    expect(b.size).toBe(1);
    semaphore.release();
    expect(semaphore.tryAcquire()).toBe(true);
  });

  it('a served getter stops listening: a long-lived signal collects no listeners', async () => {
    const queue = new AsyncQueue<number>();
    const shutdown = new AbortController();
    const count = listenerCount(shutdown.signal);
    for (let i = 0; i < 100; i++) {
      const got = queue.get({ signal: shutdown.signal });
      queue.putNowait(i);
      expect(await got).toBe(i);
    }
    expect(count()).toBe(0);
  });

  it('close rejects a cancellable getter and drops its listener', async () => {
    const queue = new AsyncQueue<number>();
    const ac = new AbortController();
    const count = listenerCount(ac.signal);
    const got = outcome(queue.get({ signal: ac.signal }));
    queue.close();
    expect(((await got) as { error: unknown }).error).toBeInstanceOf(QueueClosedError);
    expect(count()).toBe(0);
    ac.abort(); // too late, nothing happens
  });

  it('a polling consumer that times out again and again on an idle queue leaves nothing behind', async () => {
    const queue = new AsyncQueue<number>();
    for (let i = 0; i < 200; i++) {
      const ac = new AbortController();
      const got = outcome(queue.get({ signal: ac.signal }));
      ac.abort(new TimeoutError('poll'));
      expect(((await got) as { error: Error }).error.name).toBe('TimeoutError');
    }
    queue.putNowait(1);
    expect(queue.size).toBe(1);
  });
});

describe('AsyncQueue.put(item, { signal })', () => {
  it('abort before: rejects at once and the item is not added, even with room', async () => {
    const queue = new AsyncQueue<string>(1);
    await expect(queue.put('x', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(queue.size).toBe(0);
  });

  it('abort while waiting on a full queue: the item is never enqueued, not even later', async () => {
    const queue = new AsyncQueue<string>(1);
    queue.putNowait('first');
    const ac = new AbortController();
    const put = outcome(queue.put('late', { signal: ac.signal }));
    const other = queue.put('other');
    ac.abort();
    expect(((await put) as { error: Error }).error.name).toBe('AbortError');
    expect(await queue.get()).toBe('first'); // frees a slot: it goes to the live putter, not the aborted one
    await other;
    expect(queue.getNowait()).toBe('other');
    expect(queue.size).toBe(0);
    queue.taskDone();
    queue.taskDone();
    await queue.join(); // the aborted item was never counted as unfinished
  });

  it('abort right after the slot was given: the put has happened', async () => {
    const queue = new AsyncQueue<string>(1);
    queue.putNowait('a');
    const ac = new AbortController();
    const put = queue.put('b', { signal: ac.signal });
    expect(queue.getNowait()).toBe('a'); // moves 'b' into the freed slot
    ac.abort();
    await expect(put).resolves.toBeUndefined();
    expect(queue.getNowait()).toBe('b');
  });
});

describe('Semaphore.acquire({ signal })', () => {
  it('abort before: rejects and takes no permit', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(semaphore.available).toBe(1);
  });

  it('abort while waiting: the released permit goes to the next live waiter or back to the pool', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const ac = new AbortController();
    const aborted = outcome(semaphore.acquire({ signal: ac.signal }));
    ac.abort();
    await aborted;
    expect(semaphore.waiting).toBe(0);
    semaphore.release();
    expect(semaphore.available).toBe(1); // not leaked into the aborted acquire
    expect(semaphore.tryAcquire()).toBe(true);
  });

  it('abort right after release handed the permit over: the acquire holds it', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const ac = new AbortController();
    const acquired = semaphore.acquire({ signal: ac.signal });
    semaphore.release();
    ac.abort();
    await expect(acquired).resolves.toBeUndefined();
    expect(semaphore.available).toBe(0);
    semaphore.release();
    expect(semaphore.available).toBe(1);
  });

  it('many waiters and an abort storm: the permit count is conserved', async () => {
    const semaphore = new Semaphore(3);
    for (let i = 0; i < 3; i++) await semaphore.acquire();
    let granted = 0;
    let aborted = 0;
    const controllers = Array.from({ length: 1000 }, () => new AbortController());
    const waits = controllers.map((ac) =>
      semaphore.acquire({ signal: ac.signal }).then(
        () => {
          granted++;
          ac.abort(); // an abort after the grant changes nothing
          semaphore.release();
        },
        () => {
          aborted++;
        },
      ),
    );
    controllers.forEach((ac, i) => {
      if (i % 3 !== 0) ac.abort();
    });
    expect(semaphore.waiting).toBe(334);
    for (let i = 0; i < 3; i++) semaphore.release();
    await Promise.all(waits);
    expect([granted, aborted]).toEqual([334, 666]);
    expect(semaphore.waiting).toBe(0);
    expect(semaphore.available).toBe(3);
  });

  it('use({ signal }) gives up before running fn when aborted while waiting', async () => {
    const semaphore = new Semaphore(0);
    const ac = new AbortController();
    let ran = false;
    const used = outcome(
      semaphore.use(
        () => {
          ran = true;
        },
        { signal: ac.signal },
      ),
    );
    ac.abort();
    await used;
    expect(ran).toBe(false);
    semaphore.release();
    expect(semaphore.available).toBe(1);
  });
});

describe('AsyncEvent.wait({ signal })', () => {
  it('aborted waits reject and leave; set() wakes the others; plain waiters still share a promise', async () => {
    const event = new AsyncEvent();
    const ac = new AbortController();
    const count = listenerCount(ac.signal);
    const aborted = outcome(event.wait({ signal: ac.signal }));
    const kept = new AbortController();
    const live = event.wait({ signal: kept.signal });
    expect(event.wait()).toBe(event.wait());
    ac.abort();
    expect(((await aborted) as { error: Error }).error.name).toBe('AbortError');
    expect(count()).toBe(0);
    event.set();
    await expect(live).resolves.toBeUndefined();
    await expect(event.wait({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(event.wait({ signal: kept.signal })).toBe(RESOLVED);
  });
});
