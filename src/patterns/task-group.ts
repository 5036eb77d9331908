/**
 * TaskGroup: structured concurrency after Python's asyncio.TaskGroup. Every task belongs to a group;
 * the group's join() settles only when all of them have finished; the first failure aborts the
 * siblings through the group's AbortSignal; join() then rejects with every failure in one
 * AggregateError. A task's body starts under a StartPolicy (see scheduling.ts): 'eager' runs it
 * inside createTask up to its first await, so a body that returns without awaiting is already done
 * when createTask returns and nothing at all is scheduled for it.
 *
 * As in Python, a group that is shutting down (a task failed, or it was aborted) or finished (join()
 * completed) refuses new tasks: createTask throws. The group listens to a parent signal only while
 * it has unfinished tasks, or once its `signal` was read (a body of TaskGroup.run may wait on it
 * before any task exists) until join() completes; so a group that is dropped without join() leaves
 * no listener behind unless its signal was handed out. `await using group = new TaskGroup()` joins
 * it on scope exit.
 *
 * Where the runtime can read a promise's state synchronously (Bun.peek), a task's status reads its
 * body's promise when someone asks, and past TaskGroup.batchFrom pending tasks a group no longer
 * follows each task with a then(): it hands each burst of tasks to one Promise.all. On Bun a then()
 * per task kept 527 bytes alive per pending task against Promise.all's 275, and at 10 000 pending
 * tasks the collector's extra full collections doubled the group's cost per task (docs/patterns.md,
 * "What a TaskGroup costs"). Node and Deno have no such read and keep the then().
 */
import { type PromisePeek, peekPromise as peek } from '../runtimes/promise-peek.js';
import { Deferred, isThenable } from './deferred.js';
import { Deque } from './deque.js';
import { onNextTurn, RESOLVED, type StartPolicy } from './scheduling.js';

const NO_FAILURE = Symbol('no failure');
/** a watched task's rejection is judged by its group, never by a waiter's follow (Task.promise) */
const ignoreRejection = (): void => {};

/** A task's body; it is always given the group's signal, which aborts when the group shuts down. */
export type TaskBody<T> = (signal: AbortSignal) => T | PromiseLike<T>;
export type TaskStatus = 'pending' | 'fulfilled' | 'rejected' | 'cancelled';

export interface TaskGroupOptions {
  /** when task bodies start; default 'eager' */
  start?: StartPolicy;
  /** a parent signal: its abort aborts the group (nested groups, shutdown) */
  signal?: AbortSignal;
}

/**
 * One task of a group. Await it (it is a thenable) or read result() after join(). A task's failure
 * is reported by the group's join(); awaiting the task is optional and never needed to avoid an
 * unhandled rejection, because no promise exists for it until someone asks.
 *
 * Three fields, because a group of 10 000 tasks holds 10 000 of them: the value, the error and the
 * waiter of a pending task share `outcome`; the body of a task not started yet waits in the group's
 * start queue, not here.
 */
export class Task<T> implements PromiseLike<T> {
  /** @internal the status as last known; `status` reads a watched task first */
  state: TaskStatus = 'pending';
  /**
   * @internal the value once fulfilled, the error once rejected or cancelled; while pending, the
   * waiter once someone awaits the task
   */
  outcome: unknown = undefined;
  /** @internal on Bun, the body's promise until the task is known settled (see the module's header) */
  watched: Promise<T> | undefined = undefined;

  get status(): TaskStatus {
    if (this.watched !== undefined) this.readWatched();
    return this.state;
  }

  get done(): boolean {
    return this.status !== 'pending';
  }

  /** the result once fulfilled */
  get value(): T | undefined {
    return this.status === 'fulfilled' ? (this.outcome as T) : undefined;
  }

  /** the error once rejected, the abort reason once cancelled */
  get error(): unknown {
    const status = this.status;
    return status === 'rejected' || status === 'cancelled' ? this.outcome : undefined;
  }

  /** the value; throws the error of a rejected or cancelled task, and throws while pending */
  result(): T {
    const status = this.status;
    if (status === 'fulfilled') return this.outcome as T;
    if (status === 'pending') throw new Error('the task is still pending');
    throw this.outcome;
  }

