/**
 * The worker of the worker-messaging scenario. It says 'ready' once it listens (the end of a startup
 * measurement), echoes cloned messages, sends transferred ArrayBuffers back by transfer, and serves a
 * SharedArrayBuffer handoff: it sleeps in Atomics.wait until the main thread flips the state word,
 * answers, and sleeps again, until told to stop (terminating a worker blocked in Atomics.wait has
 * hung Bun, PITFALLS 8).
 */
import { currentRuntime } from '../runtimes/current.js';
import type { WorkerPort } from '../runtimes/types.js';
import { checksum, type EchoMessage, SHARED_HEADER_BYTES, SharedState } from './messaging-payload.js';

function serveShared(port: WorkerPort, buffer: SharedArrayBuffer): void {
  const state = new Int32Array(buffer, 0, 2);
  const data = new Uint8Array(buffer, SHARED_HEADER_BYTES);
  for (;;) {
    Atomics.wait(state, 0, SharedState.idle);
    const command = Atomics.load(state, 0);
    if (command === SharedState.stop) break;
    if (command === SharedState.check) state[1] = checksum(data);
    Atomics.store(state, 0, SharedState.idle);
    Atomics.notify(state, 0);
  }
  port.postMessage('stopped');
}

const runtime = await currentRuntime();
const port = runtime.workerPort();
await port.ready;
port.onMessage((message) => {
  const m = message as EchoMessage;
  if (m.kind === 'echo') port.postMessage(m.data);
  else if (m.kind === 'transfer') port.postMessage(m.data, [m.data]);
  else if (m.kind === 'shared') serveShared(port, m.buffer);
});
port.postMessage('ready');
