import { describe, expect, it } from 'vitest';
import eventLoopLag, { type State as LagState } from '../../scenarios/event-loop-lag.js';
import workerMessaging from '../../scenarios/worker-messaging.js';
import workers, { peakAtOnce, type State } from '../../scenarios/workers.js';
import type { Op, VerifyContext } from '../../src/scenario.js';
import { hashChain, TASK_ROUNDS } from '../../src/workers/cpu-kernel.js';
import { hasPattern, patternBytes } from '../../src/workers/messaging-payload.js';

/** two workers' tasks side by side: [0, 3] and [1, 4] ms, then [3, 6] and [4, 7] */
const PARALLEL = [0, 3, 1, 4, 3, 6, 4, 7];
/** the same tasks one after the other: each starts when the one before ended */
const SERIAL = [0, 3, 3, 6, 6, 9, 9, 12];

/** verify of the workers scenario on a hand-made state (the cases need built worker modules) */
function verifyWith(workersParam: number | string, state: Partial<State>, cores = 2) {
  const records: Record<string, number> = {};
  const full: State = {
    expected: [hashChain(0, TASK_ROUNDS)],
    taskMs: 1,
    checked: 10,
    wrong: 0,
    workersSeen: new Set(['a', 'b']),
    spans: PARALLEL,
    close: async () => {},
    ...state,
  };
  const ctx = {
    params: { workers: workersParam },
    runtime: { cpus: () => cores },
    state: full,
    record: (name: string, value: number) => {
      records[name] = value;
    },
  } as unknown as VerifyContext<State>;
  return { run: async () => workers.verify?.(ctx), records };
}

describe('workers scenario verify', () => {
  it('passes when tasks ran in parallel on every worker, recording how many answered and ran at once', async () => {
    const { run, records } = verifyWith(2, {});
    await run();
    expect(records['workers used']).toBe(2);
    expect(records['peak tasks at once']).toBe(2);
    await verifyWith(1, { workersSeen: new Set(['only']), spans: SERIAL }).run();
  });

  it('fails a pool that ran every task on one worker although it has several', async () => {
    await expect(verifyWith(2, { workersSeen: new Set(['only']) }).run()).rejects.toThrow(/ran on 1 of the 2 workers/);
    await expect(verifyWith('cores', { workersSeen: new Set(['only']) }).run()).rejects.toThrow(
      /1 of the 2 workers: not spread over all/,
    );
  });

  it('fails a pool that left some of its workers idle', async () => {
    await expect(verifyWith(4, {}).run()).rejects.toThrow(/10 tasks ran on 2 of the 4 workers/);
    // fewer tasks than workers: each task on a worker of its own is all one can ask
    await verifyWith(4, { checked: 2 }).run();
  });

  it('fails workers that took turns: every worker used, never two tasks at once', async () => {
    // the audit's serial round robin: N single-thread pools behind one mutex
    await expect(verifyWith(2, { spans: SERIAL }).run()).rejects.toThrow(
      /10 tasks on 2 workers never ran two at once: the workers took turns/,
    );
  });

  it('fails a pool that ran fewer tasks at once than it has workers and cores: some kept waiting', async () => {
    // 4 workers on 4 cores, every worker used, but only two tasks ever at once: a pool capped below its size
    const fourWorkers = new Set(['a', 'b', 'c', 'd']);
    await expect(verifyWith(4, { workersSeen: fourWorkers, spans: PARALLEL }, 4).run()).rejects.toThrow(
      /10 tasks on 4 workers \(4 cores\) never ran more than 2 at once, not 4: the pool ran fewer tasks in parallel/,
    );
    // on 2 cores, two at once is all the parallelism there is
    await verifyWith(4, { workersSeen: fourWorkers, spans: PARALLEL }, 2).run();
    const fourAtOnce = [0, 3, 1, 4, 1, 4, 2, 5];
    await verifyWith(4, { workersSeen: fourWorkers, spans: fourAtOnce }, 4).run();
  });

  it('fails workers that answer from a cache of the hashes they computed: right hashes, in microseconds', async () => {
    // the first round computed (3 ms, two at once, as PARALLEL), the rest answered at once
    const cached = [...PARALLEL, ...[7, 7.002, 7.01, 7.012, 7.02, 7.022, 7.03, 7.032, 7.04, 7.042, 7.05, 7.052]];
    await expect(verifyWith(2, { spans: cached }).run()).rejects.toThrow(
      /a task took 0.002 ms in its worker \(median\), the main thread's fastest 1.000 ms: the workers did not do the work/,
    );
    // as long as the main thread's fastest run, or slower (a loaded machine): the work was done
    await verifyWith(2, { spans: PARALLEL, taskMs: 3 }).run();
    await verifyWith(2, { spans: PARALLEL, taskMs: 20 }).run();
  });

  it('counts the tasks running at once from their spans; touching spans do not overlap', () => {
    expect(peakAtOnce(PARALLEL)).toBe(2);
    expect(peakAtOnce(SERIAL)).toBe(1);
    expect(peakAtOnce([0, 10, 1, 9, 2, 8, 9.5, 11])).toBe(3);
    expect(peakAtOnce([])).toBe(0);
  });

  it('fails wrong hashes and an empty run', async () => {
    await expect(verifyWith(2, { wrong: 1 }).run()).rejects.toThrow(/wrong hash/);
    await expect(verifyWith(2, { checked: 0 }).run()).rejects.toThrow(/no task/);
  });
});

