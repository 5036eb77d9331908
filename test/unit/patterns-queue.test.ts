import { describe, expect, it } from 'vitest';
import { AsyncQueue, QueueClosedError, QueueEmptyError, QueueFullError } from '../../src/patterns/async-queue.js';
import { Deque } from '../../src/patterns/deque.js';
import { nextTurn, RESOLVED } from '../../src/patterns/scheduling.js';

describe('Deque', () => {
  it('keeps FIFO order across wrap-around and growth', () => {
    const deque = new Deque<number>(4);
    const out: number[] = [];
    for (let i = 0; i < 3; i++) deque.push(i);
    out.push(deque.shift() as number, deque.shift() as number);
    for (let i = 3; i < 20; i++) deque.push(i);
    expect(deque.peek()).toBe(2);
    while (deque.length > 0) out.push(deque.shift() as number);
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(deque.shift()).toBeUndefined();
  });

  it('unshift puts an item back in front, across the wrap at index 0 and when full', () => {
    const deque = new Deque<number>(4);
    deque.unshift(1); // head wraps from 0 to the last slot
    deque.push(2);
    deque.push(3);
    deque.push(4);
    deque.unshift(0); // full: grows first
    const out: number[] = [];
    while (deque.length > 0) out.push(deque.shift() as number);
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('AsyncQueue', () => {
  it('put on a non-full queue allocates nothing and get returns items in order', async () => {
    const queue = new AsyncQueue<number>(3);
    expect(queue.put(1)).toBe(RESOLVED);
    expect(queue.put(2)).toBe(RESOLVED);
    expect(queue.size).toBe(2);
    expect(await queue.get()).toBe(1);
    expect(queue.getNowait()).toBe(2);
    expect(() => queue.getNowait()).toThrow(QueueEmptyError);
  });

  it('put waits while full (backpressure) and the size never exceeds maxsize', async () => {
    const queue = new AsyncQueue<number>(2);
    queue.putNowait(1);
    queue.putNowait(2);
    expect(queue.full()).toBe(true);
    expect(queue.tryPut(3)).toBe(false);
    expect(() => queue.putNowait(3)).toThrow(QueueFullError);
    let putDone = false;
    const pending = queue.put(3).then(() => {
      putDone = true;
    });
    await nextTurn();
    expect(putDone).toBe(false);
    expect(queue.size).toBe(2);
    expect(await queue.get()).toBe(1);
    await pending;
    expect(putDone).toBe(true);
    expect(queue.size).toBe(2);
    expect([queue.getNowait(), queue.getNowait()]).toEqual([2, 3]);
  });

  it('get waits while empty; waiting getters are served first come, first served', async () => {
    const queue = new AsyncQueue<string>();
    const first = queue.get();
    const second = queue.get();
    queue.putNowait('a');
    queue.putNowait('b');
    // the item went straight to the waiting getter: a later getNowait cannot steal it
    expect(queue.size).toBe(0);
    expect(await first).toBe('a');
    expect(await second).toBe('b');
  });

  it('maxsize 0 is unbounded', () => {
    const queue = new AsyncQueue<number>(0);
    for (let i = 0; i < 10_000; i++) queue.putNowait(i);
    expect(queue.size).toBe(10_000);
    expect(queue.full()).toBe(false);
    expect(() => new AsyncQueue(-1)).toThrow(RangeError);
  });

  it('taskDone/join count processed items like asyncio.Queue', async () => {
    const queue = new AsyncQueue<number>();
    expect(queue.join()).toBe(RESOLVED);
    queue.putNowait(1);
    queue.putNowait(2);
    let joined = false;
    const join = queue.join().then(() => {
      joined = true;
    });
    queue.getNowait();
    queue.taskDone();
    await nextTurn();
    expect(joined).toBe(false);
    queue.getNowait();
    queue.taskDone();
    await join;
    expect(joined).toBe(true);
    expect(() => queue.taskDone()).toThrow(/more times/);
  });

  it('close wakes every waiter: putters reject, getters drain the rest then end', async () => {
    const full = new AsyncQueue<number>(1);
    full.putNowait(1);
    const blockedPut = full.put(2);
    full.close();
    await expect(blockedPut).rejects.toBeInstanceOf(QueueClosedError);
    await expect(full.put(3)).rejects.toBeInstanceOf(QueueClosedError);
    expect(await full.get()).toBe(1); // what was in the queue is still delivered
    await expect(full.get()).rejects.toBeInstanceOf(QueueClosedError);

    const empty = new AsyncQueue<number>();
    const blockedGet = empty.get();
    const iterated = (async () => {
      const seen: number[] = [];
      for await (const item of empty) seen.push(item);
      return seen;
    })();
    await RESOLVED;
    empty.close();
    await expect(blockedGet).rejects.toBeInstanceOf(QueueClosedError);
    expect(await iterated).toEqual([]);
  });

  it('for await takes every item once, in order, until closed; break leaves the queue open', async () => {
    const queue = new AsyncQueue<number>(4);
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await queue.put(i);
      queue.close();
    })();
    const seen: number[] = [];
    for await (const item of queue) {
      expect(queue.size).toBeLessThanOrEqual(4);
      seen.push(item);
    }
    await producer;
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));

    const open = new AsyncQueue<number>();
    open.putNowait(1);
    open.putNowait(2);
    for await (const item of open) {
      expect(item).toBe(1);
      break;
    }
    expect(open.closed).toBe(false);
    expect(open.getNowait()).toBe(2);
  });

  it("the iterator's return() withdraws a next() that waits: it ends, and a later item stays queued", async () => {
    const queue = new AsyncQueue<string>();
    const iterator = queue[Symbol.asyncIterator]();
    const waiting = iterator.next();
    expect(await iterator.return?.()).toEqual({ value: undefined, done: true });
    queue.putNowait('later');
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(queue.size).toBe(1);
    expect(queue.getNowait()).toBe('later');
    // return() after the wait was served changes nothing: the item stays with that next()
    const served = queue[Symbol.asyncIterator]();
    const first = served.next();
    queue.putNowait('handed');
    await served.return?.();
    expect(await first).toEqual({ value: 'handed', done: false });
  });

  it('next() after return() is done and leaves a queued item for another consumer', async () => {
    const queue = new AsyncQueue<string>();
    queue.putNowait('kept');
    const iterator = queue[Symbol.asyncIterator]();
    await iterator.return?.();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(queue.getNowait()).toBe('kept');
  });

  it("the iterator's return() withdraws every next() of it that waits, and a later next() takes nothing", async () => {
    const queue = new AsyncQueue<string>();
    const other = queue.get(); // another consumer, waiting before and after the iterator's next() calls
    const iterator = queue[Symbol.asyncIterator]();
    const first = iterator.next();
    const second = iterator.next();
    const another = queue.get();
    await iterator.return?.();
    queue.putNowait('a');
    queue.putNowait('b');
    queue.putNowait('c');
    expect(await first).toEqual({ value: undefined, done: true });
    expect(await second).toEqual({ value: undefined, done: true });
    // no item went to the returned iterator: the other consumers get theirs, and 'c' stays queued
    expect(await other).toBe('a');
    expect(await another).toBe('b');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(queue.size).toBe(1);
    expect(queue.getNowait()).toBe('c');
  });

  it('a for await whose iterator another party returns takes nothing after it (it holds the next() it read)', async () => {
    const queue = new AsyncQueue<string>();
    queue.putNowait('a');
    queue.putNowait('b');
    const iterator = queue[Symbol.asyncIterator]();
    const taken: string[] = [];
    for await (const item of iterator) {
      taken.push(item);
      if (item !== 'a') break; // without the fix it took 'b', then waited for more
      await iterator.return?.(); // a shutdown ends this consumer while it handles 'a'
    }
    expect(taken).toEqual(['a']);
    expect(queue.getNowait()).toBe('b');
  });

  it('several consumers receive every item exactly once', async () => {
    const queue = new AsyncQueue<number>(3);
    const seen: number[] = [];
    const consumers = [0, 1, 2].map(async () => {
      for await (const item of queue) {
        seen.push(item);
        queue.taskDone();
        await nextTurn();
      }
    });
    for (let i = 0; i < 50; i++) await queue.put(i);
    await queue.join();
    queue.close();
    await Promise.all(consumers);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
