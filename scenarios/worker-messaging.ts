/**
 * What talking to a worker costs (the price of the seed's `to_thread` hand-off): worker startup, and
 * one round trip of a payload of `payload` bytes to a worker and back, by
 * - clone-bytes: a Uint8Array, structured-cloned both ways (a copy each way);
 * - clone-object: an array of small records of about the same JSON size (clone cost depends on the
 *   payload's shape, and Bun has fast paths for some shapes: PITFALLS 9);
 * - transfer: an ArrayBuffer moved both ways in the transfer list (no copy; the buffer detaches);
 * - shared: a SharedArrayBuffer both sides hold; a round trip is a state flip with
 *   Atomics.notify and a wait for the answer with Atomics.wait (the main thread blocks, as a
 *   synchronous handoff does), and no payload moves at all.
 * startup: one op spawns a worker, awaits its first message and terminates it (on deno this includes
 * the adapter's init handshake: one more message each way). It does not depend on the payload, so it
 * runs at payload=64 only and is skipped at the other sizes.
 * verify checks that the data arrives intact: the echo equals what was sent, and for the shared
 * buffer the worker's checksum of the bytes equals the main thread's. For transfer it also checks
 * that the buffer really moved: the op returns the buffer that came back, which the next op sends,
 * so after one more op that buffer must be detached (byteLength 0); a copy would leave it whole.
 * verify's run counts the messages the op posts its worker that carry its payload (an answer kept
 * from an earlier round trip is intact too, and so is a copy the op kept after posting something
 * else), and a clone's answer must be a copy, not the object the op sent. And the round trip must cross threads: an echo answered from the main thread's own
 * event loop passes all of the above. So for clone-bytes, clone-object and transfer, verify hands the case's
 * worker a shared buffer and blocks the main thread in Atomics.wait for its answer (at most
 * THREAD_PROBE_MS): only a worker running on a thread of its own can answer then. (The shared
 * case's op is that wait itself; startup's op spawns and terminates its worker, so verify probes it
 * in one more run with spawnWorker wrapped, as the op terminates it.)
 */
import {
  type CaseContext,
  checksum,
  defineScenario,
  type EchoMessage,
  fillPattern,
  hasPattern,
  nextTurn,
  patternBytes,
  payloadRecords,
  SHARED_HEADER_BYTES,
  SharedState,
  type VerifyContext,
  type WorkerHandle,
  withCallsCounted,
  withMethodReplaced,
} from 'asyncbench';

const ECHO_WORKER = new URL('../workers/echo-worker.js', import.meta.url);
const STARTUP_PAYLOAD = 64;
/** verify's thread probe: how long the main thread waits, blocked, for the worker's answer */
const THREAD_PROBE_MS = 5000;

interface State {
  /** how the case's last answer is checked */
  check?: (answer: unknown) => boolean;
  /** whether a message the op posts carries the payload (clone and transfer cases) */
  carries?: (message: unknown) => boolean;
  stop?: () => Promise<void>;
  /** verify's probe of the case's worker: did it answer while the main thread was blocked? */
  answersWhileBlocked?: () => Promise<boolean>;
  /** the case's echo worker, for verify to count what the op sends it */
  worker?: WorkerHandle;
}

/**
 * Puts the echo worker in its shared-buffer handoff and pings it with the main thread blocked in
 * Atomics.wait: a worker on a thread of its own answers; one on the main thread cannot run until
 * the wait gives up. A worker that answered is sent back to echoing (it says 'stopped').
 */
async function answersWhileBlocked(worker: WorkerHandle, next: () => Promise<unknown>): Promise<boolean> {
  const state = new Int32Array(new SharedArrayBuffer(SHARED_HEADER_BYTES), 0, 2);
  worker.postMessage({ kind: 'shared', buffer: state.buffer as SharedArrayBuffer } satisfies EchoMessage);
  await nextTurn(); // the message may need a turn of this loop to leave
  Atomics.store(state, 0, SharedState.ping);
  Atomics.notify(state, 0);
  const deadline = performance.now() + THREAD_PROBE_MS;
  for (let left = THREAD_PROBE_MS; Atomics.load(state, 0) !== SharedState.idle && left > 0; ) {
    Atomics.wait(state, 0, SharedState.ping, left);
    left = deadline - performance.now();
  }
  if (Atomics.load(state, 0) !== SharedState.idle) return false;
  const stopped = next();
  Atomics.store(state, 0, SharedState.stop);
  Atomics.notify(state, 0);
  await stopped;
  return true;
}

