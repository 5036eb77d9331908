/**
 * serve() on node:http: each request becomes a Web Request, the handler's Response is written back.
 * Request bodies are read whole into one buffer (cheaper than a web stream for the small bodies of
 * a benchmark target); response bodies are streamed chunk by chunk with backpressure, so a
 * streaming response (SSE, large files) is not buffered. A body that is all there at once (a string,
 * bytes) goes out with its Content-Length, as on deno and bun (see readReady).
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
  const reader = response.body?.getReader();
  const ready = reader ? await readReady(reader) : { chunks: [], bytes: 0 };
  // no response.statusText: Deno.serve and Bun.serve cannot send one, so neither does node (types.ts)
  res.writeHead(response.status, headersOf(response, ready.next ? undefined : ready.bytes));
  if (reader && req.method !== 'HEAD') {
    for await (const chunk of chunksOf(reader, ready)) {
      if (!res.write(chunk)) await writable(res);
      if (res.destroyed) {
        // the client went away: stop the handler's stream instead of writing into the void
        await reader.cancel();
        return;
      }
    }
  } else await reader?.cancel();
  res.end();
}

/**
 * The response's headers for writeHead, with the body's length when it is known (`length`), as
 * Deno.serve and Bun.serve send it: node would otherwise answer chunked, and a HEAD request, whose
 * body is never sent, with no length at all. A 1xx, 204 or 304 has no body to measure.
 */
function headersOf(response: Response, length: number | undefined): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 1) headers['set-cookie'] = cookies;
  const bodiless = response.status < 200 || response.status === 204 || response.status === 304;
  const stated = 'content-length' in headers || 'transfer-encoding' in headers;
  if (length !== undefined && !bodiless && !stated) headers['content-length'] = String(length);
  return headers;
}

/** More than a benchmark target's bodies: a longer body that is all there is sent chunked. */
const READY_LIMIT = 1 << 20;
const WAITING = Symbol('waiting');

interface Ready {
  chunks: Uint8Array[];
  bytes: number;
  /** the read that did not complete at once (the body goes on), absent when the body ended */
  next?: Promise<ReadableStreamReadResult<Uint8Array>>;
}

/**
 * The body's chunks that are there without waiting for the handler: all of it for a body made of a
 * string or bytes (undici fills and closes such a stream within microtasks, before the event loop
 * turns), the first ones of a stream that produces over time, which is then not held up.
 */
async function readReady(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Ready> {
  const ready: Ready = { chunks: [], bytes: 0 };
  while (ready.bytes <= READY_LIMIT) {
    const next = reader.read();
    const result = await beforeNextTurn(next);
    if (result === WAITING) return { ...ready, next };
    if (result.done) return ready;
    ready.chunks.push(result.value);
    ready.bytes += result.value.byteLength;
  }
  return { ...ready, next: reader.read() };
}

function beforeNextTurn<T>(promise: Promise<T>): Promise<T | typeof WAITING> {
  let turn: ReturnType<typeof setImmediate> | undefined;
  const waiting = new Promise<typeof WAITING>((resolve) => {
    turn = setImmediate(() => resolve(WAITING));
  });
  return Promise.race([promise, waiting]).finally(() => clearImmediate(turn));
}

async function* chunksOf(reader: ReadableStreamDefaultReader<Uint8Array>, ready: Ready): AsyncGenerator<Uint8Array> {
  yield* ready.chunks;
  if (!ready.next) return;
  for (let chunk = await ready.next; !chunk.done; chunk = await reader.read()) yield chunk.value;
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
