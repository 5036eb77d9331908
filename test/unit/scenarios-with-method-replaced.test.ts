/** withMethodReplaced: the one way a verify instruments a method for one run of the op. */
import { withCallsCounted, withMethodReplaced } from 'asyncbench';
import { describe, expect, test } from 'vitest';

class Counter {
  count = 0;
  add(n: number): number {
    this.count += n;
    return this.count;
  }
}

/** The replacement the tests install: logs each call, then calls the original it was given. */
function logging(calls: number[]) {
  return (add: Counter['add']) =>
    function (this: Counter, n: number): number {
      calls.push(n);
      return add.call(this, n);
    };
}

describe('withMethodReplaced', () => {
  test('the run calls the replacement, which calls the original; the method is restored after it', async () => {
    const before = Object.getOwnPropertyDescriptor(Counter.prototype, 'add');
    const calls: number[] = [];
    const counter = new Counter();
    const value = await withMethodReplaced(Counter.prototype, 'add', logging(calls), async () => {
      await Promise.resolve();
      return counter.add(2) + counter.add(3);
    });
    expect(value).toBe(2 + 5);
    expect(calls).toEqual([2, 3]);
    // the very descriptor it had: same function, still a non-enumerable class method
    expect(Object.getOwnPropertyDescriptor(Counter.prototype, 'add')).toEqual(before);
    counter.add(1);
    expect(calls).toEqual([2, 3]);
  });

  test('the method is restored when the run throws, and the error is the run’s', async () => {
    const before = Object.getOwnPropertyDescriptor(Counter.prototype, 'add');
    const calls: number[] = [];
    const failure = new Error('the run failed');
    const run = withMethodReplaced(Counter.prototype, 'add', logging(calls), async () => {
      new Counter().add(4);
      await Promise.resolve();
      throw failure;
    });
    await expect(run).rejects.toBe(failure);
    expect(calls).toEqual([4]);
    expect(Object.getOwnPropertyDescriptor(Counter.prototype, 'add')).toEqual(before);
  });

  test('a method replaced on an instance that inherited it is inherited again afterwards', async () => {
    const counter = new Counter();
    const calls: number[] = [];
    await expect(
      withMethodReplaced(counter, 'add', logging(calls), () => {
        counter.add(5);
        throw new Error('sync throw');
      }),
    ).rejects.toThrow('sync throw');
    expect(calls).toEqual([5]);
    expect(Object.hasOwn(counter, 'add')).toBe(false);
    expect(counter.add).toBe(Counter.prototype.add);
  });

  test('a method an object inherits as an accessor with a setter is replaced on the object, the setter never run', async () => {
    const set: unknown[] = [];
    const base = {
      get add() {
        return (n: number) => n;
      },
      set add(value: unknown) {
        set.push(value);
      },
    };
    const target = Object.create(base) as { add: (n: number) => number };
    const value = await withMethodReplaced(
      target,
      'add',
      (add) => (n) => add(n) * 10,
      () => target.add(2),
    );
    expect(value).toBe(20);
    expect(set).toEqual([]);
    expect(Object.hasOwn(target, 'add')).toBe(false);
    expect(target.add(2)).toBe(2);
  });
});

describe('withCallsCounted', () => {
  test("counts the method's calls in the run, on its own receiver, and restores it", async () => {
    const before = Object.getOwnPropertyDescriptor(Counter.prototype, 'add');
    const counter = new Counter();
    const { value, calls } = await withCallsCounted(Counter.prototype, 'add', async () => {
      await Promise.resolve();
      return counter.add(2) + counter.add(3);
    });
    expect({ value, calls, count: counter.count }).toEqual({ value: 7, calls: 2, count: 5 });
    expect(Object.getOwnPropertyDescriptor(Counter.prototype, 'add')).toEqual(before);
    counter.add(1);
    expect((await withCallsCounted(Counter.prototype, 'add', () => 0)).calls).toBe(0);
  });
});
