/**
 * Async generators over a paginated source: ITEMS items are read from a page source that answers one
 * page of `pageSize` items per asynchronous fetch. One op reads every item; the harness divides its
 * time by ITEMS (itemsPerOp), so the figure is the time per item.
 *
 * Cases: patterns' paginate() (an async generator) read with `for await`, a manual page loop with
 * no generator (the baseline), and the runtime's built-in consumers of an async iterable
 * (ReadableStream.from, Array.fromAsync) over the same paginate() generator. verify also reads with
 * an early stop (break, cancel, a throwing mapFn) and checks that the page source was closed, once,
 * each time, and that no page was fetched before it was needed (counted in verify's runs only).
 */
import { defineScenario, type PageSource, paginate, type VerifyContext, withMethodReplaced } from 'asyncbench';

/** items read by one op */
export const ITEMS = 1000;
/** verify's early stop: after this many items (inside the first page for pageSize 10 and 100) */
const BREAK_AFTER = 5;

const ALL_ITEMS: readonly number[] = Array.from({ length: ITEMS }, (_, i) => i);

/** A paginated API: fetchPage(n) answers page n (from 1) asynchronously; an empty page ends it. */
export class Pages implements PageSource<number> {
  closed = false;

  constructor(private readonly pageSize: number) {}

  async fetchPage(page: number): Promise<readonly number[]> {
    if (this.closed) throw new Error('fetchPage on a closed page source');
    const start = (page - 1) * this.pageSize;
    return ALL_ITEMS.slice(start, start + this.pageSize);
  }

  close(): void {
    this.closed = true;
  }
}

/** What a read saw: how many items, how many out of order, and whether the source got closed. */
export class ReadLog {
  count = 0;
  outOfOrder = 0;

  constructor(
    readonly source: Pages,
    /** stop after this many items (Infinity: read all) */
    readonly limit: number,
  ) {}

  /** records an item; true when the reader should stop */
  accept(item: number): boolean {
    if (item !== this.count) this.outOfOrder++;
    return ++this.count >= this.limit;
  }
}

interface GeneratorState {
  pageSize: number;
  /** set by verify for one early-stopping run */
  breakAfter: number;
}

type Reader = (log: ReadLog) => Promise<void>;

/** Built-ins newer than the project's TypeScript lib (es2024); a runtime may lack them. */
type FromAsync = <T, U = T>(items: AsyncIterable<T>, mapFn?: (item: T) => U) => Promise<U[]>;
type StreamFrom = <T>(items: AsyncIterable<T>) => ReadableStream<T>;
const ArrayStatics = Array as unknown as { fromAsync?: FromAsync };
const StreamStatics = ReadableStream as unknown as { from?: StreamFrom };

const forAwait: Reader = async (log) => {
  for await (const item of paginate(log.source)) if (log.accept(item)) break;
};

const manualLoop: Reader = async (log) => {
  const { source } = log;
  try {
    for (let n = 1, page = await source.fetchPage(n); page.length > 0; page = await source.fetchPage(++n))
      for (const item of page) if (log.accept(item)) return;
  } finally {
    source.close();
  }
};

const readableStreamFrom: Reader = async (log) => {
  const reader = (StreamStatics.from as StreamFrom)(paginate(log.source)).getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    // cancel() returns the generator, which closes the source; it settles once that is done.
    if (log.accept(next.value)) return reader.cancel();
  }
};

/** thrown by the mapFn to stop Array.fromAsync early: it then closes the iterator, as for-await does */
const STOP = Symbol('stop');

const arrayFromAsync: Reader = async (log) => {
  const fromAsync = (ArrayStatics.fromAsync as FromAsync).bind(Array);
  if (log.limit === Number.POSITIVE_INFINITY) {
    for (const item of await fromAsync(paginate(log.source))) log.accept(item);
    return;
  }
  const stopAtLimit = (item: number) => {
    if (log.accept(item)) throw STOP;
    return item;
  };
  await fromAsync(paginate(log.source), stopAtLimit).catch((error: unknown) => {
    if (error !== STOP) throw error;
  });
};

/** the built-in a runtime may lack, and how to tell */
type Feature = readonly [name: string, present: () => boolean];

function readerCase(read: Reader, feature?: Feature) {
  return ({ state, skip }: { state: GeneratorState; skip: (reason: string) => never }) => {
    if (feature && !feature[1]()) skip(`${feature[0]} is not available on this runtime`);
    return async (): Promise<ReadLog> => {
      const log = new ReadLog(new Pages(state.pageSize), state.breakAfter);
      await read(log);
      return log;
    };
  };
}