describe('event-loop-lag scenario verify', () => {
  async function lagVerify(state: Partial<LagState>) {
    const full: LagState = {
      lags: [0.2, 0.4],
      tasksDone: 20,
      wrong: 0,
      expected: [],
      // 50 ms of load at 10 ms a task: 20 tasks are 4x what one thread could do, whatever the test's pauses
      loadStartedAt: performance.now() - 50,
      stopLoad: async () => {},
      taskMs: 10,
      loadThreads: 1,
      ...state,
    };
    // the timer case's tick, as verify's blocked-loop probe runs it once more
    const op: Op = () =>
      new Promise<number>((resolve) => {
        const due = performance.now() + 5;
        setTimeout(() => {
          const lag = Math.max(0, performance.now() - due);
          full.lags.push(lag);
          resolve(lag);
        }, 5);
      });
    const ctx = {
      state: full,
      runtime: { now: () => performance.now() },
      record: () => {},
      op,
    } as unknown as VerifyContext<LagState>;
    return eventLoopLag.verify?.(ctx);
  }

  it('passes a load whose every task returned the right hash', async () => {
    await lagVerify({});
  });

  it('fails a CPU load whose tasks returned wrong hashes (workers that skipped their rounds)', async () => {
    await expect(lagVerify({ wrong: 20 })).rejects.toThrow(/20 of 20 CPU tasks returned a wrong hash/);
  });

  it('fails a CPU load that stopped early: a twentieth of what its threads could do, at least', async () => {
    // ten seconds of load at 10 ms a task: one thread could do 1 000, so 2 (a loop that ran once) is too few
    const tenSecondsAgo = performance.now() - 10_000;
    await expect(lagVerify({ tasksDone: 2, loadStartedAt: tenSecondsAgo })).rejects.toThrow(
      /the CPU load did 2 tasks in 10\d{3} ms, under a twentieth of the 10\d\d its 1 thread\(s\) could do/,
    );
    // two workers could do twice as much: 80 is too few for them, enough for one
    await expect(lagVerify({ tasksDone: 80, loadStartedAt: tenSecondsAgo, loadThreads: 2 })).rejects.toThrow(
      /its 2 thread\(s\) could do/,
    );
    await lagVerify({ tasksDone: 80, loadStartedAt: tenSecondsAgo });
  });
});

describe('worker-messaging scenario verify: transfer', () => {
  /**
   * The transfer case's op over an in-process MessageChannel whose far end echoes like the echo
   * worker: with the transfer list, or (broken) without it, a structured-clone copy each way.
   */
  function echoOverChannel(transfer: boolean) {
    const { port1, port2 } = new MessageChannel();
    port2.onmessage = (event) => port2.postMessage(event.data.data, transfer ? [event.data.data] : []);
    let answered: ((buffer: ArrayBuffer) => void) | undefined;
    port1.onmessage = (event) => answered?.(event.data);
    let buffer = patternBytes(64).buffer as ArrayBuffer;
    // the case's worker handle, through which verify counts what the op sends
    const worker = { postMessage: (message: unknown, list: Transferable[]) => port1.postMessage(message, list) };
    const op: Op = async () => {
      worker.postMessage({ kind: 'transfer', data: buffer }, transfer ? [buffer] : []);
      buffer = await new Promise<ArrayBuffer>((resolve) => {
        answered = resolve;
      });
      return buffer;
    };
    const ctx = {
      caseName: 'transfer',
      params: { payload: 64 },
      state: {
        check: (answer: unknown) => answer instanceof ArrayBuffer && hasPattern(new Uint8Array(answer), 64),
        carries: (message: unknown) => (message as { data?: unknown }).data === buffer && buffer.byteLength === 64,
        // the channel's far end is on this thread: the thread probe is tested in scenarios-verify-gaps.test.ts
        answersWhileBlocked: async () => true,
        worker,
      },
      op,
    } as unknown as VerifyContext<unknown>;
    return { ctx, close: () => port1.close() };
  }

  it('passes a buffer that moves (detached on the sending side)', async () => {
    const { ctx, close } = echoOverChannel(true);
    try {
      await workerMessaging.verify?.(ctx as never);
    } finally {
      close();
    }
  });

  it('fails a "transfer" that copies: the sent buffer is still attached after postMessage', async () => {
    const { ctx, close } = echoOverChannel(false);
    try {
      await expect(workerMessaging.verify?.(ctx as never)).rejects.toThrow(
        /still holds 64 of its 64 bytes after postMessage: it was copied, not transferred/,
      );
    } finally {
      close();
    }
  });
});
