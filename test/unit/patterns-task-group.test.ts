import { describe, expect, it } from 'vitest';
import { channelTurnScheduler, nextTurn, RESOLVED } from '../../src/patterns/scheduling.js';
import { TaskGroup } from '../../src/patterns/task-group.js';
import { listenerCount } from './patterns-waits.js';

const never = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

describe('TaskGroup start policies', () => {
  it('eager: a body that returns without awaiting is done when createTask returns', async () => {
    const group = new TaskGroup({ start: 'eager' });
    const task = group.createTask(() => 42);
    expect(task.status).toBe('fulfilled');
    expect(task.result()).toBe(42);
    await group.join();
  });

  it('eager: a join() the body calls before its first await waits for that task too, and reports its failure', async () => {
    const group = new TaskGroup({ start: 'eager' });
    let joined: Promise<void> | undefined;
    const task = group.createTask(async () => {
      joined = group.join();
      await null;
      throw new Error('late');
    });
    const outcome = await (joined as Promise<void>).then(
      () => 'resolved while the task ran',
      (error: AggregateError) => error.errors.map((e: Error) => e.message),
    );
    expect(outcome).toEqual(['late']);
    expect(task.status).toBe('rejected');
  });

  it('eager: the body runs synchronously up to its first await', async () => {
    const group = new TaskGroup({ start: 'eager' });
    const log: string[] = [];
    const task = group.createTask(async () => {
      log.push('before await');
      await null;
      log.push('after await');
      return 1;
    });
    log.push('createTask returned');
    expect(task.done).toBe(false);
    await group.join();
    expect(log).toEqual(['before await', 'createTask returned', 'after await']);
    expect(task.result()).toBe(1);
  });

  it('microtask: the body starts after createTask returns, before the next event-loop turn', async () => {
    const group = new TaskGroup({ start: 'microtask' });
    let started = false;
    const task = group.createTask(() => {
      started = true;
      return 7;
    });
    expect(started).toBe(false);
    await RESOLVED;
    expect(started).toBe(true);
    expect(task.result()).toBe(7);
    await group.join();
  });

  it('macrotask: the body waits for an event-loop turn, not just for microtasks', async () => {
    const group = new TaskGroup({ start: 'macrotask' });
    let started = false;
    group.createTask(() => {
      started = true;
    });
    for (let i = 0; i < 10; i++) await RESOLVED;
    expect(started).toBe(false);
    await nextTurn();
    expect(started).toBe(true);
    await group.join();
  });

  it('lazy: a task created while starts are flushed starts in a later flush, in creation order', async () => {
    const group = new TaskGroup({ start: 'macrotask' });
    const order: string[] = [];
    group.createTask(() => {
      order.push('a');
      group.createTask(() => order.push('c'));
      order.push('a done');
    });
    group.createTask(() => order.push('b'));
    await group.join();
    expect(order).toEqual(['a', 'a done', 'b', 'c']);
  });
});

