/**
 * Workers over the Web Worker API (deno). Two things differ from node:worker_threads:
 * - there is no workerData, and
 * - a message that reaches a worker before it has a listener is dropped (seen on deno and bun: a
 *   worker module that awaits anything before listening loses what the parent posted meanwhile).
 * Both are solved by an init handshake: workerPort() starts listening and posts HELLO; the parent,
 * which holds back everything posted until then, answers with INIT carrying workerData and then
 * flushes what it held, in order. The handshake is one round trip of worker startup, and a buffer
 * transferred while held is detached in the parent only when the held message is flushed.
 */
import type { WorkerHandle, WorkerPort } from './types.js';
import { workerModuleUrl } from './worker-url.js';

const HELLO = '@asyncbench/worker-hello';
const INIT = '@asyncbench/worker-init';

interface InitMessage {
  [INIT]: true;
  workerData: unknown;
}

/** The worker-side global of a dedicated Web Worker. */
interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

export function spawnWebWorker(module: string | URL, options: { workerData?: unknown } = {}): WorkerHandle {
  const worker = new Worker(workerModuleUrl(module).href, { type: 'module' });
  let held: [unknown, Transferable[] | undefined][] | null = [];
  const messageListeners: ((message: unknown) => void)[] = [];
  const errorListeners: ((error: Error) => void)[] = [];
  let failed = false;
  worker.onmessage = (event) => {
    if (held && isHello(event.data)) {
      worker.postMessage({ [INIT]: true, workerData: options.workerData } satisfies InitMessage);
      for (const [message, transfer] of held) worker.postMessage(message, transfer ?? []);
      held = null;
      return;
    }
    for (const listener of messageListeners) listener(event.data);
  };
  worker.onerror = (event) => {
    // unhandled, a worker's error would also be rethrown in (and kill) the parent on deno
    event.preventDefault();
    if (failed) return;
    failed = true;
    const error = event.error instanceof Error ? event.error : new Error(event.message || 'worker failed');
    for (const listener of errorListeners) listener(error);
  };
  return {
    postMessage(message, transfer) {
      if (held) held.push([message, transfer]);
      else worker.postMessage(message, transfer ?? []);
    },
    onMessage: (listener) => messageListeners.push(listener),
    onError: (listener) => errorListeners.push(listener),
    async terminate() {
      failed = true;
      worker.terminate();
    },
  };
}

export function webWorkerPort(): WorkerPort {
  const scope = globalThis as unknown as WorkerScope;
  if (typeof scope.postMessage !== 'function' || !('onmessage' in scope)) {
    throw new Error('workerPort() called outside a worker');
  }
  const listeners: ((message: unknown) => void)[] = [];
  // messages that arrive before the worker module has attached a listener wait here
  const early: unknown[] = [];
  let data: { value: unknown } | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  scope.onmessage = (event) => {
    if (!data && isInit(event.data)) {
      data = { value: event.data.workerData };
      markReady();
    } else if (listeners.length === 0) early.push(event.data);
    else for (const listener of listeners) listener(event.data);
  };
  scope.postMessage(HELLO);
  return {
    postMessage: (message, transfer) => scope.postMessage(message, transfer ?? []),
    onMessage(listener) {
      listeners.push(listener);
      for (const message of early.splice(0)) listener(message);
    },
    ready,
    get workerData() {
      if (!data) throw new Error('workerData read before port.ready resolved (Web Worker init handshake)');
      return data.value;
    },
    close: () => scope.close(),
  };
}

function isHello(message: unknown): boolean {
  return message === HELLO;
}

function isInit(message: unknown): message is InitMessage {
  return typeof message === 'object' && message !== null && INIT in message;
}
