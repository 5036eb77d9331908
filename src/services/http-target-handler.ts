/**
 * The HTTP target server's behaviour, apart from any server API: one server serves every scenario,
 * the mode is chosen per request by its path. `webHandler` puts it behind the Web standard shape
 * (Deno.serve, Bun.serve); the server process binds it to node:http directly on node.
 *
 * It counts connections, so pooling can be checked from the server's side: every request names its
 * connection (a socket number on node:http, the client's port behind the Web shape), and a node:http
 * server also reports sockets closing (connectionClosed). Only connections that sent a counted
 * request count: the stats and reset requests' own connection is not the pool's.
 */
import type { HttpHandler } from '../runtimes/types.js';
import { TARGET_BODY, type TargetStats } from './http-target-client.js';

export interface TargetAnswer {
  status: number;
  /** text, or JSON for the stats endpoint */
  body: string;
  contentType: string;
}

export interface Target {
  /** `connection` tells the connection the request came on apart from the others */
  answer(method: string, url: URL, connection?: number): Promise<TargetAnswer>;
  /** a server that will report every connection's close (node:http) says so first: open counts become exact */
  reportsCloses(): void;
  connectionClosed(connection: number): void;
  stats(): TargetStats;
}

const text = (status: number, body: string): TargetAnswer => ({ status, body, contentType: 'text/plain' });
const OK = text(200, TARGET_BODY);
const UNAVAILABLE = text(503, 'unavailable\n');

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function numberParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  const value = raw === null ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name}=${raw} is not a non-negative number`);
  return value;
}

export function createTarget(random: () => number = Math.random): Target {
  let stats: TargetStats = {
    requests: 0,
    failures: 0,
    inFlight: 0,
    maxInFlight: 0,
    connections: 0,
    openConnections: -1,
    maxOpenConnections: -1,
  };
  /** the connections that sent a request since the last reset */
  let seen = new Set<number>();
  /** the connections that sent a request and have not closed (where closes are reported) */
  const open = new Set<number>();
  let closesReported = false;

  /** Serves one counted request; true = success. */
  async function serveMode(url: URL): Promise<boolean> {
    const ms = numberParam(url, 'ms', 0);
    switch (url.pathname) {
      case '/plain':
        return true;
      case '/delay':
        await sleep(ms);
        return true;
      case '/flaky': {
        const fails = random() < numberParam(url, 'p', 0.3);
        await sleep(ms);
        return !fails;
      }
      case '/slow':
        await sleep(random() < numberParam(url, 'p', 0.1) ? ms : 0);
        return true;
      case '/capacity':
        // shed at once, as an overloaded server does; the accepted ones take their time
        if (stats.inFlight > numberParam(url, 'n', 1)) return false;
        await sleep(ms);
        return true;
      default:
        throw new URIError(
          `no mode ${url.pathname}: use /plain, /delay?ms=, /flaky?p=&ms=, /slow?p=&ms=, /capacity?n=&ms=`,
        );
    }
  }

  async function counted(url: URL, connection: number | undefined): Promise<TargetAnswer> {
    if (connection !== undefined && !seen.has(connection)) {
      seen.add(connection);
      stats.connections++;
      if (closesReported && !open.has(connection)) {
        open.add(connection);
        stats.openConnections = open.size;
        stats.maxOpenConnections = Math.max(stats.maxOpenConnections, open.size);
      }
    }
    // a reset replaces `stats`: a request is counted, failed and counted down in the window it started in
    const counts = stats;
    counts.requests++;
    counts.inFlight++;
    counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);
    try {
      if (await serveMode(url)) return OK;
      counts.failures++;
      return UNAVAILABLE;
    } catch (error) {
      return text(400, `${(error as Error).message}\n`);
    } finally {
      counts.inFlight--;
    }
  }

  async function answer(method: string, url: URL, connection?: number): Promise<TargetAnswer> {
    if (url.pathname === '/__stats')
      return { status: 200, body: JSON.stringify(stats), contentType: 'application/json' };
    if (url.pathname === '/__reset' && method === 'POST') {
      // A new window counts only its own requests: one a previous scenario gave up on (http-pool's
      // timeout case leaves 400 ms requests behind) must not count against the next one's limit.
      // Open connections are the server's real state and carry over.
      const { openConnections } = stats;
      stats = {
        requests: 0,
        failures: 0,
        inFlight: 0,
        maxInFlight: 0,
        connections: 0,
        openConnections,
        maxOpenConnections: openConnections,
      };
      seen = new Set();
      return text(200, 'reset\n');
    }
    return counted(url, connection);
  }

  function reportsCloses(): void {
    closesReported = true;
    stats.openConnections = open.size;
    stats.maxOpenConnections = Math.max(stats.maxOpenConnections, open.size);
  }

  function connectionClosed(connection: number): void {
    if (open.delete(connection)) stats.openConnections = open.size;
  }

  return { answer, reportsCloses, connectionClosed, stats: () => ({ ...stats }) };
}

export function webHandler(target: Target): HttpHandler {
  return async (request, connection) => {
    const { status, body, contentType } = await target.answer(
      request.method,
      new URL(request.url),
      connection?.remotePort,
    );
    return new Response(body, { status, headers: { 'content-type': contentType } });
  };
}