describe('TaskGroup failure and cancellation', () => {
  it('the first failure aborts the siblings, which observe it; join rejects with an AggregateError', async () => {
    const group = new TaskGroup();
    const sibling = group.createTask(never);
    const failing = group.createTask(async () => {
      await null;
      throw new Error('boom');
    });
    const error = await group.join().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['boom']);
    expect(group.signal.aborted).toBe(true);
    expect(sibling.status).toBe('cancelled');
    expect(failing.status).toBe('rejected');
  });

  it('eager: a body that throws synchronously aborts the siblings at once', async () => {
    const group = new TaskGroup({ start: 'eager' });
    let abortedSeen = false;
    group.createTask((signal) => {
      signal.addEventListener('abort', () => {
        abortedSeen = true;
      });
      return never(signal);
    });
    group.createTask(() => {
      throw new Error('sync');
    });
    expect(abortedSeen).toBe(true);
    await expect(group.join()).rejects.toBeInstanceOf(AggregateError);
  });

  it('reports every failure, not just the first, and waits for all tasks to finish', async () => {
    const group = new TaskGroup();
    let slowFinished = false;
    group.createTask(async () => {
      await null;
      throw new Error('one');
    });
    group.createTask(async () => {
      await null;
      throw new Error('two');
    });
    group.createTask(async () => {
      await nextTurn();
      slowFinished = true; // ignores the signal: join still waits for it
    });
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message).sort()).toEqual(['one', 'two']);
    expect(slowFinished).toBe(true);
  });

  it('lazy tasks not started yet are cancelled without running', async () => {
    const group = new TaskGroup({ start: 'macrotask' });
    let ran = false;
    const queued = group.createTask(() => {
      ran = true;
    });
    group.abort(new Error('stop'));
    await expect(group.join()).rejects.toThrow('stop');
    expect(ran).toBe(false);
    expect(queued.status).toBe('cancelled');
    expect(() => queued.result()).toThrow('stop');
  });

  it('createTask throws once the group is shutting down (a task failed) and once it is finished', async () => {
    const group = new TaskGroup();
    group.createTask(() => {
      throw new Error('x');
    });
    let ran = false;
    expect(() =>
      group.createTask(() => {
        ran = true;
      }),
    ).toThrow(/shutting down/);
    expect(ran).toBe(false);
    await expect(group.join()).rejects.toBeInstanceOf(AggregateError);
    expect(() => group.createTask(() => 1)).toThrow(/finished/);
    const ok = new TaskGroup();
    await ok.join();
    expect(() => ok.createTask(() => 1)).toThrow(/finished/);
  });

  it('createTask throws after abort(), and after a parent aborted while no task was pending', async () => {
    const group = new TaskGroup();
    group.abort(new Error('stop'));
    expect(() => group.createTask(() => 1)).toThrow(/shutting down/);
    await expect(group.join()).rejects.toThrow('stop');

    const parent = new AbortController();
    const child = new TaskGroup({ signal: parent.signal });
    child.createTask(() => 1); // done at once: the group does not listen to the parent now
    parent.abort(new Error('parent'));
    expect(() => child.createTask(() => 2)).toThrow(/shutting down/);
    await expect(child.join()).rejects.toThrow('parent');
  });

  it('the signal read after an abort is already aborted with the reason', async () => {
    const group = new TaskGroup();
    group.createTask(() => 1); // asks for no signal: none is created yet
    group.abort(new Error('late'));
    expect(group.signal.aborted).toBe(true);
    expect((group.signal.reason as Error).message).toBe('late');
    await expect(group.join()).rejects.toThrow('late');
  });

  it("eager: a parent aborted during a body's synchronous part aborts the group", async () => {
    const parent = new AbortController();
    const count = listenerCount(parent.signal);
    const group = new TaskGroup({ signal: parent.signal });
    const task = group.createTask(async (signal) => {
      parent.abort(new Error('shutdown'));
      await nextTurn();
      signal.throwIfAborted();
    });
    expect(
      await group.join().then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    ).toBe('shutdown');
    expect(task.status).toBe('cancelled');
    expect(count()).toBe(0);
  });

  it('a body returning a thenable whose then() throws fails its task, as await would; one that calls back twice counts once', async () => {
    const group = new TaskGroup();
    const throwing = {
      // biome-ignore lint/suspicious/noThenProperty: a misbehaving thenable is what this test is about
      then: () => {
        throw new Error('bad thenable');
      },
    } as unknown as PromiseLike<number>;
    const bad = group.createTask(() => throwing);
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(['bad thenable']);
    expect(bad.status).toBe('rejected');
    // a thenable that fulfils twice must not end the group while another task still runs
    const other = new TaskGroup();
    const slow = other.createTask(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'slow';
    });
    const twice = {
      // biome-ignore lint/suspicious/noThenProperty: a misbehaving thenable is what this test is about
      then: (ok: (value: number) => void) => {
        ok(1);
        ok(2);
      },
    } as unknown as PromiseLike<number>;
    const doubled = other.createTask(() => twice);
    await other.join();
    expect(slow.status).toBe('fulfilled');
    expect(doubled.value).toBe(1);
  });

  it('a body returning a Promise subclass whose then() throws fails its task; createTask does not throw', async () => {
    class ThrowingThen<T> extends Promise<T> {
      // biome-ignore lint/suspicious/noThenProperty: a misbehaving subclass is what this test is about
      override then(): never {
        throw new Error('then failed');
      }
    }
    const group = new TaskGroup();
    const task = group.createTask(() => new ThrowingThen<number>(() => {}));
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(['then failed']);
    expect(task.status).toBe('rejected');
  });

  it("a task that awaits a failed sibling is cancelled: the failure is reported once, by the sibling (asyncio: ['E'], a cancelled)", async () => {
    const group = new TaskGroup();
    const failing = group.createTask(async () => {
      await null;
      throw new Error('E');
    });
    const waiting = group.createTask(async () => {
      await failing;
    });
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(['E']);
    expect(failing.status).toBe('rejected');
    expect(waiting.status).toBe('cancelled');
  });

  it('a parent signal aborts the group; join rejects with its reason', async () => {
    const parent = new AbortController();
    const group = new TaskGroup({ signal: parent.signal });
    const task = group.createTask(never);
    parent.abort(new Error('shutdown'));
    await expect(group.join()).rejects.toThrow('shutdown');
    expect(task.status).toBe('cancelled');
  });
});

