/**
 * pipeline(source, ...stages): the seed's pipeline stages. Each stage is one task of a TaskGroup
 * reading from a bounded buffer and writing to the next, so a slow stage holds back the ones before
 * it (backpressure) and items keep their order. The result is an async iterator (an AsyncGenerator)
 * of the last stage's outputs. The first error from the source or any stage stops every stage (their
 * AbortSignal is aborted, the buffers are closed) and is rethrown to the consumer once all stages
 * have stopped; leaving the consumer's loop early (break) stops them the same way. A stop closes the
 * source at once, without waiting for a next() it has pending (Run.stop).
 *
 * Speed (see docs/patterns.md). Between two stages there is exactly one writer and one reader, so
 * the buffer is a single-producer single-consumer ring (Buffer below), not an AsyncQueue with its
 * waiter lists and task accounting, and it works in batches:
 * - a stage takes what its input holds without awaiting, and awaits only when the input is empty,
 *   its function returns a promise, or its output is full;
 * - a writer blocked on a full buffer is woken when the buffer has drained to half its bound (Node
 *   streams' 'drain', with hysteresis), not at the first free slot. Waking at the first free slot
 *   (asyncio.Queue's rule) makes a full pipeline behind a slower consumer move one item per wake-up
 *   through every stage: about one promise per item per stage;
 * - the consumer's next() returns the next buffered item in an already settled promise, one
 *   microtask per item, where an async generator's yield costs two.
 */
import { QueueIterator } from './async-queue.js';
import { Deferred, isThenable } from './deferred.js';
import { Deque } from './deque.js';
import { TaskGroup } from './task-group.js';

export type StageFn<I, O> = (item: I, signal: AbortSignal) => O | PromiseLike<O>;
export interface StageSpec<I, O> {
  fn: StageFn<I, O>;
  /** capacity of the buffer that feeds this stage (default DEFAULT_STAGE_BOUND) */
  bound?: number;
}
export type Stage<I, O> = StageFn<I, O> | StageSpec<I, O>;
export type PipelineSource<T> = Iterable<T> | AsyncIterable<T>;

export const DEFAULT_STAGE_BOUND = 16;

export function pipeline<A, B>(source: PipelineSource<A>, s1: Stage<A, B>): AsyncGenerator<B, void, undefined>;
export function pipeline<A, B, C>(
  source: PipelineSource<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
): AsyncGenerator<C, void, undefined>;
export function pipeline<A, B, C, D>(
  source: PipelineSource<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
): AsyncGenerator<D, void, undefined>;
export function pipeline<A, B, C, D, E>(
  source: PipelineSource<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
): AsyncGenerator<E, void, undefined>;
export function pipeline(
  source: PipelineSource<unknown>,
  ...stages: Stage<unknown, unknown>[]
): AsyncGenerator<unknown, void, undefined>;
export function pipeline(
  source: PipelineSource<unknown>,
  ...stages: Stage<unknown, unknown>[]
): AsyncGenerator<unknown, void, undefined> {
  if (stages.length === 0) throw new TypeError('pipeline needs at least one stage');
  return new PipelineIterator(source, stages);
}

const NO_ERROR = Symbol('no error');
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * A bounded single-producer single-consumer buffer. push() returns false once the buffer is full;
 * the writer then awaits writable(), which resolves when the reader has taken it down to `low`
 * items (or the buffer closed). readable() resolves at the first item (or close).
 */
class Buffer {
  private readonly items: Deque<unknown>;
  private readonly low: number;
  closed = false;
  private reader: Deferred<void> | undefined = undefined;
  private writer: Deferred<void> | undefined = undefined;

  constructor(readonly bound: number) {
    if (!Number.isInteger(bound) || bound < 1)
      throw new RangeError(`a stage bound must be an integer >= 1, got ${bound}`);
    this.items = new Deque(Math.min(bound, 1024));
    this.low = bound >> 1;
  }

  get size(): number {
    return this.items.length;
  }

  /** adds an item; false when the buffer is now full (await writable() before the next push) */
  push(item: unknown): boolean {
    this.items.push(item);
    const reader = this.reader;
    if (reader !== undefined) {
      this.reader = undefined;
      reader.resolve();
    }
    return this.items.length < this.bound;
  }