  /**
   * A pending task's promise settles when its group has settled the task, never before: a watched
   * task does not hand out its body's promise, whose rejection the group has not judged yet
   */
  get promise(): Promise<T> {
    const status = this.status;
    if (status === 'fulfilled') return Promise.resolve(this.outcome as T);
    if (status !== 'pending') return Promise.reject(this.outcome);
    if (this.outcome === undefined) {
      this.outcome = new Deferred<T>();
      // on Bun a task in a batch is settled only when the batch ends or its status is read: its waiter
      // must not wait for the batch's slowest task, nor for a sibling of the batch that awaits this
      // one. A task below batchFrom has a then() of its own, which runs first; this one then finds it
      // settled
      this.watched?.then((value) => {
        if (this.state === 'pending') this.settle('fulfilled', value);
      }, ignoreRejection);
    }
    return (this.outcome as Deferred<T>).promise;
  }

  // biome-ignore lint/suspicious/noThenProperty: a Task is awaitable by design, like Python's Task.
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.promise.then(onFulfilled, onRejected);
  }

  /**
   * A watched task whose body fulfilled is fulfilled now. One that rejected stays pending until its
   * group has judged the error (a failure, or a cancellation once the group aborted), as it would
   * until its then() ran.
   */
  private readWatched(): void {
    const promise = this.watched as Promise<T>;
    if ((peek as PromisePeek).status(promise) === 'fulfilled') this.settle('fulfilled', (peek as PromisePeek)(promise));
  }

  /** @internal */
  settle(status: TaskStatus, outcome: unknown): void {
    const waiter = this.state === 'pending' ? (this.outcome as Deferred<T> | undefined) : undefined;
    this.watched = undefined;
    this.state = status;
    this.outcome = outcome;
    if (waiter === undefined) return;
    if (status === 'fulfilled') waiter.resolve(outcome as T);
    else waiter.reject(outcome);
  }
}

export class TaskGroup implements AsyncDisposable {
  /**
   * true where the runtime reads a settled promise synchronously (Bun): there a task whose body
   * returned an already fulfilled promise (an async function that returned without awaiting) is done
   * when createTask returns, as under Python's eager start; elsewhere only after a microtask. A
   * rejection is judged by the group either way, so such a task stays pending until then
   */
  static readonly readsSettledPromises: boolean = peek !== undefined;
  /**
   * where readsSettledPromises: with this many tasks pending, a new task joins a batch that one
   * Promise.all follows instead of getting a then() of its own. A batch saves memory, which pays only
   * with many tasks alive at once; with fewer, its microtask and Promise.all cost more than it saves
   * (measured, docs/patterns.md "What a TaskGroup costs"). A batch keeps its tasks until the last of
   * them ends, and judges a rejection a microtask or two later than a then() of its own would
   */
  static readonly batchFrom = 1024;
  readonly start: StartPolicy;
  /** created with the first task: a group that never gets one needs no AbortController */
  private controller: AbortController | undefined = undefined;
  /** the controller's signal, read once (a DOM getter, not free on every runtime) */
  private taskSignal: AbortSignal | undefined = undefined;
  /** true once the group refuses tasks: aborted or finished */
  private refusing = false;
  private aborted = false;
  /** the microtasks queued before the abort have run: a failure judged now came after it (taskFailed) */
  private pastAbort = false;
  private abortReason: unknown = undefined;
  /** tasks not finished yet: queued lazy starts plus bodies awaiting */
  private pending = 0;
  private errors: unknown[] | undefined = undefined;
  /** true when abort() or the parent signal (not a task failure) aborted the group */
  private abortedFromOutside = false;
  private closed = false;
  private joiner: Deferred<void> | undefined = undefined;
  private readonly parent: AbortSignal | undefined;
  private readonly onParentAbort: (() => void) | undefined = undefined;
  /** the parent listener is attached */
  private listening = false;
  /** someone read `signal`: the group follows its parent, pending tasks or not, until it finishes */
  private signalHandedOut = false;
  /** lazily started tasks waiting to start: a task, then its body, then the next task... */
  private startQueue: Deque<Task<unknown> | TaskBody<unknown>> | undefined = undefined;
  private flushScheduled = false;
  private flushBound: (() => void) | undefined = undefined;
  /** what createTask throws at a group shutting down: a body (run()'s or a task's) passing it on was cancelled */
  private refusal: Error | undefined = undefined;
  /** on Bun: the batches not yet followed to their end; their tasks stay in `pending` until then */
  private batches: Set<Task<unknown>[]> | undefined = undefined;
  /** on Bun: the batch this burst of tasks joins, until a microtask hands it to Promise.all */
  private openBatch: Task<unknown>[] | undefined = undefined;
  private followBatchBound: (() => void) | undefined = undefined;