describe('TaskGroup signal, listeners and disposal', () => {
  it('every body gets the signal, whatever its declared parameters', async () => {
    const group = new TaskGroup();
    const seen: unknown[] = [];
    const record = (...args: unknown[]) => seen.push(args[0]);
    group.createTask((...args: unknown[]) => record(...args)); // length 0
    group.createTask(function (this: unknown) {
      // biome-ignore lint/complexity/noArguments: a body that reads its arguments object
      seen.push(arguments[0]);
    });
    group.createTask((signal) => seen.push(signal));
    await group.join();
    expect(seen).toHaveLength(3);
    expect(seen.every((s) => s === group.signal)).toBe(true);
    const lazy = new TaskGroup({ start: 'microtask' });
    let lazySignal: unknown;
    lazy.createTask((...args: unknown[]) => {
      lazySignal = args[0];
    });
    await lazy.join();
    expect(lazySignal).toBe(lazy.signal);
  });

  it('listens to the parent only while tasks are pending: a group dropped without join leaks no listener', async () => {
    const parent = new AbortController();
    let listeners = 0;
    const add = parent.signal.addEventListener.bind(parent.signal);
    const remove = parent.signal.removeEventListener.bind(parent.signal);
    parent.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      listeners++;
      add(...args);
    }) as AbortSignal['addEventListener'];
    parent.signal.removeEventListener = ((...args: Parameters<AbortSignal['removeEventListener']>) => {
      listeners--;
      remove(...args);
    }) as AbortSignal['removeEventListener'];
    for (let i = 0; i < 100; i++) {
      const dropped = new TaskGroup({ signal: parent.signal });
      dropped.createTask(async () => {
        await null;
        return i;
      });
      expect(listeners).toBe(1);
      dropped.createTask(() => i); // a done task adds nothing
      await nextTurn();
      expect(listeners).toBe(0); // never joined, yet nothing is left on the parent
    }
    const joined = new TaskGroup({ signal: parent.signal });
    joined.createTask(never);
    expect(listeners).toBe(1);
    parent.abort(new Error('bye'));
    await expect(joined.join()).rejects.toThrow('bye');
    expect(listeners).toBeLessThanOrEqual(1); // a { once } listener, dropped by the aborted signal
  });

  it('once its signal is read the group follows the parent with no task pending, until join completes', async () => {
    const parent = new AbortController();
    const count = listenerCount(parent.signal);
    // TaskGroup.run's body waits on the group's signal before it creates any task
    const run = TaskGroup.run(async (group) => never(group.signal), { signal: parent.signal });
    expect(count()).toBe(1);
    parent.abort(new Error('shutdown'));
    await expect(run).rejects.toThrow('shutdown'); // the abort's reason, not a failure of the body
    // a group that handed out its signal lets go of the parent when it finishes
    const other = new AbortController();
    const otherCount = listenerCount(other.signal);
    const group = new TaskGroup({ signal: other.signal });
    void group.signal;
    group.createTask(async () => null);
    await nextTurn();
    expect(otherCount()).toBe(1); // no task pending, but the signal is out
    await group.join();
    expect(otherCount()).toBe(0);
    void group.signal; // read after the end: nothing to follow any more
    expect(otherCount()).toBe(0);
  });

  it('[Symbol.asyncDispose] joins a group that was never joined, with every failure', async () => {
    const log: string[] = [];
    const run = async () => {
      await using group = new TaskGroup();
      group.createTask(async () => {
        await nextTurn();
        log.push('slow done');
      });
      group.createTask(async () => {
        await null;
        throw new Error('failed');
      });
      log.push('scope end');
    };
    const error = (await run().catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.message)).toEqual(['failed']);
    expect(log).toEqual(['scope end', 'slow done']);
  });

  it('aggregates several failures (sync throw, async rejections, a failure while cancelling), never cancellations', async () => {
    const group = new TaskGroup();
    const cancelled = group.createTask(never);
    group.createTask(async () => {
      await null;
      throw new Error('async one');
    });
    group.createTask(async () => {
      await null;
      throw new Error('async two');
    });
    group.createTask(async (signal) => {
      await never(signal).catch(() => undefined);
      throw new Error('cleanup failed'); // fails while the group is being cancelled: still reported
    });
    group.createTask(async () => {
      await nextTurn();
      throw new TypeError('late one');
    });
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.message).toBe('4 tasks of the TaskGroup failed');
    expect(error.errors.map((e: Error) => e.message)).toEqual(['async one', 'async two', 'cleanup failed', 'late one']);
    expect(cancelled.status).toBe('cancelled');
  });
});

