import { describe, expect, it } from 'vitest';
import { AsyncEvent } from '../../src/patterns/event.js';
import { nextTurn, RESOLVED } from '../../src/patterns/scheduling.js';
import { Semaphore } from '../../src/patterns/semaphore.js';

describe('Semaphore', () => {
  it('never lets more than `permits` holders in, and serves waiters in FIFO order', async () => {
    const semaphore = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        semaphore.use(async () => {
          order.push(i);
          peak = Math.max(peak, ++active);
          await nextTurn();
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(semaphore.available).toBe(2);
  });

  it('acquire with a free permit allocates nothing; release hands the permit to the longest waiter', async () => {
    const semaphore = new Semaphore(1);
    expect(semaphore.acquire()).toBe(RESOLVED);
    const waiter = semaphore.acquire();
    expect(semaphore.waiting).toBe(1);
    semaphore.release();
    expect(semaphore.tryAcquire()).toBe(false); // the freed permit already belongs to the waiter
    await waiter;
    semaphore.release();
    expect(semaphore.tryAcquire()).toBe(true);
  });

  it('use releases the permit when fn throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(
      semaphore.use(() => {
        throw new Error('inside');
      }),
    ).rejects.toThrow('inside');
    expect(semaphore.available).toBe(1);
    expect(() => new Semaphore(-1)).toThrow(RangeError);
  });

  it('has one permit when given no count, as asyncio.Semaphore()', () => {
    expect(new Semaphore().available).toBe(1);
  });
});

describe('AsyncEvent', () => {
  it('wait resolves after set; clear re-arms; waiters of one period share one promise', async () => {
    const event = new AsyncEvent();
    expect(event.isSet()).toBe(false);
    const a = event.wait();
    const b = event.wait();
    expect(a).toBe(b);
    let woken = false;
    const done = a.then(() => {
      woken = true;
    });
    await nextTurn();
    expect(woken).toBe(false);
    event.set();
    await done;
    expect(event.isSet()).toBe(true);
    expect(event.wait()).toBe(RESOLVED);
    event.clear();
    expect(event.isSet()).toBe(false);
    expect(event.wait()).not.toBe(a);
  });
});
