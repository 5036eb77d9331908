import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../src/patterns/async-queue.js';
import { paginate } from '../../src/patterns/paginate.js';
import { pipeline } from '../../src/patterns/pipeline.js';
import { nextTurn } from '../../src/patterns/scheduling.js';

function pageSource(pages: number[][], failAt?: number) {
  const source = {
    fetched: [] as number[],
    closed: 0,
    async fetchPage(page: number) {
      source.fetched.push(page);
      await nextTurn();
      if (page === failAt) throw new Error(`page ${page} failed`);
      return pages[page - 1] ?? [];
    },
    close() {
      source.closed++;
    },
  };
  return source;
}

describe('paginate', () => {
  it('yields every item in order and stops at the first empty page', async () => {
    const source = pageSource([[1, 2], [3], []]);
    const items: number[] = [];
    for await (const item of paginate(source)) items.push(item);
    expect(items).toEqual([1, 2, 3]);
    expect(source.fetched).toEqual([1, 2, 3]);
    expect(source.closed).toBe(1);
  });

  it('an early break closes the source and fetches no further page', async () => {
    const source = pageSource([[1, 2], [3, 4], [5]]);
    for await (const item of paginate(source)) if (item === 3) break;
    expect(source.fetched).toEqual([1, 2]);
    expect(source.closed).toBe(1);
  });

  it("return() or throw() before the first next() neither fetches nor closes: the source is still the caller's", async () => {
    const source = pageSource([[1], []]);
    const returned = paginate(source);
    expect(await returned.return()).toEqual({ value: undefined, done: true });
    const thrown = paginate(source);
    await expect(thrown.throw(new Error('before start'))).rejects.toThrow('before start');
    expect(await returned.next()).toEqual({ value: undefined, done: true });
    expect(source.fetched).toEqual([]);
    expect(source.closed).toBe(0);
  });

  it('an error from the source or the loop body closes the source and propagates', async () => {
    const failing = pageSource([[1], [2]], 2);
    await expect(Array.fromAsync(paginate(failing))).rejects.toThrow('page 2 failed');
    expect(failing.closed).toBe(1);
    const source = pageSource([[1, 2]]);
    await expect(
      (async () => {
        for await (const _ of paginate(source)) throw new Error('consumer');
      })(),
    ).rejects.toThrow('consumer');
    expect(source.closed).toBe(1);
  });

  it('a close() that fails after a fetch error keeps both, as await using does; alone it is the error', async () => {
    const closeFails = () => {
      throw new Error('close failed');
    };
    const failing = { ...pageSource([[1], [2]], 2), close: closeFails };
    const error = await Array.fromAsync(paginate(failing)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SuppressedError', suppressed: { message: 'page 2 failed' } });
    expect((error as { error: Error }).error.message).toBe('close failed');
    const ending = { ...pageSource([[1], []]), close: closeFails };
    await expect(Array.fromAsync(paginate(ending))).rejects.toThrow('close failed');
  });
});

/** an endless source that records whether it was closed */
function endless() {
  let closed = false;
  async function* source() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      closed = true;
    }
  }
  return { source: source(), stopped: () => closed };
}

const HUNG = Symbol('hung');
/** the promise's value, or HUNG when it has not settled within 2 s */
function within<T>(promise: Promise<T>): Promise<T | typeof HUNG> {
  return Promise.race([promise, new Promise<typeof HUNG>((resolve) => setTimeout(resolve, 2000, HUNG))]);
}