  shift(): unknown {
    const item = this.items.shift();
    const writer = this.writer;
    if (writer !== undefined && this.items.length <= this.low) {
      this.writer = undefined;
      writer.resolve();
    }
    return item;
  }

  readable(): Promise<void> {
    this.reader ??= new Deferred<void>();
    return this.reader.promise;
  }

  writable(): Promise<void> {
    this.writer ??= new Deferred<void>();
    return this.writer.promise;
  }

  close(): void {
    this.closed = true;
    this.reader?.resolve();
    this.writer?.resolve();
    this.reader = undefined;
    this.writer = undefined;
  }
}

/** What every stage of one pipeline shares: whether it was stopped, and why (the first error). */
class Run {
  stopped = false;
  error: unknown = NO_ERROR;
  /** the consumer left early (return()): the stop's reason is no error to report */
  consumerLeft = false;
  readonly group = new TaskGroup();
  readonly buffers: Buffer[] = [];
  /** the async source's iterator while feed awaits its next() */
  parked: AsyncIterator<unknown> | undefined = undefined;
  /** ends feed's task in the group: when feed ends, or at stop() while it is parked */
  readonly fed = new Deferred<void>();

  readonly stop = (reason: unknown): void => {
    if (this.stopped) return;
    this.stopped = true;
    this.error = reason;
    this.group.abort(reason);
    for (const buffer of this.buffers) buffer.close();
    const parked = this.parked;
    if (parked === undefined) return;
    // feed waits in the source's next(), which may not settle for a long time (an idle queue, a
    // socket). Close the source now, and let the stages' join not wait for feed: what that next()
    // brings is dropped. An AsyncQueue's return() ends the pending next() without taking an item; an
    // async generator queues return() behind it (docs/patterns.md).
    this.parked = undefined;
    this.fed.resolve();
    try {
      Promise.resolve(parked.return?.()).catch(() => {}); // an error from it has nobody left to reach
    } catch {}
  };
}

async function feed(source: PipelineSource<unknown>, output: Buffer, run: Run): Promise<void> {
  // not `in`: a string source is a primitive
  const asyncIterable = source as AsyncIterable<unknown>;
  if (typeof asyncIterable[Symbol.asyncIterator] === 'function') {
    // by hand, not for await: stop() must see whether feed is parked in next() (see Run.stop)
    const iterator = asyncIterable[Symbol.asyncIterator]();
    for (;;) {
      run.parked = iterator;
      const result = await iterator.next();
      if (run.parked === undefined) {
        // stop() closed the source while it waited: an item a queue handed that next() in between
        // (put just before the consumer's break) goes back to it; another source's is dropped
        if (!result.done && iterator instanceof QueueIterator) iterator.origin.giveBack(result.value);
        return;
      }
      run.parked = undefined;
      if (result.done) break;
      if (!output.push(result.value)) {
        await output.writable();
        if (run.stopped) {
          // stopped while feed was not parked (it awaits only here and in next()): close the source
          // and let the stages' join wait for it, as for await would
          await iterator.return?.();
          return;
        }
      }
    }
  } else {
    for (const item of source as Iterable<unknown>) {
      if (run.stopped) return;
      if (output.push(item)) continue;
      await output.writable();
      // stopped meanwhile: return now (the loop closes the source), not after pulling one more item
      if (run.stopped) return;
    }
  }
  output.close();
}

async function runStage(fn: StageFn<unknown, unknown>, input: Buffer, output: Buffer, run: Run): Promise<void> {
  const signal = run.group.signal;
  for (;;) {
    while (input.size > 0) {
      if (run.stopped) return;
      let result = fn(input.shift(), signal);
      if (isThenable(result)) result = await result;
      if (run.stopped) return;
      if (!output.push(result)) await output.writable();
    }
    if (input.closed || run.stopped) break;
    await input.readable();
  }
  if (!run.stopped) output.close();
}

/**
 * The consumer's side: an AsyncGenerator over the last buffer that starts and stops the stages. As
 * with an async generator, nothing runs before the first next(): a pipeline never iterated never
 * touches its source.
 */
