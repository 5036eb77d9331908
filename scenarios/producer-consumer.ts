/**
 * Producer-consumer through a bounded queue: one producer moves ITEMS items to `consumers` consumers
 * through a queue of `maxsize` (0 = unbounded). One op moves the whole batch; the harness divides its
 * time by ITEMS (itemsPerOp), so the figure is the time per item (items/s = 1e9 / it).
 *
 * `consumer` picks the consumer's speed. 'fast' consumes at once: the figure is the queue's own cost.
 * 'slow' waits one event-loop turn per item (as a consumer waiting on I/O does) and every item carries
 * a ~1 KiB body, so a fast producer builds a backlog as deep as the queue lets it: the peak heap at
 * maxsize 10 against maxsize 0 shows whether the bound bounds memory. verify takes it in one extra
 * run that forces GC before each sample (so it is the live backlog, not garbage), and only where GC
 * can be forced. Heap figures are the engine's own and are not comparable across engines
 * (PITFALLS 7); compare them within one runtime.
 *
 * Each case reads its queue's own length after every enqueue (AsyncQueue size, the Web stream's
 * highWaterMark - desiredSize, node's readableLength) so verify can check the bound was never passed.
 * In a 'slow' cell verify also checks that the queue did fill up to maxsize (up to ITEMS / 2: the first
 * items go straight to waiting consumers), so the bound was really exercised: a fast cell never
 * fills the queue and would pass a queue that ignores maxsize. The default and --quick runs
 * therefore measure both consumers. And the producer must wait for room: verify counts the items
 * made and not yet consumed, which may be at most maxsize + consumers + 1 (the queue's, one in each
 * consumer's hands, the one being put); a producer whose puts are not awaited keeps its backlog in
 * waiting puts, where the queue's own length never shows it.
 */
import { Readable } from 'node:stream';
import { AsyncQueue, defineScenario, type RuntimeAdapter, type VerifyContext, withCallsCounted } from 'asyncbench';

/** items moved by one op */
export const ITEMS = 1000;
/** what an unbounded (maxsize 0) queue becomes where the API wants a number */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;
/** how often (in consumed items) the heap is collected and sampled during the instrumented run */
const HEAP_SAMPLE_EVERY = 50;

export interface Item {
  id: number;
  body: readonly number[];
}

const NO_BODY: readonly number[] = [];

/** What one op did: how often each item was consumed, and the longest the queue ever was. */
export class Tally {
  readonly seen = new Uint8Array(ITEMS);
  consumed = 0;
  maxQueued = 0;
  made = 0;
  /** the most items made and not yet consumed at once: where else than in the queue could they wait */
  maxAhead = 0;
  peakHeap = 0;
  /** the consumer loops that took at least one item */
  consumersUsed = 0;

  constructor(private readonly heap: RuntimeAdapter | undefined) {}

  observe(queued: number): void {
    if (queued > this.maxQueued) this.maxQueued = queued;
  }

  /** the producer makes an item: counted, so a producer that does not wait for room shows */
  make(id: number, slow: boolean): Item {
    if (++this.made - this.consumed > this.maxAhead) this.maxAhead = this.made - this.consumed;
    return makeItem(id, slow);
  }

  consume(item: Item): void {
    this.seen[item.id]++;
    if (++this.consumed % HEAP_SAMPLE_EVERY === 0 && this.heap) this.sampleHeap(this.heap);
  }

  /** the live heap: collected first, so consumed items (garbage by now) do not count */
  private sampleHeap(runtime: RuntimeAdapter): void {
    runtime.gc();
    const used = runtime.memory().heapUsed;
    if (used > this.peakHeap) this.peakHeap = used;
  }
}

interface PcState {
  runtime: RuntimeAdapter;
  maxsize: number;
  consumers: number;
  slow: boolean;
  /** set by verify for one instrumented run: consumers then sample the heap */
  sampleHeap: boolean;
}

