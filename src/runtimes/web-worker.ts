/**
 * Workers over the Web Worker API (deno). Two things differ from node:worker_threads:
 * - there is no workerData, and
 * - a message that reaches a worker before it has a listener is dropped (seen on deno and bun: a
 *   worker module that awaits anything before listening loses what the parent posted meanwhile).
 * Both are solved by an init handshake: workerPort() starts listening and posts HELLO; the parent,
 * which holds back everything posted until then, answers with INIT carrying workerData and then
 * flushes what it held, in order. The handshake is one round trip of worker startup, and a buffer
 * transferred while held is detached in the parent only when the held message is flushed.
 *
 * A Web Worker that ends on its own fires nothing in the parent, so a task waiting on it would hang.
 * Where the worker side can see its end, the port posts EXIT for onError: on self.close() (which
 * the port wraps; port.close() calls it), and on the 'unload' event Deno fires when a worker calls
 * Deno.exit (the adapter's exit()). A worker that ends by other means stays unseen.
 */
import type { TransferItem, WorkerHandle, WorkerPort } from './types.js';
import { workerModuleUrl } from './worker-url.js';

const HELLO = '@asyncbench/worker-hello';
const INIT = '@asyncbench/worker-init';
const EXIT = '@asyncbench/worker-exit';

interface InitMessage {
  [INIT]: true;
  workerData: unknown;
}

interface ExitMessage {
  [EXIT]: number;
}

/** The worker-side global of a dedicated Web Worker. */
interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
  addEventListener(type: 'unload', listener: () => void): void;
  close(): void;
}

export function spawnWebWorker(module: string | URL, options: { workerData?: unknown } = {}): WorkerHandle {
  const worker = new Worker(workerModuleUrl(module).href, { type: 'module' });
  let held: [unknown, TransferItem[] | undefined][] | null = [];
  const messageListeners: ((message: unknown) => void)[] = [];
  const errorListeners: ((error: Error) => void)[] = [];
  /** set once onError was called or terminate() asked for the end: nothing is reported after it */
  let ended = false;
  const fail = (error: Error) => {
    if (ended) return;
    ended = true;
    for (const listener of errorListeners) listener(error);
  };
  worker.onmessage = (event) => {
    if (held && isHello(event.data)) {
      worker.postMessage({ [INIT]: true, workerData: options.workerData } satisfies InitMessage);
      for (const [message, transfer] of held) worker.postMessage(message, transfer ?? []);
      held = null;
    } else if (isExit(event.data)) fail(new Error(`worker exited with code ${event.data[EXIT]}`));
    else for (const listener of messageListeners) listener(event.data);
  };
  worker.onerror = (event) => {
    // unhandled, a worker's error would also be rethrown in (and kill) the parent on deno
    event.preventDefault();
    fail(event.error instanceof Error ? event.error : new Error(event.message || 'worker failed'));
  };
  return {
    postMessage(message, transfer) {
      if (held) held.push([message, transfer]);
      else worker.postMessage(message, transfer ?? []);
    },
    onMessage: (listener) => messageListeners.push(listener),
    onError: (listener) => errorListeners.push(listener),
    async terminate() {
      ended = true;
      worker.terminate();
    },
  };
}

/** one port per worker, as node:worker_threads has one parentPort: a second handshake would never complete */
let port: WorkerPort | undefined;

export function webWorkerPort(): WorkerPort {
  port ??= openWebWorkerPort();
  return port;
}

function openWebWorkerPort(): WorkerPort {
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
  scope.addEventListener('unload', () => scope.postMessage({ [EXIT]: exitCode() } satisfies ExitMessage));
  // self.close() fires no 'unload' and nothing in the parent: the port tells the parent itself
  const closeScope = scope.close.bind(scope);
  scope.close = () => {
    scope.postMessage({ [EXIT]: 0 } satisfies ExitMessage);
    closeScope();
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
    close: () => scope.close(), // posts EXIT (above)
  };
}

/** the code a worker ends with: Deno.exit(code) sets Deno.exitCode before 'unload' */
function exitCode(): number {
  return (globalThis as { Deno?: { exitCode?: number } }).Deno?.exitCode ?? 0;
}

function isHello(message: unknown): boolean {
  return message === HELLO;
}

function isInit(message: unknown): message is InitMessage {
  return typeof message === 'object' && message !== null && INIT in message;
}

function isExit(message: unknown): message is ExitMessage {
  return typeof message === 'object' && message !== null && EXIT in message;
}
