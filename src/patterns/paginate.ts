/**
 * paginate(): the seed's async generator over a paged API. Pages are fetched one at a time, on
 * demand; an empty page ends the sequence. However iteration ends (exhausted, early `break`, an
 * error from the source or from the consumer's loop body) the page source is closed exactly once.
 */
export interface PageSource<T> {
  /** the items of one page; an empty page means there are no more */
  fetchPage(page: number): Promise<readonly T[]> | readonly T[];
  /** releases the source (connection, cursor); called once when iteration ends for any reason */
  close?(): void | Promise<void>;
}

export async function* paginate<T>(source: PageSource<T>, firstPage = 1): AsyncGenerator<T, void, undefined> {
  try {
    for (let page = firstPage; ; page++) {
      const items = await source.fetchPage(page);
      if (items.length === 0) return;
      for (let i = 0; i < items.length; i++) yield items[i] as T;
    }
  } finally {
    await source.close?.();
  }
}