/**
 * startup's op spawns its worker and terminates it, so nothing is left to probe after it: one more
 * run with the adapter's spawnWorker wrapped (for that run only) probes the worker the op started,
 * as the op terminates it. The timed op is not touched.
 */
async function startupAnswersWhileBlocked(ctx: VerifyContext<State>): Promise<boolean> {
  const runtime = ctx.runtime;
  let probe: Promise<boolean> | undefined;
  const probeAtTerminate =
    (spawnWorker: typeof runtime.spawnWorker): typeof runtime.spawnWorker =>
    (module, options) => {
      const worker = spawnWorker.call(runtime, module, options);
      const terminate = worker.terminate.bind(worker);
      worker.terminate = async () => {
        let waiting: ((message: unknown) => void) | undefined;
        worker.onMessage((message) => waiting?.(message));
        probe = answersWhileBlocked(worker, () => new Promise((resolve) => (waiting = resolve)));
        await probe;
        await terminate();
      };
      return worker;
    };
  await withMethodReplaced(runtime, 'spawnWorker', probeAtTerminate, () => ctx.op());
  if (probe === undefined) throw new Error('startup: the op terminated no worker it started with spawnWorker');
  return await probe;
}

/** A worker that has said it is ready, and a way to await its next message. */
async function startEchoWorker(ctx: CaseContext<State>) {
  const worker = ctx.runtime.spawnWorker(ECHO_WORKER);
  let waiter: { resolve: (message: unknown) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  worker.onMessage((message) => {
    const current = waiter;
    waiter = undefined;
    current?.resolve(message);
  });
  worker.onError((error) => {
    failure = error;
    waiter?.reject(error);
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      if (failure) reject(failure);
      else waiter = { resolve, reject };
    });
  await next();
  ctx.state.worker = worker;
  ctx.state.stop = () => worker.terminate();
  ctx.state.answersWhileBlocked = () => answersWhileBlocked(worker, next);
  return { worker, next };
}

const size = (ctx: CaseContext<State>) => Number(ctx.params.payload);

function sameRecords(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Runs the op once counting what it sends its worker: messages posted that carry the payload (looked
 * at before they leave: a transferred buffer detaches), or for shared the notifies that wake it. An
 * answer kept from an earlier round trip is intact too, and so is one the op kept of its own payload
 * after posting the worker something else: only this tells the payload made the trip.
 */
async function countSends(ctx: VerifyContext<State>): Promise<{ value: unknown; calls: number }> {
  if (ctx.caseName === 'shared') return withCallsCounted(Atomics, 'notify', ctx.op);
  const { worker, carries } = ctx.state;
  if (worker === undefined || carries === undefined)
    throw new Error(`${ctx.caseName}: the case left verify no worker to watch`);
  let calls = 0;
  const watched = (post: WorkerHandle['postMessage']) =>
    function (this: WorkerHandle, ...args: Parameters<WorkerHandle['postMessage']>) {
      if (carries(args[0])) calls++;
      return post.apply(this, args);
    };
  const value = await withMethodReplaced(worker, 'postMessage', watched, ctx.op);
  return { value, calls };
}

/** `next` is what the transfer op returned: the buffer its next call sends, in the transfer list. */
async function checkTransferred(ctx: VerifyContext<State>, next: unknown): Promise<void> {
  if (!(next instanceof ArrayBuffer)) throw new Error('transfer: the op did not return the ArrayBuffer it sends next');
  const bytes = next.byteLength;
  const answer = await ctx.op();
  if (next.byteLength !== 0)
    throw new Error(
      `transfer: the buffer the op sent still holds ${next.byteLength} of its ${bytes} bytes after postMessage: it was copied, not transferred`,
    );
  if (!ctx.state.check?.(answer)) throw new Error('transfer: the payload did not arrive intact');
}

export default defineScenario<State>({
  id: 'worker-messaging',
  title: 'Worker startup and message round trips',
  pattern: 'Free-Threaded Python 3.13',
  kind: 'micro',
  params: { payload: [64, 65536, 1048576] },
  defaults: { payload: [64, 65536] },
  quick: { payload: [64] },
  metric: { name: 'round-trip time', unit: 'ns', better: 'lower' },
  // a worker start is not a round trip: reports rank it in a group of its own
  caseMetrics: { startup: { name: 'time per worker start', unit: 'ns', better: 'lower' } },
  requires: ['workers'],
  setup: () => ({}),
  cases: {
    startup: (ctx) => {
      if (size(ctx) !== STARTUP_PAYLOAD)
        ctx.skip(`startup does not depend on the payload: measured at payload=${STARTUP_PAYLOAD}`);
      return async () => {
        const worker = ctx.runtime.spawnWorker(ECHO_WORKER);
        const first = await new Promise<unknown>((resolve, reject) => {
          worker.onMessage(resolve);
          worker.onError(reject);
        });
        await worker.terminate();
        return first;
      };
    },
    'clone-bytes': async (ctx) => {
      const { worker, next } = await startEchoWorker(ctx);
      const data = patternBytes(size(ctx));
      // a copy that came back, not the bytes the op holds
      ctx.state.check = (answer) => answer instanceof Uint8Array && answer !== data && hasPattern(answer, size(ctx));
      ctx.state.carries = (m) => (m as { data?: unknown }).data === data;
      return () => {
        worker.postMessage({ kind: 'echo', data } satisfies EchoMessage);
        return next();
      };
    },
    'clone-object': async (ctx) => {
      const { worker, next } = await startEchoWorker(ctx);
      const data = payloadRecords(size(ctx));
      ctx.state.check = (answer) => answer !== data && sameRecords(answer, data);
      ctx.state.carries = (m) => (m as { data?: unknown }).data === data;
      return () => {
        worker.postMessage({ kind: 'echo', data } satisfies EchoMessage);
        return next();
      };
    },
    transfer: async (ctx) => {
      const { worker, next } = await startEchoWorker(ctx);
      let buffer = patternBytes(size(ctx)).buffer as ArrayBuffer;
      ctx.state.check = (answer) => answer instanceof ArrayBuffer && hasPattern(new Uint8Array(answer), size(ctx));
      ctx.state.carries = (m) => (m as { data?: unknown }).data === buffer && buffer.byteLength === size(ctx);
      return async () => {
        worker.postMessage({ kind: 'transfer', data: buffer } satisfies EchoMessage, [buffer]);
        // the sent buffer is detached now; the one that comes back is the next op's
        buffer = (await next()) as ArrayBuffer;
        return buffer;
      };
    },
    shared: async (ctx) => {
      const { worker, next } = await startEchoWorker(ctx);
      const buffer = new SharedArrayBuffer(SHARED_HEADER_BYTES + size(ctx));
      const state = new Int32Array(buffer, 0, 2);
      const data = fillPattern(new Uint8Array(buffer, SHARED_HEADER_BYTES));
      worker.postMessage({ kind: 'shared', buffer } satisfies EchoMessage);
      ctx.state.answersWhileBlocked = undefined; // the op's own round trip is an answer to a blocked thread
      const roundTrip = (command: number) => {
        Atomics.store(state, 0, command);
        Atomics.notify(state, 0);
        while (Atomics.load(state, 0) !== SharedState.idle) Atomics.wait(state, 0, command);
        return state[1];
      };
      ctx.state.check = () => roundTrip(SharedState.check) === checksum(data);
      ctx.state.stop = async () => {
        const stopped = next();
        Atomics.store(state, 0, SharedState.stop);
        Atomics.notify(state, 0);
        await stopped;
        await worker.terminate();
      };
      return () => roundTrip(SharedState.ping);
    },
  },
  verify: async (ctx) => {
    if (ctx.caseName === 'startup') {
      const answer = await ctx.op();
      if (answer !== 'ready') throw new Error(`the worker's first message was ${JSON.stringify(answer)}, not 'ready'`);
      if (!(await startupAnswersWhileBlocked(ctx)))
        throw new Error(
          `startup: the worker did not answer within ${THREAD_PROBE_MS} ms while the main thread was blocked: it is not on a thread of its own`,
        );
      return;
    }
    const { value: answer, calls: sent } = await countSends(ctx);
    if (!ctx.state.check?.(answer)) throw new Error(`${ctx.caseName}: the payload did not arrive intact`);
    if (sent === 0)
      throw new Error(`${ctx.caseName}: the op did not send its worker the payload: its answer did not come from it`);
    if (ctx.caseName === 'transfer') await checkTransferred(ctx, answer);
    if (ctx.caseName !== 'shared') {
      const probe = ctx.state.answersWhileBlocked;
      if (probe === undefined) throw new Error(`${ctx.caseName}: the case left verify no way to probe its worker`);
      if (!(await probe()))
        throw new Error(
          `${ctx.caseName}: the worker did not answer within ${THREAD_PROBE_MS} ms while the main thread was blocked: it is not on a thread of its own`,
        );
    }
  },
  teardown: async (ctx) => {
    await ctx.state.stop?.();
  },
});
