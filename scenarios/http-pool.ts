/**
 * HTTP connection pooling (the seed's httpx AsyncClient with limits): `concurrency` callers share
 * `connections` connections to the HTTP target server (its own process, so client and server never
 * share an event loop). Cases: undici Pool and Agent (the real package, through the adapter:
 * PITFALLS 1), the runtime's own fetch (it keeps its own pool, so `connections` does not apply to
 * it), node:http with a keep-alive Agent, the same with a cap on idle connections
 * (`maxFreeSockets`: httpx's max_keepalive_connections, the seed's limits of 20 and 10), node:http
 * without keep-alive (a connection per request, the cost pooling saves), and an undici Pool whose
 * requests have a timeout (httpx's `timeout`) against a server that answers a share of them late.
 *
 * Invariants: every response is complete and correct (checked in the op); the server answered every
 * request without failure; and, counted by the server (src/services/http-target-handler.ts), the
 * pooling the case claims: no more connections than the pool's cap, connections reused once warm
 * where they are kept alive (checkReuse), a connection per request without keep-alive, idle connections
 * closed down to the keep-alive cap, and for the timeout case requests that did time out, were
 * cancelled, and left a pool that still answers. Reference: the cells of `undici-pool` also run wrk
 * (or autocannon where wrk is missing) with min(connections, concurrency) connections.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import {
  type CaseContext,
  defineScenario,
  expectRequests,
  httpReference,
  referenceRecords,
  resetTarget,
  TARGET_BODY,
  type TargetStats,
  TimeoutError,
  targetStats,
  targetUrl,
  type VerifyContext,
  withTimeout,
} from 'asyncbench';

/** the timeout case: a share of requests is answered after SLOW.ms, the client gives up at TIMEOUT_MS */
const SLOW = { mode: 'slow', p: 0.05, ms: 400 } as const;
const TIMEOUT_MS = 100;
/** verify's burst after the measured run: rounds of `concurrency` requests at once */
const BURST_ROUNDS = 3;
/** how long idle connections beyond the keep-alive cap may take to close */
const IDLE_CLOSE_MS = 2000;
/** after the timeouts, plain requests through the same pool must all be answered within this */
const RECOVERY_MS = 5000;

/** What a case claims about its connections, which verify checks against the server's counts. */
interface Pooling {
  /** never more connections than params.connections, open at once or opened in all */
  capped?: boolean;
  /** once warm, requests reuse the pool's connections: at most one round of a burst opens new ones (checkReuse) */
  reuses?: boolean;
  /** a new connection for every request */
  perRequest?: boolean;
  /** idle connections are closed down to this many (maxFreeSockets) */
  keepAliveCap?: (connections: number) => number;
  /** requests time out: a timed-out request's connection is dropped and replaced (at most one each) */
  timesOut?: boolean;
}

const keepAliveCap = (connections: number) => Math.max(1, Math.ceil(connections / 2));

export const POOLING: Record<string, Pooling> = {
  'undici-pool': { capped: true, reuses: true },
  'undici-agent': { capped: true, reuses: true },
  fetch: { reuses: true },
  'node-http-keepalive': { capped: true, reuses: true },
  'node-http-keepalive-cap': { keepAliveCap },
  'node-http-no-keepalive': { perRequest: true },
  'undici-pool-timeout': { timesOut: true },
};

export interface HttpState {
  base: string;
  url: string;
  /** requests the op sent (the server must have seen at least these) */
  sent: number;
  /** requests given up at the timeout (timeout case) */
  timeouts: number;
  /** timeout case: a plain request through the same pool, with a generous deadline */
  plainRequest?: () => Promise<void>;
  close?: () => Promise<void>;
}

function checkBody(status: number, body: string): void {
  if (status !== 200 || body !== TARGET_BODY)
    throw new Error(`incomplete or wrong response: ${status} ${JSON.stringify(body.slice(0, 80))}`);
}

/**
 * One GET over node:http through `agent`, read to the end. Without keep-alive the request says
 * `Connection: close`: a node:http Agent with keepAlive false still hands a socket to the next queued
 * request while it has a socket cap (maxSockets), so that alone is not "no keep-alive".
 */