class PipelineIterator implements AsyncGenerator<unknown, void, undefined> {
  private readonly run = new Run();
  private readonly inputs: Buffer[];
  private readonly output: Buffer;
  private source: PipelineSource<unknown> | undefined;
  private stages: Stage<unknown, unknown>[] | undefined;
  /** set once the end (or the error) has been reported: later next() calls are done */
  private ended = false;
  /** the last next() call not settled yet, while there is one: a new call waits behind it */
  private inLine: Promise<IteratorResult<unknown, void>> | undefined = undefined;

  constructor(source: PipelineSource<unknown>, stages: Stage<unknown, unknown>[]) {
    this.inputs = stages.map(
      (stage) => new Buffer(typeof stage === 'function' ? DEFAULT_STAGE_BOUND : (stage.bound ?? DEFAULT_STAGE_BOUND)),
    );
    this.output = new Buffer(DEFAULT_STAGE_BOUND);
    this.run.buffers.push(...this.inputs, this.output);
    this.source = source;
    this.stages = stages;
  }

  /** starts the source and the stages, once */
  private start(): void {
    const { run, inputs, source, stages } = this;
    if (source === undefined || stages === undefined) return;
    this.source = undefined;
    this.stages = undefined;
    // Stage tasks never reject: they hand their error to stop(), which keeps only the first one. A
    // source whose next() threw is not closed (as for await does), so it is no longer parked.
    feed(source, inputs[0] as Buffer, run).then(run.fed.resolve, (error: unknown) => {
      run.parked = undefined;
      run.stop(error);
      run.fed.resolve();
    });
    run.group.createTask(() => run.fed.promise);
    stages.forEach((stage, i) => {
      const fn = typeof stage === 'function' ? stage : stage.fn;
      const output = run.buffers[i + 1] as Buffer;
      run.group.createTask(() => runStage(fn, inputs[i] as Buffer, output, run).catch(run.stop));
    });
  }

  /**
   * Calls settle in the order they were made, as an async generator's do: an item that arrives while
   * an earlier call waits is that call's, so a later one never takes the fast path past it
   */
  next(): Promise<IteratorResult<unknown, void>> {
    if (this.inLine === undefined && this.output.size > 0 && !this.run.stopped)
      return Promise.resolve({ value: this.output.shift(), done: false });
    return this.nextInLine();
  }

  /** a call that waits, behind the one before it if any: the slow path, taken when the output ran dry */
  private nextInLine(): Promise<IteratorResult<unknown, void>> {
    if (!this.ended) this.start();
    const before = this.inLine;
    const result =
      before === undefined
        ? this.wait()
        : before.then(
            () => this.wait(),
            () => this.wait(),
          );
    this.inLine = result;
    // runs before the caller's own reaction: by then the next call may take the fast path
    const leave = () => {
      if (this.inLine === result) this.inLine = undefined;
    };
    result.then(leave, leave);
    return result;
  }

  private async wait(): Promise<IteratorResult<unknown, void>> {
    for (;;) {
      if (this.ended) return DONE;
      if (this.run.stopped) return this.end();
      if (this.output.size > 0) return { value: this.output.shift(), done: false };
      if (this.output.closed) return this.end();
      await this.output.readable();
    }
  }

  /** waits until every stage has stopped, then reports the first error, or the end */
  private async end(): Promise<IteratorResult<unknown, void>> {
    this.ended = true;
    await this.run.group.join().catch(() => undefined);
    const error = this.run.error;
    if (error !== NO_ERROR && !this.run.consumerLeft) throw error;
    return DONE;
  }

  /** the consumer leaves early (break): stops the stages and waits until they have */
  async return(): Promise<IteratorResult<unknown, void>> {
    if (this.stages !== undefined) {
      // never started: like an async generator returned before its first next(), nothing to stop
      this.ended = true;
      this.source = undefined;
      this.stages = undefined;
    }
    if (!this.ended) {
      this.ended = true;
      // an AbortError, as fetch's and AbortSignal.abort()'s: a stage may rethrow, print or test it
      // (signal.throwIfAborted(), `${error}`, error.name === 'AbortError'); made only when one leaves
      this.run.consumerLeft = true;
      this.run.stop(new DOMException('the pipeline consumer left', 'AbortError'));
      await this.run.group.join().catch(() => undefined);
    }
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<unknown, void>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