  constructor(options: TaskGroupOptions = {}) {
    this.start = options.start ?? 'eager';
    const parent = options.signal;
    this.parent = parent;
    if (parent === undefined) return;
    if (parent.aborted) this.abort(parent.reason);
    else
      this.onParentAbort = () => {
        this.listening = false; // added with { once: true }
        this.abort(parent.reason);
      };
  }

  /** aborted on the first failure, on abort(), or with the parent signal */
  get signal(): AbortSignal {
    this.signalHandedOut = true;
    this.listen();
    return this.taskSignal ?? this.createSignal();
  }

  /** runs a body in a group and joins it; the body's own error aborts the tasks and joins the others */
  static async run<R>(body: (group: TaskGroup) => R | PromiseLike<R>, options?: TaskGroupOptions): Promise<R> {
    const group = new TaskGroup(options);
    let result: R | undefined;
    try {
      result = await body(group);
    } catch (error) {
      group.bodyFailed(error);
    }
    await group.join();
    return result as R;
  }

  /** starts a task under the group's policy; throws once the group is shutting down or finished */
  createTask<T>(body: TaskBody<T>): Task<T> {
    if (this.refusing || (this.pending === 0 && this.parent !== undefined && this.parentAborted())) this.refuse();
    const signal = this.taskSignal ?? this.createSignal();
    const task = new Task<T>();
    if (this.start === 'eager') {
      // the task counts while its body runs: a join() it calls before its first await waits for it.
      // Not listening yet: a body that returns at once never needs to (track listens for one that waits)
      this.pending++;
      this.runBody(task, body, signal);
      this.removePending();
    } else {
      this.addPending();
      this.enqueueStart(task as Task<unknown>, body as TaskBody<unknown>);
    }
    return task;
  }

  /**
   * cancels every task: aborts the signal; join() rejects with the reason unless tasks failed. Once
   * join() has completed the group is finished and abort() does nothing (as cancelling a finished
   * asyncio TaskGroup): a later join() reports the outcome it had
   */
  abort(reason?: unknown): void {
    if (this.aborted || this.closed) return;
    this.abortedFromOutside = true;
    this.abortWith(reason);
  }

  /** settles when every task has finished; rejects with an AggregateError of all failures */
  join(): Promise<void> {
    if (this.pending === 0) {
      this.parentAborted();
      this.close();
      return this.outcome();
    }
    this.joiner ??= new Deferred<void>();
    return this.joiner.promise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.join();
  }

  private refuse(): never {
    if (this.closed) throw new Error('the TaskGroup is finished: join() has completed');
    // one error for every refusal, so each body passing one on is recognised, not only the last
    this.refusal ??= new Error('the TaskGroup is shutting down: it was aborted');
    throw this.refusal;
  }

  /** a parent that aborted while the group was not listening (no task pending) aborts it now */
  private parentAborted(): boolean {
    const parent = this.parent;
    if (parent === undefined || !parent.aborted || this.aborted) return false;
    this.abort(parent.reason);
    return true;
  }

  private createSignal(): AbortSignal {
    const controller = new AbortController();
    this.controller = controller;
    this.taskSignal = controller.signal;
    if (this.aborted) controller.abort(this.abortReason);
    return controller.signal;
  }

  /**
   * the group listens to its parent only while it has unfinished tasks that wait (an eager body that
   * returns at once needs no listener, though it counts while it runs); a parent that aborted while it
   * did not (e.g. during an eager body's synchronous part) aborts it now: a listener added to an
   * aborted signal never fires
   */
  private addPending(): void {
    this.pending++;
    if (!this.listening) this.listen();
  }

  private removePending(): void {
    if (--this.pending > 0) return;
    if (!this.signalHandedOut) this.unlisten();
    this.finish();
  }

  private listen(): void {
    if (this.listening || this.onParentAbort === undefined || this.aborted || this.closed) return;
    const parent = this.parent as AbortSignal;
    if (parent.aborted) this.abort(parent.reason);
    else {
      parent.addEventListener('abort', this.onParentAbort, { once: true });
      this.listening = true;
    }
  }

  private unlisten(): void {
    if (!this.listening) return;
    this.listening = false;
    (this.parent as AbortSignal).removeEventListener('abort', this.onParentAbort as () => void);
  }

