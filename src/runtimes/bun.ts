/**
 * Bun: native APIs where Bun has its own (clock, gc, Bun.serve), the Node compatibility layer for
 * the rest (see node-compat.ts). Bun is reached through a cast of globalThis, so this module loads
 * harmlessly on node and deno.
 *
 * Workers go through node:worker_threads rather than Bun's global Worker: in Bun both are the same
 * native worker underneath (worker_threads wraps it), but worker_threads carries workerData with
 * the Worker's construction (no init handshake to pay for and measure) and is not marked
 * experimental, and it keeps the code path identical to node's (PITFALLS 8).
 */
import { execArgv } from 'node:process';
import { nodeCompatMembers } from './node-compat.js';
import { handlerFailed } from './serve-error.js';
import { withSpawnScript } from './spawn-script.js';
import type { EngineInfo, HttpHandler, HttpServerHandle, RuntimeAdapter } from './types.js';
import { importUndiciByPath } from './undici.js';
import { spawnThreadWorker, threadWorkerPort } from './worker-threads.js';

/** The part of the Bun namespace this adapter uses. */
interface BunGlobal {
  version: string;
  revision: string;
  nanoseconds(): number;
  gc(force: boolean): void;
  serve(options: {
    hostname: string;
    port: number;
    fetch: (
      request: Request,
      server: { requestIP(request: Request): { port: number } | null },
    ) => ReturnType<HttpHandler>;
    error: (error: unknown) => Response;
  }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void> | undefined;
  };
}

function bun(): BunGlobal {
  return (globalThis as unknown as { Bun: BunGlobal }).Bun;
}

export function createBunAdapter(): RuntimeAdapter {
  const Bun = bun();
  return withSpawnScript({
    ...nodeCompatMembers,
    name: 'bun',
    version: Bun.version,
    engine: jscEngine(process.versions.webkit),
    // nanoseconds since process start: finer than performance.now() on Bun
    now: () => Bun.nanoseconds() / 1e6,
    gc() {
      Bun.gc(true);
      return true;
    },
    execPath: () => process.execPath,
    flags: [...execArgv],
    spawnWorker: spawnThreadWorker,
    workerPort: threadWorkerPort,
    serve: bunServe,
    importUndici: importUndiciByPath,
  });
}

/**
 * The answer to a request that asked to close: Bun closes the socket without saying so, as node's and
 * deno's servers do (`Connection: close`), and a node:http client whose agent caps its sockets then
 * sends its next request on the socket being closed: 'socket hang up' for half of http-pool's
 * node-http-no-keepalive requests on the Bun target only
 */
function closing(response: Response): Response {
  const headers = new Headers(response.headers);
  headers.set('connection', 'close');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Bun exposes no JavaScriptCore version; the WebKit commit it is built from identifies the engine
 * exactly (Bun's process.versions.v8 is a compatibility string, not the engine that runs).
 */
export function jscEngine(webkitCommit: string | undefined): EngineInfo {
  return { name: 'jsc', version: `webkit-${(webkitCommit ?? 'unknown').slice(0, 12)}` };
}

async function bunServe(handler: HttpHandler, options: { port?: number } = {}): Promise<HttpServerHandle> {
  const server = bun().serve({
    hostname: '127.0.0.1',
    port: options.port ?? 0,
    fetch: async (request, self) => {
      const response = await handler(request, { remotePort: self.requestIP(request)?.port ?? 0 });
      return request.headers.get('connection')?.toLowerCase() === 'close' ? closing(response) : response;
    },
    error: handlerFailed,
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    // stop(false) stops accepting and resolves once in-flight requests have been answered
    close: async () => {
      await server.stop(false);
    },
  };
}