function nodeHttpGet(url: string, agent: HttpAgent, keepAlive: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = keepAlive ? {} : { connection: 'close' };
    const req = httpRequest(url, { agent, headers }, (res) => {
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

function nodeHttpCase(keepAlive: boolean, maxFreeSockets?: (connections: number) => number) {
  return (ctx: CaseContext<HttpState>) => {
    const { state } = ctx;
    const connections = Number(ctx.params.connections);
    const agent = new HttpAgent({
      keepAlive,
      maxSockets: connections,
      ...(maxFreeSockets ? { maxFreeSockets: maxFreeSockets(connections) } : {}),
    });
    state.close = async () => agent.destroy();
    return async () => {
      state.sent++;
      const { status, body } = await nodeHttpGet(state.url, agent, keepAlive);
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
  // requests to a slow path, a share given up at the timeout: ranked apart from the plain requests
  caseMetrics: {
    'undici-pool-timeout': { name: 'requests per second, a share timing out', unit: 'req/s', better: 'higher' },
  },
  params: { connections: [1, 10, 20], concurrency: [1, 16, 64] },
  defaults: { connections: [10], concurrency: [16] },
  requires: ['http'],
  async setup(ctx) {
    const http = ctx.services.http;
    if (!http) throw new Error('http-pool needs the HTTP target server (ctx.services.http is missing)');
    await resetTarget(http.url);
    return { base: http.url, url: targetUrl(http.url, { mode: 'plain' }), sent: 0, timeouts: 0 };
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
    'node-http-keepalive-cap': nodeHttpCase(true, keepAliveCap),
    'node-http-no-keepalive': nodeHttpCase(false),
    'undici-pool-timeout': async (ctx) => {
      const { state } = ctx;
      const { module: undici } = await ctx.runtime.importUndici();
      const pool = new undici.Pool(state.base, { connections: Number(ctx.params.connections) });
      state.close = () => pool.close();
      const slow = new URL(targetUrl(state.base, SLOW));
      const path = slow.pathname + slow.search;
      state.plainRequest = async () => {
        const { statusCode, body } = await withTimeout(RECOVERY_MS, (signal) =>
          pool.request({ method: 'GET', path: new URL(state.url).pathname, signal }),
        );
        checkBody(statusCode, await body.text());
      };
      return async () => {
        state.sent++;
        try {
          // the request gets the deadline's signal: undici aborts it (and drops its connection)
          const { statusCode, body } = await withTimeout(TIMEOUT_MS, (signal) =>
            pool.request({ method: 'GET', path, signal }),
          );
          checkBody(statusCode, await body.text());
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
          state.timeouts++;
        }
      };
    },
  },
  async verify(ctx: VerifyContext<HttpState>) {
    const { state } = ctx;
    // the timeout case's requests may time out queued in the pool, never reaching the server
    if (POOLING[ctx.caseName]?.timesOut) await ctx.op();
    else await burst(ctx);
    const stats = await targetStats(state.base);
    if (stats.failures > 0) throw new Error(`the server failed ${stats.failures} requests`);
    // a request that timed out while queued in the pool never reached the server
    if (stats.requests < state.sent - state.timeouts)
      throw new Error(`the server saw ${stats.requests} requests, the client sent ${state.sent}`);
    await checkPooling(ctx, stats);
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

/**
 * `concurrency` requests at once, BURST_ROUNDS times: a warm pool answers them on its connections.
 * Each must reach the server: an op that answers from a response it kept (no request, no new
 * connection) passes every connection count, and only the server's request count tells.
 */
async function burst(ctx: VerifyContext<HttpState>): Promise<void> {
  const concurrency = Number(ctx.params.concurrency);
  await expectRequests(ctx.state.base, concurrency * BURST_ROUNDS, "verify's burst", async () => {
    for (let round = 0; round < BURST_ROUNDS; round++)
      await Promise.all(Array.from({ length: concurrency }, () => ctx.op()));
  });
}

/** Checks, from the server's counts, the pooling the case claims (POOLING). */
export async function checkPooling(ctx: VerifyContext<HttpState>, stats: TargetStats): Promise<void> {
  const pooling = POOLING[ctx.caseName];
  if (pooling === undefined) return;
  const cap = Number(ctx.params.connections);
  // a node:http server reports sockets closing; a Deno or Bun one does not (-1)
  const seesCloses = stats.maxOpenConnections >= 0;
  ctx.record('connections opened', stats.connections, 'connections');
  ctx.record(
    'connections per 1000 requests',
    stats.requests ? (1000 * stats.connections) / stats.requests : 0,
    'connections',
  );
  if (seesCloses) ctx.record('most connections open at once', stats.maxOpenConnections, 'connections');
  if (pooling.capped) {
    if (seesCloses && stats.maxOpenConnections > cap)
      throw new Error(`the server held ${stats.maxOpenConnections} connections of the pool at once, its cap is ${cap}`);
    if (stats.connections > cap)
      throw new Error(`the pool opened ${stats.connections} connections, more than its cap of ${cap}`);
  }
  if (pooling.perRequest && stats.connections < 0.9 * stats.requests)
    throw new Error(`${stats.requests} requests came on ${stats.connections} connections: keep-alive is not off`);
  if (pooling.reuses) await checkReuse(ctx, stats, pooling.capped ? cap : undefined);
  if (pooling.keepAliveCap && seesCloses) await checkIdleClosed(ctx, pooling.keepAliveCap(cap));
  if (pooling.timesOut) await checkTimeouts(ctx, stats, cap);
}

/**
 * Once warm, a burst of `concurrency` requests at once, BURST_ROUNDS times, goes over the pool's
 * connections: a pool that does not reuse them opens one per request. One that does may still grow
 * where it has room: an undici pool whose every connection has just finished a response sees none
 * free until their drain events have run (a microtask later), and opens more, up to its cap (node's
 * fetch, uncapped, grew to twice its 16 callers: 16 connections more over 2 of 300 bursts,
 * 2026-12-07). So a pool may open at most one round's worth, and a capped one no more than its cap
 * leaves.
 */
async function checkReuse(ctx: VerifyContext<HttpState>, stats: TargetStats, cap?: number): Promise<void> {
  const concurrency = Number(ctx.params.concurrency);
  const mayOpen = cap === undefined ? concurrency : Math.max(0, Math.min(concurrency, cap - stats.connections));
  await burst(ctx);
  const opened = (await targetStats(ctx.state.base)).connections - stats.connections;
  if (opened > mayOpen)
    throw new Error(
      `${opened} new connections were opened after warm-up for ${concurrency * BURST_ROUNDS} requests (at most ` +
        `${mayOpen} may be): the pool does not reuse its connections`,
    );
}

/** after a burst, idle connections beyond the keep-alive cap are closed */
async function checkIdleClosed(ctx: VerifyContext<HttpState>, idleCap: number): Promise<void> {
  await burst(ctx);
  let open = Number.POSITIVE_INFINITY;
  for (const t0 = ctx.runtime.now(); ctx.runtime.now() - t0 < IDLE_CLOSE_MS; ) {
    open = (await targetStats(ctx.state.base)).openConnections;
    if (open <= idleCap) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${open} connections stayed open while idle, the keep-alive cap is ${idleCap}`);
}

/**
 * Requests did time out, each cost at most one replaced connection, and the pool still answers: a
 * burst of plain requests through it is answered in full. (The op's own requests are no test of
 * that on a loaded machine, where a plain request can miss the op's short deadline too.)
 */
async function checkTimeouts(ctx: VerifyContext<HttpState>, stats: TargetStats, cap: number): Promise<void> {
  const { state } = ctx;
  ctx.record('timed out', state.sent ? state.timeouts / state.sent : 0, 'ratio');
  if (state.timeouts === 0) throw new Error('no request timed out: the case never exercised its timeout');
  if (stats.connections > cap + state.timeouts)
    throw new Error(
      `the pool opened ${stats.connections} connections: more than its cap of ${cap} plus one per timeout (${state.timeouts})`,
    );
  const plain = state.plainRequest;
  if (plain === undefined) throw new Error('the timeout case set no plain request to check the pool with');
  const sent = Number(ctx.params.concurrency) * BURST_ROUNDS;
  const outcomes = await Promise.allSettled(Array.from({ length: sent }, () => plain()));
  const answered = outcomes.filter((o) => o.status === 'fulfilled').length;
  if (answered < sent)
    throw new Error(
      `after its timeouts the pool answered ${answered} of ${sent} plain requests within ${RECOVERY_MS} ms`,
    );
}