  private runBody<T>(task: Task<T>, body: TaskBody<T>, signal: AbortSignal): void {
    let result: T | PromiseLike<T>;
    let promise: Promise<T> | undefined;
    try {
      result = body(signal);
      // reads `then` and `constructor`, which may be getters that throw. A foreign thenable's then(),
      // or a Promise subclass's, may throw or call back twice: Promise.resolve gives it what `await`
      // would (one outcome, a throw as a later rejection); a plain native promise skips it
      if (isThenable(result))
        promise = (result as Promise<T>).constructor === Promise ? (result as Promise<T>) : Promise.resolve(result);
    } catch (error) {
      this.taskFailed(task, error);
      return;
    }
    if (promise !== undefined) this.track(task, promise);
    else if (task.outcome === undefined) {
      // returned without awaiting: settled here, no promise and nothing scheduled
      task.state = 'fulfilled';
      task.outcome = result;
    } else task.settle('fulfilled', result);
  }

  /**
   * Each task in flight is one unit of `pending`. Where Bun.peek can read the body's promise, a
   * task's status reads it (Task.readWatched). While fewer than batchFrom tasks are pending each still
   * gets a then() of its own; past that, tasks join a batch
   */
  private track<T>(task: Task<T>, promise: Promise<T>): void {
    let batched = false;
    if (peek !== undefined && !this.aborted) {
      task.watched = promise;
      batched = this.pending >= TaskGroup.batchFrom;
    }
    this.addPending(); // may find the parent aborted: then the task gets its own then()
    if (batched && !this.aborted) this.watch(task as Task<unknown>);
    else this.follow(task, promise);
  }

  /** then() with two closures measured faster than one async frame per task on all three runtimes */
  private follow<T>(task: Task<T>, promise: PromiseLike<T>): void {
    promise.then(
      (value) => {
        task.settle('fulfilled', value);
        this.removePending();
      },
      (error) => {
        this.taskFailed(task, error);
        this.removePending();
      },
    );
  }

  /** on Bun: the task joins this burst's batch, which one Promise.all follows from a microtask on */
  private watch(task: Task<unknown>): void {
    if (this.openBatch !== undefined) {
      this.openBatch.push(task);
      return;
    }
    const batch = [task];
    this.openBatch = batch;
    this.batches ??= new Set();
    this.batches.add(batch);
    this.followBatchBound ??= () => this.followBatch();
    queueMicrotask(this.followBatchBound);
  }

  /** the Promise.all also handles every rejection of the batch: none is reported unhandled */
  private followBatch(): void {
    const batch = this.openBatch;
    this.openBatch = undefined;
    if (batch === undefined || this.aborted) return; // the abort took the batch's tasks over
    Promise.all(batch.map((task) => task.watched)).then(
      (values) => this.batchDone(batch, values),
      (error) => this.batchFailed(batch, error),
    );
  }

  /** every task of the batch fulfilled: its value is set here, so reading it needs no Bun.peek */
  private batchDone(batch: Task<unknown>[], values: unknown[]): void {
    if (this.aborted) return; // the abort took the batch's tasks over
    for (let i = 0; i < batch.length; i++) {
      const task = batch[i] as Task<unknown>;
      if (task.watched !== undefined) task.settle('fulfilled', values[i]); // else read already
    }
    (this.batches as Set<Task<unknown>[]>).delete(batch);
    // one unit of `pending` a task: removePending runs once, for the last of them
    this.pending -= batch.length - 1;
    this.removePending();
  }

  /**
   * a task of the batch rejected: the first to, whose error Promise.all reports, is a failure, as its
   * own then() would have found before any abort. The abort then gives every other watched task a
   * then() of its own, which judges it after the abort, as it always did
   */
  private batchFailed(batch: Task<unknown>[], reported: unknown): void {
    if (this.aborted) return;
    const failed = batch.find((task) => {
      const promise = task.watched;
      return promise !== undefined && peek?.status(promise) === 'rejected' && Object.is(peek(promise), reported);
    });
    failed?.settle('rejected', reported);
    this.fail(reported);
  }

  /** the group aborted: every task of a batch is taken over, one by one */
  private unwatchAll(): void {
    const batches = this.batches;
    this.batches = undefined;
    this.openBatch = undefined;
    if (batches === undefined) return;
    for (const batch of batches) for (const task of batch) this.unwatch(task);
  }

  /**
   * a task not settled yet keeps its unit of `pending` under a then() of its own, as without Bun.peek,
   * which judges a rejection after the abort as it always did; a settled one gives its unit back.
   * A task not yet taken over holds a unit, so `pending` reaches 0 here only with the last of them
   */
  private unwatch(task: Task<unknown>): void {
    const promise = task.watched;
    // `status` reads the promise (Task.readWatched): a fulfilled one settles the task here
    if (promise !== undefined && task.status === 'pending') this.follow(task, promise);
    else this.removePending();
  }

