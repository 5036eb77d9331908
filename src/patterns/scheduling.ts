/**
 * Deferring work to a later microtask or a later event-loop turn, portably (no process.*, Deno.*,
 * Bun.*). A turn is deferred with setImmediate where the runtime has it and with a MessageChannel
 * otherwise; never with setTimeout(0), which measures the runtimes' 1-4 ms timer clamps (PITFALLS 2).
 */
import { Deque } from './deque.js';

/**
 * When a task's body starts:
 * - 'eager': synchronously inside createTask, up to its first await (Python's eager_task_factory);
 * - 'microtask': in a later microtask, before the event loop runs anything else;
 * - 'macrotask': one event-loop turn later, as Python's default create_task costs one loop iteration.
 */
export type StartPolicy = 'eager' | 'microtask' | 'macrotask';

/** A settled promise shared by every fast path that has nothing to wait for: no allocation per call. */
export const RESOLVED: Promise<void> = Promise.resolve();

type Callback = () => void;
type TurnScheduler = (callback: Callback) => void;

/**
 * A scheduler over a MessageChannel. Callbacks queue in a ring buffer and one message per batch
 * drains them, so the cost of a message is shared by everything deferred in the same turn.
 * Callbacks queued while a batch drains run in the next turn, never in the current one.
 *
 * A listening port keeps the event loop alive, idle or not, so the channel is closed once a turn
 * passes with nothing to run, and the next callback opens another. Closing rather than unref():
 * deno's MessagePort.unref() does nothing unless node:worker_threads was loaded, and the process
 * never exited. The turn after a drain is one more message (a probe): code that awaits a turn in a
 * loop schedules its next callback from a microtask after the drain, which then finds the channel
 * open instead of making one a turn.
 */
export function channelTurnScheduler(): TurnScheduler {
  const pending = new Deque<Callback>();
  let channel: MessageChannel | undefined;
  let posted = false;
  const post = () => {
    posted = true;
    if (channel === undefined) {
      channel = new MessageChannel();
      channel.port1.onmessage = drain;
    }
    channel.port2.postMessage(null);
  };
  const drain = () => {
    posted = false;
    const ran = pending.length;
    try {
      for (let n = ran; n > 0; n--) (pending.shift() as Callback)();
    } finally {
      // a callback that threw (an uncaught exception the process survives) leaves the rest of its
      // batch for the next turn; a batch that ran gets its probe; an empty turn closes the channel
      if (!posted && (pending.length > 0 || ran > 0)) post();
      else if (!posted) {
        channel?.port1.close();
        channel = undefined;
      }
    }
  };
  return (callback) => {
    pending.push(callback);
    if (!posted) post();
  };
}

const nativeSetImmediate = (globalThis as { setImmediate?: (callback: Callback) => unknown }).setImmediate;

/** Runs `callback` one event-loop turn from now (setImmediate, else a MessageChannel). */
export const onNextTurn: TurnScheduler =
  typeof nativeSetImmediate === 'function' ? (callback) => void nativeSetImmediate(callback) : channelTurnScheduler();

/** Resolves one event-loop turn from now. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => onNextTurn(resolve));
}
