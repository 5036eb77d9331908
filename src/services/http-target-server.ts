/**
 * The HTTP target server process: started by the harness (src/services/http-target.ts) on one
 * runtime for the whole run, so clients and server never share an event loop. Prints its port as
 * the first line of stdout, then serves until SIGTERM or SIGINT.
 *
 * The server must not be what limits the clients it measures, so each runtime serves in its fastest
 * way: Deno.serve / Bun.serve through the adapter, and on node node:http directly (the adapter's
 * serve() turns every request into a Web Request, which costs node a large share of its throughput).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { currentRuntime } from '../runtimes/current.js';
import { exitWithParent } from '../runtimes/parent-guard.js';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { createTarget, type Target, webHandler } from './http-target-handler.js';

interface Listening {
  port: number;
  close(): Promise<void>;
}

function serveNodeHttp(target: Target): Promise<Listening> {
  // every socket gets a number: the target counts connections by it
  const socketIds = new WeakMap<object, number>();
  let sockets = 0;
  const server = createServer((req, res) => {
    req.resume(); // no request body is read; let it drain
    target
      .answer(req.method ?? 'GET', new URL(req.url ?? '/', 'http://127.0.0.1'), socketIds.get(req.socket))
      .then(({ status, body, contentType }) => {
        res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
  });
  target.reportsCloses();
  server.on('connection', (socket) => {
    const id = ++sockets;
    socketIds.set(socket, id);
    socket.once('close', () => target.connectionClosed(id));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => {
          server.closeAllConnections();
          return new Promise((done) => server.close(() => done()));
        },
      }),
    );
  });
}

function serve(runtime: RuntimeAdapter, target: Target): Promise<Listening> {
  return runtime.name === 'node' ? serveNodeHttp(target) : runtime.serve(webHandler(target), { port: 0 });
}

exitWithParent();
const runtime = await currentRuntime();
const server = await serve(runtime, createTarget());
console.log(String(server.port));

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  runtime.exit(0);
};
runtime.onSignal('SIGTERM', shutdown);
runtime.onSignal('SIGINT', shutdown);
