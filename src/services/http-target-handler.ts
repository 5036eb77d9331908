/**
 * The HTTP target server's behaviour, apart from any server API: one server serves every scenario,
 * the mode is chosen per request by its path. `webHandler` puts it behind the Web standard shape
 * (Deno.serve, Bun.serve); the server process binds it to node:http directly on node.
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
  answer(method: string, url: URL): Promise<TargetAnswer>;
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
  let stats: TargetStats = { requests: 0, failures: 0, inFlight: 0, maxInFlight: 0 };

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
      case '/capacity':
        // shed at once, as an overloaded server does; the accepted ones take their time
        if (stats.inFlight > numberParam(url, 'n', 1)) return false;
        await sleep(ms);
        return true;
      default:
        throw new URIError(`no mode ${url.pathname}: use /plain, /delay?ms=, /flaky?p=&ms=, /capacity?n=&ms=`);
    }
  }

  async function counted(url: URL): Promise<TargetAnswer> {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      if (await serveMode(url)) return OK;
      stats.failures++;
      return UNAVAILABLE;
    } catch (error) {
      return text(400, `${(error as Error).message}\n`);
    } finally {
      stats.inFlight--;
    }
  }

  async function answer(method: string, url: URL): Promise<TargetAnswer> {
    if (url.pathname === '/__stats')
      return { status: 200, body: JSON.stringify(stats), contentType: 'application/json' };
    if (url.pathname === '/__reset' && method === 'POST') {
      // requests still in flight keep counting down from where they are
      stats = { requests: 0, failures: 0, inFlight: stats.inFlight, maxInFlight: stats.inFlight };
      return text(200, 'reset\n');
    }
    return counted(url);
  }

  return { answer, stats: () => ({ ...stats }) };
}

export function webHandler(target: Target): HttpHandler {
  return async (request) => {
    const { status, body, contentType } = await target.answer(request.method, new URL(request.url));
    return new Response(body, { status, headers: { 'content-type': contentType } });
  };
}