/** What verify's read did to its page source: how many pages it fetched, how often it closed it. */
interface SourceUse {
  fetched: number;
  closes: number;
}

/**
 * Runs the op once, stopping after `breakAfter` items, with Pages' fetchPage and close counted for
 * that run only (the measured op is not touched).
 */
async function readOnce(
  ctx: VerifyContext<GeneratorState>,
  breakAfter: number,
): Promise<{ log: ReadLog; use: SourceUse }> {
  const use: SourceUse = { fetched: 0, closes: 0 };
  const countFetches = (fetchPage: Pages['fetchPage']) =>
    function (this: Pages, page: number) {
      use.fetched++;
      return fetchPage.call(this, page);
    };
  const countCloses = (close: Pages['close']) =>
    function (this: Pages) {
      use.closes++;
      close.call(this);
    };
  return withMethodReplaced(Pages.prototype, 'fetchPage', countFetches, () =>
    withMethodReplaced(Pages.prototype, 'close', countCloses, async () => {
      ctx.state.breakAfter = breakAfter;
      try {
        return { log: (await ctx.op()) as ReadLog, use };
      } finally {
        ctx.state.breakAfter = Number.POSITIVE_INFINITY;
      }
    }),
  );
}

/**
 * Pages a read may fetch beyond those it needs. None, on node, for every case; one is allowed since a
 * runtime's ReadableStream.from may pull one chunk ahead of its reader (the spec gives it a
 * highWaterMark of 0; the runtimes without a test here are not checked against it).
 */
const READ_AHEAD_PAGES = 1;

/**
 * Checks a read of `expected` items: each once and in order; the source closed exactly once; every
 * page that holds them fetched; and no page fetched long before it was needed (the pages that hold
 * `expected` items, plus the empty page that ends a full read, plus READ_AHEAD_PAGES). A reader
 * that fetched every page up front reads the same items in the same order and closes the source:
 * only the page count tells it from a generator that pages on demand. A reader that fetched nothing
 * (the items held ready, the source only closed) gets every other check right: only the lower bound
 * catches it.
 */
function checkRead({ log, use }: { log: ReadLog; use: SourceUse }, expected: number, pageSize: number, how: string) {
  if (log.count !== expected) throw new Error(`${how}: ${log.count} items read, expected ${expected}`);
  if (log.outOfOrder > 0) throw new Error(`${how}: ${log.outOfOrder} items out of order or repeated`);
  if (!log.source.closed) throw new Error(`${how}: the page source was left open`);
  if (use.closes !== 1) throw new Error(`${how}: the page source was closed ${use.closes} times, not once`);
  const needed = Math.ceil(expected / pageSize) + (expected === ITEMS ? 1 : 0);
  // fewer: items came from somewhere else than their pages (a reader that holds them ready)
  if (use.fetched < needed)
    throw new Error(
      `${how}: ${use.fetched} pages fetched for ${expected} items, ${needed} needed: items were read without fetching their pages`,
    );
  if (use.fetched > needed + READ_AHEAD_PAGES)
    throw new Error(
      `${how}: ${use.fetched} pages fetched for ${expected} items, ${needed} needed: pages were fetched before they were asked for`,
    );
}

async function verify(ctx: VerifyContext<GeneratorState>): Promise<void> {
  const { pageSize } = ctx.state;
  checkRead(await readOnce(ctx, Number.POSITIVE_INFINITY), ITEMS, pageSize, 'full read');
  checkRead(await readOnce(ctx, BREAK_AFTER), BREAK_AFTER, pageSize, 'early stop');
}

export default defineScenario<GeneratorState>({
  id: 'async-generators',
  title: 'Async generators over a paginated source',
  pattern: 'Async Generators',
  kind: 'micro',
  metric: { name: 'time per item', unit: 'ns', better: 'lower' },
  itemsPerOp: () => ITEMS,
  params: { pageSize: [1, 10, 100] },
  defaults: { pageSize: [10] },
  setup: ({ params }) => ({ pageSize: Number(params.pageSize), breakAfter: Number.POSITIVE_INFINITY }),
  cases: {
    'async generator': readerCase(forAwait),
    'manual page loop': readerCase(manualLoop),
    'ReadableStream.from': readerCase(readableStreamFrom, [
      'ReadableStream.from',
      () => typeof StreamStatics.from === 'function',
    ]),
    'Array.fromAsync': readerCase(arrayFromAsync, [
      'Array.fromAsync',
      () => typeof ArrayStatics.fromAsync === 'function',
    ]),
  },
  verify,
});
