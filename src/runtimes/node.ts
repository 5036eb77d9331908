import { execArgv } from 'node:process';
import { nodeCompatMembers, v8Gc } from './node-compat.js';
import { serveNodeHttp } from './node-http.js';
import { withSpawnScript } from './spawn-script.js';
import type { RuntimeAdapter } from './types.js';
import { importUndiciBare } from './undici.js';
import { spawnThreadWorker, threadWorkerPort } from './worker-threads.js';

export function createNodeAdapter(): RuntimeAdapter {
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