describe('pipeline', () => {
  it('runs items through every stage in order, nothing lost', async () => {
    const out = await Array.fromAsync(
      pipeline(
        Array.from({ length: 200 }, (_, i) => i),
        async (n: number) => {
          if (n % 7 === 0) await nextTurn();
          return n * 2;
        },
        { fn: (n: number) => n + 1, bound: 1 },
        (n: number) => String(n),
      ),
    );
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => String(i * 2 + 1)));
  });

  it('holds back a fast source: the buffers stay within their bounds', async () => {
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        produced++;
        maxAhead = Math.max(maxAhead, produced - consumed);
        yield i;
      }
    }
    for await (const _ of pipeline(source(), { fn: (n: number) => n, bound: 2 })) {
      consumed++;
      await nextTurn();
    }
    // the source can be ahead by at most: stage input bound + output bound + one item in each hand
    expect(maxAhead).toBeLessThanOrEqual(2 + 16 + 3);
    expect(consumed).toBe(100);
  });

  it('a sync source is not pulled again once the consumer left: it is closed where it stands', async () => {
    const log: string[] = [];
    function* source() {
      try {
        for (let i = 0; ; i++) {
          log.push(`pull ${i}`);
          yield i;
        }
      } finally {
        log.push('closed');
      }
    }
    const items = pipeline(source(), { fn: (n: number) => n, bound: 1 });
    expect(await items.next()).toEqual({ value: 0, done: false });
    log.push('left');
    await items.return(undefined);
    expect(log.slice(log.indexOf('left') + 1)).toEqual(['closed']);
  });

  it('the first error stops every stage and reaches the consumer', async () => {
    let stage2Seen = 0;
    const counting = endless();
    const run = Array.fromAsync(
      pipeline(
        counting.source,
        (n: number) => {
          if (n === 10) throw new Error('stage 1 failed at 10');
          return n;
        },
        async (n: number) => {
          stage2Seen++;
          await nextTurn();
          return n;
        },
      ),
    );
    await expect(run).rejects.toThrow('stage 1 failed at 10');
    expect(counting.stopped()).toBe(true);
    expect(stage2Seen).toBeLessThanOrEqual(10);
  });

  it('next() calls made before the earlier ones settled get the items in call order', async () => {
    let second: Promise<IteratorResult<number, void>> | undefined;
    const items = pipeline(
      [1, 2, 3],
      // holds item 1 a turn: the first call waits meanwhile, and items 2 and 3 queue up behind it
      (n: number) => (n === 1 ? nextTurn().then(() => n) : n),
      // then runs 1, 2 and 3 in one go: at 2, item 1 is in the output and the first call not yet woken
      (n: number) => {
        if (n === 2) second = items.next();
        return n;
      },
    );
    const first = items.next();
    expect((await first).value).toBe(1);
    expect((await second)?.value).toBe(2);
    expect((await items.next()).value).toBe(3);
    expect((await items.next()).done).toBe(true);
  });

  it('a call made while an earlier one waits for the error settles after it: the error first, then done', async () => {
    const order: string[] = [];
    const items = pipeline([1], async () => {
      await nextTurn();
      throw new Error('stage failed');
    });
    const first = items.next().then(
      () => order.push('first fulfilled'),
      () => order.push('first rejected'),
    );
    const second = items.next().then((result) => order.push(`second done=${result.done}`));
    await Promise.all([first, second]);
    expect(order).toEqual(['first rejected', 'second done=true']);
  });

  it('breaking out of the loop cancels the stages, whose signal is aborted', async () => {
    let aborted = false;
    const counting = endless();
    for await (const n of pipeline(counting.source, (x: number, signal: AbortSignal) => {
      signal.addEventListener('abort', () => {
        aborted = true;
      });
      return x;
    })) {
      if (n === 5) break;
    }
    expect(aborted).toBe(true);
    expect(counting.stopped()).toBe(true);
  });

  it("the stages' signal, when the consumer leaves, aborts with an AbortError, not a bare value", async () => {
    let reason: unknown;
    let thrown: unknown;
    for await (const n of pipeline(endless().source, async (x: number, signal: AbortSignal) => {
      await nextTurn();
      try {
        signal.throwIfAborted();
      } catch (error) {
        thrown = error;
        reason = signal.reason;
        throw error;
      }
      return x;
    })) {
      if (n === 2) break;
    }
    expect(thrown).toBe(reason);
    expect(reason).toBeInstanceOf(DOMException);
    expect((reason as DOMException).name).toBe('AbortError');
    expect(`${reason}`).toContain('AbortError');
  });

  it('a full pipeline behind a slow consumer refills in batches, not one item per wake-up', async () => {
    let consumed = 0;
    const pullsAt: number[] = []; // the consumer's count at each pull of the source
    function* source() {
      for (let i = 0; i < 400; i++) {
        pullsAt.push(consumed);
        yield i;
      }
    }
    const same = (n: number) => n;
    for await (const _ of pipeline(source(), { fn: same, bound: 16 }, { fn: same, bound: 16 })) {
      consumed++;
      await nextTurn();
    }
    expect(consumed).toBe(400);
    // a burst: consecutive pulls while the consumer took nothing; woken at half the bound, the
    // source is pulled ~8 items at a time (waking at the first free slot: one item per burst)
    const bursts = pullsAt.filter((at, i) => i === 0 || at !== pullsAt[i - 1]).length;
    expect(bursts).toBeLessThanOrEqual(400 / 8 + 4);
  });

  it('the iterator is an AsyncGenerator: throw() and asyncDispose stop the stages', async () => {
    const counting = endless();
    const it1 = pipeline(counting.source, (n: number) => n);
    expect((await it1.next()).value).toBe(0);
    await expect(it1.throw(new Error('consumer gave up'))).rejects.toThrow('consumer gave up');
    expect(counting.stopped()).toBe(true);
    expect(await it1.next()).toEqual({ value: undefined, done: true });
    const other = endless();
    const it2 = pipeline(other.source, (n: number) => n);
    await it2.next();
    await it2[Symbol.asyncDispose]();
    expect(other.stopped()).toBe(true);
    expect(() => pipeline([1], { fn: (n: number) => n, bound: 0 })).toThrow(RangeError);
    // as with an async generator, nothing runs before the first next()
    let pulled = 0;
    const lazy = pipeline(
      (function* () {
        for (;;) yield pulled++;
      })(),
      (n: number) => n,
    );
    await nextTurn();
    expect(pulled).toBe(0);
    expect(await lazy.return()).toEqual({ value: undefined, done: true });
    expect(await lazy.next()).toEqual({ value: undefined, done: true });
    expect(pulled).toBe(0);
  });
});

