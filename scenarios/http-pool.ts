/**
 * HTTP connection pooling (the seed's httpx AsyncClient with limits): `concurrency` callers share
 * `connections` connections to the HTTP target server (its own process, so client and server never
 * share an event loop). Cases: undici Pool and Agent (the real package, through the adapter:
 * PITFALLS 1), the runtime's own fetch (it keeps its own pool, so `connections` does not apply to
 * it), node:http with a keep-alive Agent, and node:http without keep-alive (a connection per
 * request, the cost pooling saves).
 *
 * Invariant: every response is complete and correct (checked in the op), and the server answered
 * every request without failure. Reference: the cells of `undici-pool` also run wrk (or autocannon
 * where wrk is missing) with min(connections, concurrency) connections against the same endpoint.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import {
  type CaseContext,
  defineScenario,
  httpReference,
  referenceRecords,
  resetTarget,
  TARGET_BODY,
  targetStats,
  targetUrl,
  type VerifyContext,
} from 'asyncbench';

interface HttpState {
  base: string;
  url: string;
  /** requests the op sent (the server must have seen at least these) */
  sent: number;
  close?: () => Promise<void>;
}

function checkBody(status: number, body: string): void {
  if (status !== 200 || body !== TARGET_BODY)
    throw new Error(`incomplete or wrong response: ${status} ${JSON.stringify(body.slice(0, 80))}`);
}

/** One GET over node:http through `agent`, read to the end. */
function nodeHttpGet(url: string, agent: HttpAgent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function nodeHttpCase(keepAlive: boolean) {
  return (ctx: CaseContext<HttpState>) => {
    const { state } = ctx;
    const agent = new HttpAgent({ keepAlive, maxSockets: Number(ctx.params.connections) });
    state.close = async () => agent.destroy();
    return async () => {
      state.sent++;
      const { status, body } = await nodeHttpGet(state.url, agent);
      checkBody(status, body);
    };
  };
}

export default defineScenario<HttpState>({
  id: 'http-pool',
  title: 'HTTP client connection pooling',
  pattern: 'httpx AsyncClient: connection pooling',
  kind: 'throughput',
  metric: { name: 'requests per second', unit: 'req/s', better: 'higher' },
  params: { connections: [1, 10, 20], concurrency: [1, 16, 64] },
  quick: { connections: [10], concurrency: [16] },
  requires: ['http'],
  async setup(ctx) {
    const http = ctx.services.http;
    if (!http) throw new Error('http-pool needs the HTTP target server (ctx.services.http is missing)');
    await resetTarget(http.url);
    return { base: http.url, url: targetUrl(http.url, { mode: 'plain' }), sent: 0 };
  },
  cases: {
    'undici-pool': async (ctx) => {
      const { state } = ctx;
      const { module: undici } = await ctx.runtime.importUndici();
      const pool = new undici.Pool(state.base, { connections: Number(ctx.params.connections) });
      state.close = () => pool.close();
      const path = new URL(state.url).pathname;
      return async () => {
        state.sent++;
        const { statusCode, body } = await pool.request({ method: 'GET', path });
        checkBody(statusCode, await body.text());
      };
    },
    'undici-agent': async (ctx) => {
      const { state } = ctx;
      const { module: undici } = await ctx.runtime.importUndici();
      const agent = new undici.Agent({ connections: Number(ctx.params.connections) });
      state.close = () => agent.close();
      return async () => {
        state.sent++;
        const { statusCode, body } = await undici.request(state.url, { dispatcher: agent });
        checkBody(statusCode, await body.text());
      };
    },
    fetch: (ctx) => {
      const { state } = ctx;
      return async () => {
        state.sent++;
        const response = await fetch(state.url);
        checkBody(response.status, await response.text());
      };
    },
    'node-http-keepalive': nodeHttpCase(true),
    'node-http-no-keepalive': nodeHttpCase(false),
  },
  async verify(ctx: VerifyContext<HttpState>) {
    const { state } = ctx;
    await ctx.op();
    const stats = await targetStats(state.base);
    if (stats.failures > 0) throw new Error(`the server failed ${stats.failures} requests`);
    if (stats.requests < state.sent)
      throw new Error(`the server saw ${stats.requests} requests, the client sent ${state.sent}`);
    if (ctx.caseName === 'undici-pool') await recordHttpReference(ctx);
  },
  async teardown(ctx) {
    await ctx.state.close?.();
  },
});

async function recordHttpReference(ctx: VerifyContext<HttpState>): Promise<void> {
  const connections = Math.min(Number(ctx.params.connections), Number(ctx.params.concurrency));
  const figure = await httpReference(ctx.runtime, { url: ctx.state.url, connections, seconds: ctx.quick ? 1 : 3 });
  for (const r of figure ? referenceRecords(figure) : []) ctx.record(r.name, r.value, r.unit);
}
