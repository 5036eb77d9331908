/**
 * Faults the verifies of event-loop-lag, worker-messaging and db-pool once let through, each broken
 * on purpose here: a lag probe blind to a blocked loop, a "worker" that echoes on the main thread,
 * a round trip answered from an earlier one, and a transaction whose statement ran on another connection than the one it held.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import eventLoopLag, { type State as LagState } from '../../scenarios/event-loop-lag.js';
import workerMessaging from '../../scenarios/worker-messaging.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import type { WorkerHandle } from '../../src/runtimes/types.js';
import { type Op, withMethodReplaced } from '../../src/scenario.js';
import type { EchoMessage } from '../../src/workers/messaging-payload.js';
import { keptFirstResult, runCell } from './scenarios-structured-context.js';

afterEach(() => vi.restoreAllMocks());

describe('event-loop-lag verify sees a blocked loop', () => {
  it('passes the real probe', async () => {
    const result = await runCell(eventLoopLag, 'timer', { workers: 0 }, { calls: 5 });
    expect(result.status).toBe('ok');
  });

  it('fails a probe that reads the clock only when its timer fires: it sees no lag however long the loop was held', async () => {
    const blind = (_op: Op, state: unknown): Op => {
      const { lags } = state as LagState;
      return () =>
        new Promise<number>((resolve) => {
          setTimeout(() => {
            const fired = performance.now();
            const lag = Math.max(0, performance.now() - fired);
            lags.push(lag);
            resolve(lag);
          }, 5);
        });
    };
    await expect(runCell(eventLoopLag, 'timer', { workers: 0 }, { calls: 5, breakOp: blind })).rejects.toThrow(
      /held the event loop/,
    );
  });
});

/**
 * A "worker" that is no thread: the echo worker's answers (ready, echo, transfer) given from the
 * main thread's own event loop, with structured clones and transfers as a real port makes them.
 * It cannot serve the shared handoff: nothing runs while the main thread waits in Atomics.wait.
 */
function inThreadEchoWorker(): WorkerHandle {
  let listener: ((message: unknown) => void) | undefined;
  const reply = (message: unknown, transfer: Transferable[] = []) => {
    const copy = structuredClone(message, { transfer });
    setTimeout(() => listener?.(copy), 0);
  };
  reply('ready');
  return {
    postMessage(message, transfer = []) {
      const m = structuredClone(message, { transfer }) as EchoMessage;
      if (m.kind === 'echo') reply(m.data);
      else if (m.kind === 'transfer') reply(m.data, [m.data]);
    },
    onMessage(l) {
      listener = l;
    },
    onError() {},
    terminate: async () => {
      listener = undefined;
    },
  };
}

/** A breakOp: the first round trip's answer kept; every later op posts its worker a message without the payload. */
function postsSomethingElse(op: Op, state: unknown): Op {
  let first: unknown;
  return async () => {
    if (first !== undefined) {
      const { worker } = state as { worker: WorkerHandle };
      const elsewise = (post: WorkerHandle['postMessage']) =>
        function (this: WorkerHandle) {
          return post.call(this, { kind: 'echo', data: 0 } satisfies EchoMessage);
        };
      await withMethodReplaced(worker, 'postMessage', elsewise, op);
      return first;
    }
    first = await op();
    return first;
  };
}

describe('worker-messaging verify: the round trip crosses threads', () => {
  /** the real echo worker, built (scripts/build.js), in place of the path the source scenario names */
  async function builtEchoWorker() {
    const runtime = await currentRuntime();
    const spawn = runtime.spawnWorker;
    const built = new URL('../../dist/workers/echo-worker.js', import.meta.url);
    vi.spyOn(runtime, 'spawnWorker').mockImplementation((_module, options) => spawn(built, options));
  }

  for (const caseName of ['startup', 'clone-bytes', 'clone-object', 'transfer', 'shared'])
    it(`${caseName}: passes the echo worker on its thread`, async () => {
      await builtEchoWorker();
      const result = await runCell(workerMessaging, caseName, { payload: 64 }, { calls: 5 });
      expect(result.status).toBe('ok');
    });

  for (const caseName of ['clone-bytes', 'clone-object', 'shared'])
    it(`${caseName}: fails an op that returns the answer of an earlier round trip`, async () => {
      // intact, and the worker is on its thread: only what the op sent it tells
      await builtEchoWorker();
      await expect(
        runCell(workerMessaging, caseName, { payload: 64 }, { calls: 5, breakOp: keptFirstResult }),
      ).rejects.toThrow(
        new RegExp(`${caseName}: the op did not send its worker the payload: its answer did not come from it`),
      );
    });

  for (const caseName of ['clone-bytes', 'clone-object'])
    it(`${caseName}: fails an op that posts its worker something else and answers with a copy it kept`, async () => {
      // a review's variant, 6x faster at 1 MiB than the real round trip: the worker gets a message,
      // and the answer is a copy, intact and not the op's own payload
      await builtEchoWorker();
      await expect(
        runCell(workerMessaging, caseName, { payload: 64 }, { calls: 5, breakOp: postsSomethingElse }),
      ).rejects.toThrow(`${caseName}: the op did not send its worker the payload`);
    });

  for (const caseName of ['startup', 'clone-bytes', 'clone-object', 'transfer'])
    it(`${caseName}: fails a worker that answers from the main thread`, async () => {
      const runtime = await currentRuntime();
      vi.spyOn(runtime, 'spawnWorker').mockImplementation(inThreadEchoWorker);
      await expect(runCell(workerMessaging, caseName, { payload: 64 }, { calls: 5 })).rejects.toThrow(
        /not on a thread of its own/,
      );
    });
});
