import { execArgv } from 'node:process';
import { nodeCompatMembers, v8Gc } from './node-compat.js';
import { serveNodeHttp } from './node-http.js';
import { withSpawnScript } from './spawn-script.js';
import type { RuntimeAdapter } from './types.js';
import { importUndiciBare } from './undici.js';
import { spawnThreadWorker, threadWorkerPort } from './worker-threads.js';

export function createNodeAdapter(): RuntimeAdapter {
  blockingPipes();
  return withSpawnScript({
    ...nodeCompatMembers,
    name: 'node',
    version: process.versions.node,
    engine: { name: 'v8', version: process.versions.v8 },
    now: () => performance.now(),
    gc: v8Gc,
    execPath: () => process.execPath,
    flags: [...execArgv],
    spawnWorker: spawnThreadWorker,
    workerPort: threadWorkerPort,
    serve: serveNodeHttp,
    importUndici: importUndiciBare,
  });
}

/**
 * Node writes to a pipe asynchronously: what does not fit the pipe's buffer at once is queued, and
 * exit() (process.exit) drops the queue, so a child that printed more than 64 KiB lost its tail
 * where deno and bun, which write to a pipe synchronously, lose nothing. A blocking stdout and
 * stderr make node's writes synchronous too (files and terminals already are; a worker's stdio is
 * no pipe).
 */
function blockingPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const pipe = stream as unknown as { _type?: string; _handle?: { setBlocking?(blocking: boolean): void } };
    if (pipe._type === 'pipe') pipe._handle?.setBlocking?.(true);
  }
}