/**
 * Where the runtime reads a settled promise synchronously (Bun), a group follows a task with a then()
 * of its own while fewer than TaskGroup.batchFrom tasks are pending, and past that with one
 * Promise.all a burst (task-group.ts). Each test runs alone and behind that many pending tasks. On
 * vitest's node both take the then() path; test/integration/patterns-bun.test.ts runs this file on
 * the pinned Bun.
 */
describe.each([
  ['alone', 0],
  ['behind batchFrom pending tasks', TaskGroup.batchFrom],
])('TaskGroup tasks followed %s', (_name, padding) => {
  /** `padding` tasks that finish when open() is called, or are cancelled when the group aborts */
  function pad(group: TaskGroup): () => void {
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    for (let i = 0; i < padding; i++) group.createTask((signal) => Promise.race([gate, never(signal)]));
    return open;
  }

  it('a body that returned a settled promise is done at createTask where the group reads it at once, else after a microtask', async () => {
    const group = new TaskGroup();
    const open = pad(group);
    const task = group.createTask(async () => 42);
    expect(task.done).toBe(TaskGroup.readsSettledPromises);
    await null;
    expect(task.status).toBe('fulfilled');
    expect(task.result()).toBe(42);
    open();
    await group.join();
  });

  it('failures in two bursts and a rejection in a burst not yet followed when the group aborts: each reported once, none unhandled', async () => {
    const group = new TaskGroup();
    pad(group);
    group.createTask(async () => {
      await null;
      throw new Error('first burst');
    });
    const waiting = group.createTask(never);
    const fulfilled = group.createTask(async () => 1);
    await null; // a later burst: the first burst's task has rejected by now, and the group not yet judged it
    group.createTask(async () => {
      throw new Error('second burst');
    });
    group.abort(new Error('stop'));
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(['first burst', 'second burst']);
    expect(waiting.status).toBe('cancelled');
    expect(fulfilled.result()).toBe(1);
  });

  it('a lazy task awaited before it starts, whose body awaits, settles its waiter', async () => {
    const group = new TaskGroup({ start: 'microtask' });
    const open = pad(group);
    const ok = group.createTask(async () => {
      await null;
      return 'ran';
    });
    const awaited = ok.promise;
    open();
    await group.join();
    expect(await awaited).toBe('ran');
    const failing = new TaskGroup({ start: 'microtask' });
    pad(failing);
    const rejected = failing
      .createTask(async () => {
        await null;
        throw new Error('no');
      })
      .promise.catch((e: Error) => e.message);
    await expect(failing.join()).rejects.toBeInstanceOf(AggregateError);
    expect(await rejected).toBe('no');
  });

  it("a run body that awaits a task's promise and rethrows its failure: reported once, the task settled first", async () => {
    const failure = new Error('task failed');
    let statusWhenCaught: string | undefined;
    const error = (await TaskGroup.run(async (group) => {
      pad(group);
      const task = group.createTask(async () => {
        await null;
        throw failure;
      });
      await task.promise.catch((e: unknown) => {
        statusWhenCaught = task.status;
        throw e;
      });
    }).catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toEqual([failure]);
    expect(statusWhenCaught).toBe('rejected');
  });

  it('failures of one burst are reported in the order they happened', async () => {
    const group = new TaskGroup();
    pad(group);
    group.createTask(async () => {
      await null;
      await null;
      throw new Error('later');
    });
    group.createTask(async () => {
      await null;
      throw new Error('earlier');
    });
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(['earlier', 'later']);
  });

  it('the first failure of a burst aborts the group; siblings of every burst are cancelled, later failures still reported', async () => {
    const group = new TaskGroup();
    pad(group);
    const early = group.createTask(never);
    await null;
    const siblings = [
      group.createTask(never),
      group.createTask(async () => {
        await null;
        throw new Error('failed');
      }),
      group.createTask(async (signal) => {
        await never(signal).catch(() => undefined);
        throw new Error('failed while cancelled');
      }),
      group.createTask(async () => 'done'),
    ];
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(['failed', 'failed while cancelled']);
    expect([early, ...siblings].map((task) => task.status)).toEqual([
      'cancelled',
      'cancelled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
  });

  it('a task that fails with an AbortError of its own before any abort is a failure: rejected, reported once', async () => {
    const group = new TaskGroup();
    pad(group);
    const own = new DOMException('a request of its own timed out', 'AbortError');
    const failed = group.createTask(async () => {
      await null;
      throw own;
    });
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toEqual([own]);
    expect(failed.status).toBe('rejected');
    expect(failed.error).toBe(own);
  });

  it.each([
    ['nobody awaits them', false],
    ['a progress display awaits them (Promise.allSettled)', true],
  ])(
    'one error thrown by two tasks before the abort is reported for each, and each task is rejected with it: %s',
    async (_, watched) => {
      const group = new TaskGroup();
      pad(group);
      const shared = new Error('shared');
      const fail = async () => {
        await null;
        throw shared;
      };
      const tasks = [group.createTask(fail), group.createTask(never), group.createTask(fail)];
      if (watched) void Promise.allSettled(tasks);
      const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
      expect(error.errors).toEqual([shared, shared]);
      expect(tasks.map((task) => task.status)).toEqual(['rejected', 'cancelled', 'rejected']);
    },
  );

  it("a task that passes on a failed sibling's error after the abort, awaited or read by result(), is cancelled", async () => {
    const group = new TaskGroup();
    pad(group);
    const failing = group.createTask(async () => {
      await null;
      throw new Error('E');
    });
    const awaiting = group.createTask(async () => {
      await failing;
    });
    const reading = group.createTask(async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      failing.result();
    });
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(['E']);
    expect([failing, awaiting, reading].map((task) => task.status)).toEqual(['rejected', 'cancelled', 'cancelled']);
  });

  it('failures that are not objects (NaN, undefined) are each reported once, never taken for a cancellation', async () => {
    const group = new TaskGroup();
    pad(group);
    const fail = (error: unknown) => async () => {
      await null;
      throw error;
    };
    const tasks = [group.createTask(fail(Number.NaN)), group.createTask(never), group.createTask(fail(undefined))];
    const error = (await group.join().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toEqual([Number.NaN, undefined]);
    expect(tasks.map((task) => task.status)).toEqual(['rejected', 'cancelled', 'rejected']);
  });

  it('a task awaited by a sibling of its burst settles when its body does, not when the burst ends', async () => {
    const group = new TaskGroup();
    const open = pad(group);
    const first = group.createTask(async () => {
      await nextTurn(); // still pending when the second body awaits it
      return 'a';
    });
    const second = group.createTask(async () => `saw ${await first}`);
    await nextTurn();
    await nextTurn(); // the first body ended a turn ago, and every microtask since has run
    expect(second.status).toBe('fulfilled');
    expect(second.result()).toBe('saw a');
    open();
    await group.join();
  });

  it('a task that ignores the abort and fulfils later is fulfilled; join waits for it', async () => {
    const group = new TaskGroup();
    pad(group);
    const stubborn = group.createTask(async () => {
      await nextTurn();
      return 'finished anyway';
    });
    const failed = group.createTask(async () => {
      await null;
      throw new Error('failed');
    });
    await group.join().catch(() => undefined);
    expect(failed.status).toBe('rejected');
    expect(stubborn.result()).toBe('finished anyway');
  });
});

describe('TaskGroup.run and tasks as promises', () => {
  it('run returns the body result after every task finished', async () => {
    const result = await TaskGroup.run(async (group) => {
      const tasks = [1, 2, 3].map((n) => group.createTask(async () => n * 2));
      return tasks;
    });
    expect(result.map((t) => t.result())).toEqual([2, 4, 6]);
  });

  it("run: the body's own error cancels the tasks and is reported with theirs", async () => {
    let cancelled = false;
    const error = (await TaskGroup.run(async (group) => {
      group.createTask(async (signal) => {
        await never(signal).catch(() => {
          cancelled = true;
        });
      });
      throw new Error('body');
    }).catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.message)).toEqual(['body']);
    expect(cancelled).toBe(true);
  });

  it('run: a task error the body rethrows is reported once; a cancelled sibling it awaited is no failure', async () => {
    const messages = (error: unknown) => (error as AggregateError).errors.map((e: Error) => e.message);
    const rethrown = await TaskGroup.run(async (group) => {
      const task = group.createTask(async () => {
        await nextTurn();
        throw new Error('fetch failed');
      });
      return await task;
    }).catch(messages);
    expect(rethrown).toEqual(['fetch failed']);
    const awaitedCancelled = await TaskGroup.run(async (group) => {
      const slow = group.createTask((signal) => never(signal));
      group.createTask(async () => {
        await nextTurn();
        throw new Error('b failed');
      });
      return await slow;
    }).catch(messages);
    expect(awaitedCancelled).toEqual(['b failed']);
  });

  it("run: a parent's abort the body passes on before any task exists is the cancellation, not a failure", async () => {
    // the group does not listen to its parent with no task pending: the body waits on the parent itself
    const parent = new AbortController();
    const reason = new Error('deadline');
    const body = TaskGroup.run(
      async (group) => {
        await never(parent.signal);
        group.createTask(() => 1);
      },
      { signal: parent.signal },
    );
    parent.abort(reason);
    await expect(body).rejects.toBe(reason);
  });

  it("createTask's refusal once the group shuts down, passed on by run()'s body or a task, is a cancellation", async () => {
    // the body goes on creating tasks after a task failed: only that task's error is reported
    const failed = (await TaskGroup.run(async (group) => {
      group.createTask(() => {
        throw new Error('task failed');
      });
      group.createTask(() => 2);
    }).catch((e: unknown) => e)) as AggregateError;
    expect(failed.errors.map((e: Error) => e.message)).toEqual(['task failed']);
    // the parent aborted: run rejects with its reason, as it does while the body awaits
    const parent = new AbortController();
    const reason = new Error('shutdown');
    const aborted = TaskGroup.run(
      async (group) => {
        group.createTask((signal) => never(signal));
        await nextTurn();
        group.createTask(() => 2);
      },
      { signal: parent.signal },
    );
    parent.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    // a group used after join() completed is the body's own mistake, and reported
    const late = (await TaskGroup.run(async (group) => {
      await group.join();
      group.createTask(() => 3);
    }).catch((e: unknown) => e)) as AggregateError;
    expect(late.errors.map((e: Error) => e.message)).toEqual(['the TaskGroup is finished: join() has completed']);
    // tasks that spawn siblings after their await (crawlers) are cancelled, not failed, once refused;
    // both resume in one microtask drain, so both are refused before either refusal is seen
    const crawl = new TaskGroup();
    const pageLoaded = nextTurn();
    const crawlers = [1, 2].map(() =>
      crawl.createTask(async () => {
        await pageLoaded;
        crawl.createTask(() => 'next page');
      }),
    );
    crawl.createTask(() => {
      throw new Error('page failed');
    });
    const crawled = (await crawl.join().catch((e: unknown) => e)) as AggregateError;
    expect(crawled.errors.map((e: Error) => e.message)).toEqual(['page failed']);
    expect(crawlers.map((crawler) => crawler.status)).toEqual(['cancelled', 'cancelled']);
  });

  it("a finished group ignores abort() and its parent's abort: a later join() settles as the first did", async () => {
    const group = new TaskGroup();
    group.createTask(async () => 'done');
    await group.join();
    group.abort(new Error('too late'));
    await expect(group.join()).resolves.toBeUndefined();
    expect(group.signal.aborted).toBe(false);
    const parent = new AbortController();
    const child = new TaskGroup({ signal: parent.signal });
    child.createTask(async () => 'done');
    await child.join();
    parent.abort(new Error('parent too late'));
    await expect(child.join()).resolves.toBeUndefined();
    const failed = new TaskGroup();
    failed.createTask(() => {
      throw new Error('task failed');
    });
    const first = await failed.join().catch((e: unknown) => e);
    failed.abort(new Error('too late'));
    expect(await failed.join().catch((e: unknown) => e)).toEqual(first);
  });

  it('a task is awaitable; a failed task not awaited raises no unhandled rejection', async () => {
    const group = new TaskGroup();
    const ok = group.createTask(async () => 'v');
    expect(await ok).toBe('v');
    group.createTask(async () => Promise.reject(new Error('unobserved')));
    await expect(group.join()).rejects.toBeInstanceOf(AggregateError);
  });

  it('a lazy task awaited before it starts resolves once it ran; value and error read the outcome', async () => {
    const group = new TaskGroup({ start: 'macrotask' });
    const ok = group.createTask(() => 'ran');
    const failing = group.createTask(() => {
      throw new Error('no');
    });
    const awaited = ok.then((value) => `awaited ${value}`);
    expect(ok.value).toBeUndefined();
    expect(await awaited).toBe('awaited ran');
    expect(ok.value).toBe('ran');
    expect(ok.error).toBeUndefined();
    await expect(group.join()).rejects.toBeInstanceOf(AggregateError);
    expect((failing.error as Error).message).toBe('no');
    expect(failing.value).toBeUndefined();
  });

  it('result() throws while pending; join() with no tasks resolves; asyncDispose joins', async () => {
    const group = new TaskGroup();
    const task = group.createTask(async () => {
      await null;
      return 1;
    });
    expect(() => task.result()).toThrow(/pending/);
    await group[Symbol.asyncDispose]();
    expect(task.result()).toBe(1);
    await new TaskGroup().join();
  });
});

describe('turn schedulers', () => {
  it('the MessageChannel fallback runs callbacks in order, a turn later, and defers callbacks queued meanwhile', async () => {
    const schedule = channelTurnScheduler();
    const order: string[] = [];
    schedule(() => {
      order.push('a');
      schedule(() => order.push('c'));
    });
    schedule(() => order.push('b'));
    await RESOLVED;
    expect(order).toEqual([]);
    await new Promise<void>((resolve) => schedule(resolve));
    expect(order).toEqual(['a', 'b']); // 'c' was queued while the first batch drained
    await new Promise<void>((resolve) => schedule(resolve));
    expect(order).toEqual(['a', 'b', 'c']);
  });
});