describe('pipeline stops while the source waits for its next item', () => {
  it('break over an idle AsyncQueue returns at once, and the queue keeps its later items', async () => {
    const queue = new AsyncQueue<number>();
    queue.putNowait(1);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const n of pipeline(queue, (x: number) => x * 10)) {
        seen.push(n);
        queue.taskDone();
        break;
      }
      return 'returned';
    })();
    expect(await within(loop)).toBe('returned');
    expect(seen).toEqual([10]);
    queue.putNowait(2);
    expect(queue.size).toBe(1);
    expect(queue.getNowait()).toBe(2);
    queue.taskDone();
    expect(await within(queue.join().then(() => 'joined'))).toBe('joined');
  });

  it.each([
    ['the queue', (queue: AsyncQueue<number>) => queue],
    ['its iterator', (queue: AsyncQueue<number>) => queue[Symbol.asyncIterator]()],
  ])('an item put just before break, handed to the waiting read of %s, goes back to the queue', async (_, source) => {
    const queue = new AsyncQueue<number>();
    queue.putNowait(1);
    for await (const n of pipeline(source(queue), (x: number) => x)) {
      queue.taskDone();
      // the pipeline's read waits on the empty queue: this item goes straight to it
      queue.putNowait(n + 1);
      break;
    }
    expect(queue.size).toBe(1);
    expect(queue.getNowait()).toBe(2);
    queue.taskDone();
    expect(await within(queue.join().then(() => 'joined'))).toBe('joined');
  });

  it('return() settles at once; a later item is not taken by the stopped pipeline', async () => {
    const queue = new AsyncQueue<number>();
    queue.putNowait(1);
    const it = pipeline(queue, (x: number) => x * 10);
    expect(await it.next()).toEqual({ value: 10, done: false });
    expect(await within(it.return())).toEqual({ value: undefined, done: true });
    queue.putNowait(2);
    await nextTurn();
    expect(queue.getNowait()).toBe(2);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('a stage error reaches the consumer at once; a generator source is closed when its pending next() ends', async () => {
    let release = () => {};
    let closed = false;
    async function* source() {
      try {
        yield 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        yield 2;
      } finally {
        closed = true;
      }
    }
    const run = Array.fromAsync(
      pipeline(source(), (n: number) => {
        throw new Error(`stage failed on ${n}`);
      }),
    );
    expect(await within(run.catch((e: Error) => e.message))).toBe('stage failed on 1');
    // the generator is busy in its pending next(): return() waits behind it (docs/patterns.md)
    expect(closed).toBe(false);
    release();
    await nextTurn();
    expect(closed).toBe(true);
  });

  it('accepts a string source (an Iterable of its characters)', async () => {
    expect(await Array.fromAsync(pipeline('abc', (c: string) => c.toUpperCase()))).toEqual(['A', 'B', 'C']);
  });
});
