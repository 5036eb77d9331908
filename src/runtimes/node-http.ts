/**
 * serve() on node:http: each request becomes a Web Request, the handler's Response is written back.
 * Request bodies are read whole into one buffer (cheaper than a web stream for the small bodies of
 * a benchmark target); response bodies are streamed chunk by chunk with backpressure, so a
 * streaming response (SSE, large files) is not buffered.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handlerFailed } from './serve-error.js';
import type { HttpHandler, HttpServerHandle } from './types.js';

export async function serveNodeHttp(handler: HttpHandler, options: { port?: number } = {}): Promise<HttpServerHandle> {
  // imported here, not at the top: the ES module facade of node:http reads every export, and its
  // lazy WebSocket getter loads node's whole bundled undici (~40 ms of every child's start-up)
  const { createServer } = await import('node:http');
  let closing = false;
  const server = createServer((req, res) => {
    respond(handler, req, res, () => closing).catch((error) => {
      // handlerFailed's answer has no body: its status and an explicit length say it all
      const failed = handlerFailed(error);
      if (!res.headersSent) res.writeHead(failed.status, { 'content-length': '0' });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // one close for every caller: node's server.close() of a closed server fails (ERR_SERVER_NOT_RUNNING),
  // where Deno's shutdown() and Bun's stop() resolve again
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        // close() waits for open connections: idle keep-alive ones are closed now; a busy one would
        // stay open after its response until the client drops it, so that response says
        // `Connection: close` (see respond)
        closing = true;
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

async function respond(
  handler: HttpHandler,
  req: IncomingMessage,
  res: ServerResponse,
  closing: () => boolean,
): Promise<void> {
  const response = await handler(await toWebRequest(req), { remotePort: req.socket.remotePort ?? 0 });
  if (closing()) res.shouldKeepAlive = false;
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 1) headers['set-cookie'] = cookies;
  // no response.statusText: Deno.serve and Bun.serve cannot send one, so neither does node (types.ts)
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    if (!res.write(chunk.value)) await writable(res);
    if (res.destroyed) {
      // the client went away: stop the handler's stream instead of writing into the void
      await reader.cancel();
      return;
    }
  }
  res.end();
}

function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function toWebRequest(req: IncomingMessage): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method,
    headers,
    body: hasBody ? await readBody(req) : undefined,
  });
}

async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
