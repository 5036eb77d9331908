/**
 * A rate-limited HTTP client (the seed's RateLimitedClient): `concurrency` callers, at most
 * `maxConcurrent` requests at the server at once. Cases: the seed's wrapper over our Semaphore,
 * `p-limit`, and an undici Pool capped at `maxConcurrent` connections (the limit as a pool size).
 * The first two share one undici Pool with a connection per caller, so the limiter is what limits.
 * Requests go to the target's delay mode, so they overlap at the server and a broken limit shows.
 *
 * Invariant: the server never saw more than `maxConcurrent` requests at once (its own count). And
 * verify's own burst of `concurrency` calls at once all reached it: a client that answered without
 * a request would pass the limit, however fast.
 */
import {
  defineScenario,
  expectRequests,
  resetTarget,
  Semaphore,
  TARGET_BODY,
  targetStats,
  targetUrl,
  type VerifyContext,
} from 'asyncbench';
import pLimit from 'p-limit';

/** server-side time of one request: long enough that requests overlap, short enough for many per second */
const DELAY_MS = 2;

type Get = () => Promise<void>;

interface LimitState {
  base: string;
  close: (() => Promise<void>)[];
}

/** The seed's RateLimitedClient: every get holds a permit of the semaphore. */
class RateLimitedClient {
  private readonly semaphore: Semaphore;
  constructor(
    private readonly get: Get,
    maxConcurrent: number,
  ) {
    this.semaphore = new Semaphore(maxConcurrent);
  }
  fetch(): Promise<void> {
    return this.semaphore.use(this.get);
  }
}

/** A GET of the delay endpoint over an undici Pool of `connections`, checked. */
async function pooledGet(
  ctx: { runtime: VerifyContext['runtime']; state: LimitState },
  connections: number,
): Promise<Get> {
  const { module: undici } = await ctx.runtime.importUndici();
  const pool = new undici.Pool(ctx.state.base, { connections });
  ctx.state.close.push(() => pool.close());
  const url = new URL(targetUrl(ctx.state.base, { mode: 'delay', ms: DELAY_MS }));
  const path = url.pathname + url.search;
  return async () => {
    const { statusCode, body } = await pool.request({ method: 'GET', path });
    const text = await body.text();
    if (statusCode !== 200 || text !== TARGET_BODY) throw new Error(`wrong response: ${statusCode}`);
  };
}

/** `concurrency` calls at once (a limit to respect), each of which must reach the server. */
async function burst(ctx: VerifyContext<LimitState>): Promise<void> {
  const calls = Number(ctx.params.concurrency);
  await expectRequests(ctx.state.base, calls, "verify's burst", () =>
    Promise.all(Array.from({ length: calls }, () => ctx.op())),
  );
}

export default defineScenario<LimitState>({
  id: 'rate-limit',
  title: 'Rate-limited HTTP client',
  pattern: 'httpx AsyncClient: rate-limited client',
  kind: 'throughput',
  metric: { name: 'requests per second', unit: 'req/s', better: 'higher' },
  params: { maxConcurrent: [1, 5, 20], concurrency: [64] },
  defaults: { maxConcurrent: [5] },
  requires: ['http'],
  async setup(ctx) {
    const http = ctx.services.http;
    if (!http) throw new Error('rate-limit needs the HTTP target server (ctx.services.http is missing)');
    await resetTarget(http.url);
    return { base: http.url, close: [] };
  },
  cases: {
    semaphore: async (ctx) => {
      const client = new RateLimitedClient(
        await pooledGet(ctx, Number(ctx.params.concurrency)),
        Number(ctx.params.maxConcurrent),
      );
      return () => client.fetch();
    },
    'p-limit': async (ctx) => {
      const get = await pooledGet(ctx, Number(ctx.params.concurrency));
      const limit = pLimit(Number(ctx.params.maxConcurrent));
      return () => limit(get);
    },
    'undici-pool-cap': (ctx) => pooledGet(ctx, Number(ctx.params.maxConcurrent)),
  },
  async verify(ctx) {
    const max = Number(ctx.params.maxConcurrent);
    await burst(ctx);
    const stats = await targetStats(ctx.state.base);
    ctx.record('server max in flight', stats.maxInFlight, 'requests');
    if (stats.failures > 0) throw new Error(`the server failed ${stats.failures} requests`);
    if (stats.maxInFlight > max)
      throw new Error(`the server saw ${stats.maxInFlight} requests at once, more than maxConcurrent ${max}`);
    if (stats.maxInFlight === 0) throw new Error('the server saw no request');
  },
  async teardown(ctx) {
    await Promise.all(ctx.state.close.map((close) => close()));
  },
});
