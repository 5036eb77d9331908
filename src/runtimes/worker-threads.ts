/**
 * Workers over node:worker_threads (node, and bun: see bun.ts for why). workerData travels with
 * the Worker's construction, so the worker's port is ready at once.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { WorkerHandle, WorkerPort } from './types.js';
import { workerModuleUrl } from './worker-url.js';

export function spawnThreadWorker(module: string | URL, options: { workerData?: unknown } = {}): WorkerHandle {
  const worker = new Worker(workerModuleUrl(module), { workerData: options.workerData });
  let terminated = false;
  let failed = false;
  const errorListeners: ((error: Error) => void)[] = [];
  const fail = (error: Error) => {
    if (failed || terminated) return;
    failed = true;
    for (const listener of errorListeners) listener(error);
  };
  // a worker may throw any value: it arrives as thrown (a string stays a string), and onError promises an
  // Error (a Web Worker's error event gives one whatever was thrown)
  worker.on('error', (error: unknown) =>
    fail(error instanceof Error ? error : new Error(`worker threw ${String(error)}`)),
  );
  // a worker that ends on its own, even with code 0, leaves what it was asked unanswered: without
  // this report a task waiting on it would hang (an error is reported first, by 'error')
  worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer as never),
    onMessage: (listener) => worker.on('message', listener),
    onError: (listener) => errorListeners.push(listener),
    async terminate() {
      terminated = true;
      await worker.terminate();
    },
  };
}

export function threadWorkerPort(): WorkerPort {
  const port = parentPort;
  if (!port) throw new Error('workerPort() called outside a worker');
  return {
    postMessage: (message, transfer) => port.postMessage(message, transfer as never),
    onMessage: (listener) => port.on('message', listener),
    ready: Promise.resolve(),
    workerData,
    close: () => port.close(),
  };
}