function makeItem(id: number, slow: boolean): Item {
  return { id, body: slow ? new Array<number>(128).fill(id) : NO_BODY };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type Next = () => Promise<{ done?: boolean; value?: Item }>;

/** Runs `consumers` loops that share one `next` (a reader's read, an iterator's next) until it is done. */
async function consumeAll(state: PcState, tally: Tally, next: Next): Promise<void> {
  const loop = async () => {
    let taken = 0;
    for (let result = await next(); !result.done; result = await next(), taken++) {
      tally.consume(result.value as Item);
      if (state.slow) await nextTurn();
    }
    if (taken > 0) tally.consumersUsed++;
  };
  await Promise.all(Array.from({ length: state.consumers }, loop));
}

function newTally(state: PcState): Tally {
  return new Tally(state.sampleHeap ? state.runtime : undefined);
}

async function viaAsyncQueue(state: PcState): Promise<Tally> {
  const tally = newTally(state);
  const queue = new AsyncQueue<Item>(state.maxsize);
  const produce = async () => {
    for (let id = 0; id < ITEMS; id++) {
      await queue.put(tally.make(id, state.slow));
      tally.observe(queue.size);
    }
    queue.close();
  };
  const iterator = queue[Symbol.asyncIterator]();
  await Promise.all([produce(), consumeAll(state, tally, () => iterator.next())]);
  return tally;
}

async function viaWebStream(state: PcState): Promise<Tally> {
  const tally = newTally(state);
  const highWaterMark = state.maxsize === 0 ? UNBOUNDED : state.maxsize;
  let next = 0;
  const stream = new ReadableStream<Item>(
    {
      // The stream calls pull only while its queue is below highWaterMark: that is its backpressure.
      pull(controller) {
        controller.enqueue(tally.make(next++, state.slow));
        tally.observe(highWaterMark - (controller.desiredSize ?? 0));
        if (next === ITEMS) controller.close();
      },
    },
    new CountQueuingStrategy({ highWaterMark }),
  );
  const reader = stream.getReader();
  await consumeAll(state, tally, () => reader.read());
  return tally;
}

async function viaNodeStream(state: PcState): Promise<Tally> {
  const tally = newTally(state);
  let next = 0;
  const readable = new Readable({
    objectMode: true,
    // read() asks the source for more while the buffer, still holding the item it is about to hand
    // out, is below highWaterMark, so the buffer peaks at highWaterMark + 1: maxsize - 1 bounds it to maxsize.
    highWaterMark: state.maxsize === 0 ? UNBOUNDED : state.maxsize - 1,
    read() {
      this.push(tally.make(next++, state.slow));
      tally.observe(this.readableLength);
      if (next === ITEMS) this.push(null);
    },
  });
  // The stream's async iterator serialises concurrent next() calls, so consumers can share it.
  const iterator = readable[Symbol.asyncIterator]() as AsyncIterator<Item>;
  await consumeAll(state, tally, () => iterator.next());
  return tally;
}

function pcCase(run: (state: PcState) => Promise<Tally>) {
  return ({ state }: { state: PcState }) =>
    () =>
      run(state);
}

/** the backlog a slow cell must build: maxsize, or half the batch where maxsize is larger */
function slowFill(maxsize: number): number {
  return Math.min(maxsize, ITEMS / 2);
}

export function checkTally(tally: Tally, maxsize: number, consumers: number, slow: boolean): void {
  if (tally.consumed !== ITEMS) throw new Error(`${tally.consumed} items consumed out of ${ITEMS}`);
  const wrong = tally.seen.findIndex((count) => count !== 1);
  if (wrong >= 0) throw new Error(`item ${wrong} was consumed ${tally.seen[wrong]} times`);
  if (maxsize > 0 && tally.maxQueued > maxsize)
    throw new Error(`the queue held ${tally.maxQueued} items, maxsize is ${maxsize}`);
  // made and not consumed: at most the queue's, one in each consumer's hands and the one being put.
  // A producer that does not wait for room (puts not awaited) keeps its backlog in waiting puts,
  // where the queue's length never shows it (the seed: "producer blocks when queue is full")
  const ahead = maxsize + consumers + 1;
  if (maxsize > 0 && tally.maxAhead > ahead)
    throw new Error(
      `the producer ran ${tally.maxAhead} items ahead of the consumers, with maxsize ${maxsize} and ${consumers} consumers at most ${ahead}: it did not wait for room`,
    );
  // a slow consumer lets the producer run ahead: the queue must fill to its bound, or the bound was
  // never tested (backpressure not exercised)
  if (slow && maxsize > 0 && tally.maxQueued < slowFill(maxsize))
    throw new Error(
      `with slow consumers the queue held at most ${tally.maxQueued} items, never ${slowFill(maxsize)} (maxsize ${maxsize}): backpressure was not exercised`,
    );
}

/**
 * One more run with the consumers sampling the live heap: its peak above the heap in use before.
 * Undefined where GC cannot be forced: heapUsed would then count garbage, not the backlog.
 */
async function peakHeap(ctx: VerifyContext<PcState>): Promise<number | undefined> {
  if (!ctx.runtime.gc()) return undefined;
  const before = ctx.runtime.memory().heapUsed;
  ctx.state.sampleHeap = true;
  try {
    const tally = (await ctx.op()) as Tally;
    checkTally(tally, ctx.state.maxsize, ctx.state.consumers, ctx.state.slow);
    return Math.max(0, tally.peakHeap - before);
  } finally {
    ctx.state.sampleHeap = false;
  }
}

async function verify(ctx: VerifyContext<PcState>): Promise<void> {
  // a tally kept from an earlier call is right in every count it holds: only this tells it ran
  const { value, calls: consumed } = await withCallsCounted(Tally.prototype, 'consume', ctx.op);
  const tally = value as Tally;
  if (consumed !== ITEMS)
    throw new Error(`verify's run consumed ${consumed} of ${ITEMS} items: the op moved none of its own`);
  checkTally(tally, ctx.state.maxsize, ctx.state.consumers, ctx.state.slow);
  // every consumer takes part (each is waiting when the first items come): a case that ran one
  // consumer loop whatever `consumers` says moves every item once, and measures another cell
  if (tally.consumersUsed !== ctx.state.consumers)
    throw new Error(`${tally.consumersUsed} of the ${ctx.state.consumers} consumers took an item`);
  ctx.record('peak queue length', tally.maxQueued, 'items');
  const heap = await peakHeap(ctx);
  if (heap !== undefined) ctx.record('peak heap', heap, 'B');
}

export default defineScenario<PcState>({
  id: 'producer-consumer',
  title: 'Producer-consumer through a bounded queue',
  pattern: 'Producer-Consumer with Queues',
  kind: 'micro',
  metric: { name: 'time per item', unit: 'ns', better: 'lower' },
  itemsPerOp: () => ITEMS,
  // maxsize 0 (unbounded) is the reference the bound is judged against.
  params: { maxsize: [1, 10, 100, 1000, 0], consumers: [1, 3, 8], consumer: ['fast', 'slow'] },
  // 'slow' fills the queue: the only cells where maxsize is exercised
  defaults: { maxsize: [10, 0], consumers: [3], consumer: ['fast', 'slow'] },
  quick: { maxsize: [10] },
  setup: ({ params, runtime }) => ({
    runtime,
    maxsize: Number(params.maxsize),
    consumers: Number(params.consumers),
    slow: params.consumer === 'slow',
    sampleHeap: false,
  }),
  cases: {
    AsyncQueue: pcCase(viaAsyncQueue),
    'Web Streams': pcCase(viaWebStream),
    'node:stream': pcCase(viaNodeStream),
  },
  verify,
});
