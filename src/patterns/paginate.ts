/**
 * paginate(): the seed's async generator over a paged API. Pages are fetched one at a time, on
 * demand; an empty page ends the sequence. Once iteration has begun (the first next()), however it
 * ends (exhausted, early `break`, an error from the source or from the consumer's loop body) the
 * page source is closed exactly once. Before that it is not touched: a generator returned (or
 * thrown into) before its first next() never runs its finally, so it neither fetches nor closes, and
 * the source stays the caller's to close (docs/patterns.md). An error of close() after a fetch error
 * is a SuppressedError of the two, as `await using` gives.
 */
import { suppressedError } from './resource.js';

export interface PageSource<T> {
  /** the items of one page; an empty page means there are no more */
  fetchPage(page: number): Promise<readonly T[]> | readonly T[];
  /** releases the source (connection, cursor); called once when iteration, once begun, ends for any reason */
  close?(): void | Promise<void>;
}

export async function* paginate<T>(source: PageSource<T>, firstPage = 1): AsyncGenerator<T, void, undefined> {
  let failure: { error: unknown } | undefined;
  try {
    for (let page = firstPage; ; page++) {
      const items = await source.fetchPage(page);
      if (items.length === 0) return;
      for (let i = 0; i < items.length; i++) yield items[i] as T;
    }
  } catch (error) {
    failure = { error };
    throw error;
  } finally {
    try {
      await source.close?.();
    } catch (closeError) {
      // a fetch error is not lost to a close error: combined as `await using` combines them
      // biome-ignore lint/correctness/noUnsafeFinally: the close error is the generator's outcome, with the fetch error in it
      throw failure === undefined ? closeError : suppressedError(closeError, failure.error);
    }
  }
}