  /**
   * A task that fails, once the abort has taken effect, with a failure the group has reported (it
   * awaited the sibling that failed, or read its result()) passes it on: it is cancelled, as asyncio
   * cancels it at that await, and the failure is reported once, by the task it came from, as for
   * run()'s body. Two tasks whose bodies failed with one error before the group could abort are two
   * failures, as in Python, whoever awaits them
   */
  private taskFailed<T>(task: Task<T>, error: unknown): void {
    if (this.isCancellation(error)) {
      task.settle('cancelled', error);
      return;
    }
    if (this.pastAbort && this.errors?.includes(error)) {
      task.settle('cancelled', this.abortReason);
      return;
    }
    task.settle('rejected', error);
    this.fail(error);
  }

  /**
   * run()'s body threw: a task's error it rethrew (await task) is reported already, and the abort of
   * a task it awaited is a cancellation, as in taskFailed. A parent that aborted while the group did
   * not listen (no task yet: the body waited on the parent's signal) aborts it first, so the reason
   * the body passes on is that cancellation, not a failure wrapped in an AggregateError
   */
  private bodyFailed(error: unknown): void {
    this.parentAborted();
    if (!this.errors?.includes(error) && !this.isCancellation(error)) this.fail(error);
  }

  /**
   * an error that only says the group aborted: the abort reason, an AbortError after an abort, or
   * createTask's refusal passed on by a body (run()'s or a task's) that went on after the abort, where
   * asyncio would have cancelled it at its next await
   */
  private isCancellation(error: unknown): boolean {
    if (!this.aborted) return false;
    return (
      error === this.abortReason ||
      (this.refusal !== undefined && error === this.refusal) ||
      (error as { name?: unknown })?.name === 'AbortError'
    );
  }

  private fail(error: unknown): void {
    this.errors ??= [];
    this.errors.push(error);
    if (!this.aborted) this.abortWith(undefined);
  }

  private abortWith(reason: unknown): void {
    this.aborted = true;
    this.refusing = true;
    this.abortReason = reason === undefined ? new DOMException('the TaskGroup was aborted', 'AbortError') : reason;
    this.controller?.abort(this.abortReason);
    this.unwatchAll();
    // a body that failed before the abort has its rejection queued ahead of this microtask (the
    // then() of a batched task, attached just above, too); a body that rejects because of the failure
    // (it awaited the failed task, whose waiter is rejected now) is judged after it
    queueMicrotask(() => {
      this.pastAbort = true;
    });
  }

  private enqueueStart(task: Task<unknown>, body: TaskBody<unknown>): void {
    this.startQueue ??= new Deque();
    this.startQueue.push(task);
    this.startQueue.push(body);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.flushBound ??= () => this.flushStarts();
    if (this.start === 'microtask') queueMicrotask(this.flushBound);
    else onNextTurn(this.flushBound);
  }

  /** starts the tasks queued before this flush; tasks queued by them wait for the next one */
  private flushStarts(): void {
    this.flushScheduled = false;
    const queue = this.startQueue as Deque<Task<unknown> | TaskBody<unknown>>;
    for (let n = queue.length; n > 0; n -= 2) {
      const task = queue.shift() as Task<unknown>;
      const body = queue.shift() as TaskBody<unknown>;
      if (this.aborted) task.settle('cancelled', this.abortReason);
      else this.runBody(task, body, this.taskSignal as AbortSignal);
      this.removePending();
    }
  }

  private finish(): void {
    const joiner = this.joiner;
    if (joiner === undefined) return;
    this.joiner = undefined;
    this.close();
    const error = this.failure();
    if (error === NO_FAILURE) joiner.resolve();
    else joiner.reject(error);
  }

  private close(): void {
    this.closed = true;
    this.refusing = true;
    this.unlisten();
  }

  private outcome(): Promise<void> {
    const error = this.failure();
    return error === NO_FAILURE ? RESOLVED : Promise.reject(error);
  }

  /** what join() rejects with: every task failure, else the reason of an abort from outside */
  private failure(): unknown {
    if (this.errors !== undefined) {
      const n = this.errors.length;
      return new AggregateError(this.errors, `${n} task${n === 1 ? '' : 's'} of the TaskGroup failed`);
    }
    return this.abortedFromOutside ? this.abortReason : NO_FAILURE;
  }
}
