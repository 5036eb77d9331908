/**
 * Async resources (the seed's `async with`): a Resource releases its value once, through
 * Symbol.asyncDispose, so `await using` works on it; withResource/withResources are the callback
 * form for code (or runtimes) without `await using`. Disposal runs in reverse order of acquisition,
 * also when the body or an acquisition throws; an error thrown while disposing after another error
 * is combined as `await using` does: SuppressedError(disposalError, earlierError), using the
 * runtime's SuppressedError where it has one. As with `await using`, a null or undefined resource is
 * allowed and one that cannot be disposed is refused before the body runs.
 */

export const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');
const dispose: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

export type Disposal = AsyncDisposable | Disposable;
/** what `await using` takes: null and undefined too, which it never disposes */
export type Usable = Disposal | null | undefined;

export class Resource<T> implements AsyncDisposable {
  private released = false;

  constructor(
    readonly value: T,
    private readonly release: (value: T) => void | PromiseLike<void>,
  ) {}

  get disposed(): boolean {
    return this.released;
  }

  /** releases the value; later calls do nothing */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.release(this.value);
  }
}

/** acquires a resource with `open` and wraps it so that disposing it calls `close` once */
export async function openResource<T>(
  open: () => T | PromiseLike<T>,
  close: (value: T) => void | PromiseLike<void>,
): Promise<Resource<T>> {
  const value: T = await open();
  return new Resource(value, close);
}

type SuppressedErrorConstructor = new (error: unknown, suppressed: unknown, message?: string) => Error;

/** SuppressedError where the runtime has it; otherwise an Error with the same fields */
export function suppressedError(error: unknown, suppressed: unknown): Error {
  const native = (globalThis as { SuppressedError?: SuppressedErrorConstructor }).SuppressedError;
  const message = 'an error was suppressed during disposal';
  if (typeof native === 'function') return new native(error, suppressed, message);
  return Object.assign(new Error(message), { name: 'SuppressedError', error, suppressed });
}

/**
 * what `await using` checks when it acquires: null and undefined are allowed and never disposed, a
 * value with neither dispose method is a TypeError before the body runs, not after it
 */
function disposable<R>(resource: R): R {
  if (resource === null || resource === undefined) return resource;
  const methods = resource as Partial<AsyncDisposable & Disposable>;
  if (typeof methods[asyncDispose] === 'function' || typeof methods[dispose] === 'function') return resource;
  throw new TypeError('the resource is not disposable: it has neither Symbol.asyncDispose nor Symbol.dispose');
}

async function disposeOf(resource: Usable): Promise<void> {
  if (resource === null || resource === undefined) return;
  const asyncFn = (resource as Partial<AsyncDisposable>)[asyncDispose];
  if (typeof asyncFn === 'function') await asyncFn.call(resource);
  else (resource as Disposable)[dispose]();
}

const NO_ERROR = Symbol('no error');

/** disposes in reverse order; a later error suppresses the earlier one, as `await using` does */
async function disposeAll(resources: readonly Usable[], pending: unknown): Promise<unknown> {
  let error = pending;
  for (let i = resources.length - 1; i >= 0; i--) {
    try {
      await disposeOf(resources[i]);
    } catch (disposalError) {
      error = error === NO_ERROR ? disposalError : suppressedError(disposalError, error);
    }
  }
  return error;
}

/** acquires each resource in order, runs fn with them, disposes them in reverse order however fn ends */
export type Acquirer = () => Usable | PromiseLike<Usable>;

export async function withResources<const A extends readonly Acquirer[], V>(
  acquirers: A,
  fn: (...resources: { -readonly [K in keyof A]: Awaited<ReturnType<A[K]>> }) => V | PromiseLike<V>,
): Promise<V> {
  const acquired: Usable[] = [];
  let error: unknown = NO_ERROR;
  let result: V | undefined;
  try {
    for (const acquire of acquirers) acquired.push(disposable(await acquire()));
    result = await fn(...(acquired as Parameters<typeof fn>));
  } catch (thrown) {
    error = thrown;
  }
  error = await disposeAll(acquired, error);
  if (error !== NO_ERROR) throw error;
  return result as V;
}

/** `await using resource = await acquire(); return fn(resource)` as a callback (no arrays: the common case) */
export async function withResource<R extends Usable, V>(
  acquire: () => R | PromiseLike<R>,
  fn: (resource: R) => V | PromiseLike<V>,
): Promise<V> {
  const resource = disposable(await acquire());
  let result: V;
  try {
    result = await fn(resource);
  } catch (error) {
    throw await disposeAll([resource], error);
  }
  await disposeOf(resource);
  return result;
}
