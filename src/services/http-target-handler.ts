/**
 * The HTTP target server's request handler, in the Web standard shape every runtime's server
 * takes. One server serves every scenario: the mode is chosen per request by its path.
 */
import type { HttpHandler } from '../runtimes/types.js';
import { TARGET_BODY, type TargetStats } from './http-target-client.js';

const TEXT = { 'content-type': 'text/plain' };

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function numberParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  const value = raw === null ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name}=${raw} is not a non-negative number`);
  return value;
}

export interface TargetHandler {
  handler: HttpHandler;
  stats(): TargetStats;
}

export function createTargetHandler(random: () => number = Math.random): TargetHandler {
  let stats: TargetStats = { requests: 0, failures: 0, inFlight: 0, maxInFlight: 0 };

  /** Answers one counted request; true = success. */
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
      case '/capacity':
        // shed at once, as an overloaded server does; the accepted ones take their time
        if (stats.inFlight > numberParam(url, 'n', 1)) return false;
        await sleep(ms);
        return true;
      default:
        throw new URIError(`no mode ${url.pathname}: use /plain, /delay?ms=, /flaky?p=&ms=, /capacity?n=&ms=`);
    }
  }

  async function counted(url: URL): Promise<Response> {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      if (await serveMode(url)) return new Response(TARGET_BODY, { headers: TEXT });
      stats.failures++;
      return new Response('unavailable\n', { status: 503, headers: TEXT });
    } catch (error) {
      return new Response(`${(error as Error).message}\n`, { status: 400, headers: TEXT });
    } finally {
      stats.inFlight--;
    }
  }

  async function handler(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/__stats') return Response.json(stats);
    if (url.pathname === '/__reset' && request.method === 'POST') {
      // requests still in flight keep counting down from where they are
      stats = { requests: 0, failures: 0, inFlight: stats.inFlight, maxInFlight: stats.inFlight };
      return new Response(null, { status: 204 });
    }
    return counted(url);
  }

  return { handler, stats: () => ({ ...stats }) };
}
