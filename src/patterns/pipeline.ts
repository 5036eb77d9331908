/**
 * pipeline(source, ...stages): the seed's pipeline stages. Each stage is one task reading from a
 * bounded AsyncQueue and writing to the next, so a slow stage holds back the ones before it
 * (backpressure) and items keep their order. The result is an async generator of the last stage's
 * outputs. The first error from the source or any stage stops every stage (their AbortSignal is
 * aborted, the queues are closed) and is rethrown to the consumer once all stages have stopped;
 * leaving the consumer's loop early (break) stops them the same way.
 */
import { AsyncQueue } from './async-queue.js';
import { isThenable } from './deferred.js';
import { TaskGroup } from './task-group.js';

export type StageFn<I, O> = (item: I, signal: AbortSignal) => O | PromiseLike<O>;
export interface StageSpec<I, O> {
  fn: StageFn<I, O>;
  /** capacity of the queue that feeds this stage (default DEFAULT_STAGE_BOUND) */
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
  return runPipeline(source, stages);
}

/** the reason the stages are stopped with when the consumer leaves early */
const CONSUMER_LEFT = Symbol('the pipeline consumer left');
const NO_ERROR = Symbol('no error');

async function* runPipeline(
  source: PipelineSource<unknown>,
  stages: Stage<unknown, unknown>[],
): AsyncGenerator<unknown, void, undefined> {
  const inputs = stages.map(
    (stage) =>
      new AsyncQueue<unknown>(typeof stage === 'function' ? DEFAULT_STAGE_BOUND : (stage.bound ?? DEFAULT_STAGE_BOUND)),
  );
  const output = new AsyncQueue<unknown>(DEFAULT_STAGE_BOUND);
  const queues = [...inputs, output];
  const group = new TaskGroup();
  let firstError: unknown = NO_ERROR;
  const stop = (reason: unknown) => {
    if (firstError !== NO_ERROR) return;
    firstError = reason;
    group.abort(reason);
    for (const queue of queues) queue.close();
  };
  // Stage tasks never reject: they hand their error to stop(), which keeps only the first one.
  group.createTask((signal) => feed(source, inputs[0] as AsyncQueue<unknown>, signal).catch(stop));
  stages.forEach((stage, i) => {
    const fn = typeof stage === 'function' ? stage : stage.fn;
    const next = queues[i + 1] as AsyncQueue<unknown>;
    group.createTask((signal) => runStage(fn, inputs[i] as AsyncQueue<unknown>, next, signal).catch(stop));
  });
  let finished = false;
  try {
    for await (const item of output) yield item;
    finished = true;
  } finally {
    if (!finished) stop(CONSUMER_LEFT);
    await group.join().catch(() => undefined);
  }
  if (firstError !== NO_ERROR && firstError !== CONSUMER_LEFT) throw firstError;
}

async function feed(source: PipelineSource<unknown>, queue: AsyncQueue<unknown>, signal: AbortSignal): Promise<void> {
  if (Symbol.asyncIterator in source) {
    for await (const item of source) {
      if (signal.aborted) return;
      if (!queue.tryPut(item)) await queue.put(item);
    }
  } else {
    for (const item of source) {
      if (signal.aborted) return;
      if (!queue.tryPut(item)) await queue.put(item);
    }
  }
  queue.close();
}

async function runStage(
  fn: StageFn<unknown, unknown>,
  input: AsyncQueue<unknown>,
  output: AsyncQueue<unknown>,
  signal: AbortSignal,
): Promise<void> {
  for await (const item of input) {
    if (signal.aborted) return;
    let result = fn(item, signal);
    if (isThenable(result)) result = await result;
    if (!output.tryPut(result)) await output.put(result);
  }
  output.close();
}
