/**
 * The http-pool scenario against the HTTP target served from this test process (behind the Web
 * handler, so connections are told apart by client port and closes are not seen): every case passes
 * its pooling checks, and a case that does not pool the way it claims fails them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import httpPool, { type HttpState, POOLING } from '../../scenarios/http-pool.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import type { HttpServerHandle } from '../../src/runtimes/types.js';
import type { CaseFn, Scenario } from '../../src/scenario.js';
import { createTarget, webHandler } from '../../src/services/http-target-handler.js';
import { keptFirstResult, runCell } from './scenarios-structured-context.js';

let server: HttpServerHandle;
const params = { connections: 4, concurrency: 8 };

beforeAll(async () => {
  const runtime = await currentRuntime();
  // every 10th draw is low: /slow answers every 10th request late, so the timeout case always times out
  let draws = 0;
  server = await runtime.serve(webHandler(createTarget(() => (draws++ % 10 === 0 ? 0 : 0.99))), { port: 0 });
});
afterAll(async () => {
  await server.close();
});

const cell = (scenario: Scenario<HttpState>, caseName: string) =>
  runCell(scenario, caseName, params, { services: { http: { url: server.url } }, calls: 64, concurrency: 8 });

/** the scenario with `caseName` run by another case's code: a case that does not pool as it claims */
const posing = (caseName: string, actually: string): Scenario<HttpState> => ({
  ...httpPool,
  cases: { [caseName]: httpPool.cases[actually] as CaseFn<HttpState> },
});

/** the keep-alive case on one agent for `warmCalls` calls, then on a second one: a pool that grew */
const growingPool =
  (warmCalls: number): CaseFn<HttpState> =>
  async (ctx) => {
    const keepAlive = httpPool.cases['node-http-keepalive'] as CaseFn<HttpState>;
    const warm = await keepAlive(ctx);
    const closeWarm = ctx.state.close;
    const grown = await keepAlive(ctx);
    const closeGrown = ctx.state.close;
    ctx.state.close = async () => {
      await closeWarm?.();
      await closeGrown?.();
    };
    let calls = 0;
    return () => (calls++ < warmCalls ? warm() : grown());
  };

describe('http-pool scenario', () => {
  it('ranks the timeout case, whose requests go to a slow path and partly give up, apart from the plain requests', () => {
    expect((httpPool.caseMetrics?.['undici-pool-timeout'] ?? httpPool.metric)?.name).not.toBe(httpPool.metric?.name);
  });

  it('declares the pooling of every case', () => {
    expect(Object.keys(POOLING).sort()).toEqual(Object.keys(httpPool.cases).sort());
  });

  for (const caseName of Object.keys(httpPool.cases)) {
    it(`${caseName}: the server's connection counts match the pooling the case claims`, async () => {
      const result = await cell(httpPool, caseName);
      expect(result.status).toBe('ok');
      if (result.status === 'ok') expect(result.records['connections opened'].value).toBeGreaterThan(0);
    });
  }

  it('verify fails a "pool" that opens a connection per request', async () => {
    await expect(cell(posing('undici-pool', 'node-http-no-keepalive'), 'undici-pool')).rejects.toThrow(
      /more than its cap of 4|not reuse/,
    );
  });

  it('verify fails an uncapped pool that opens a connection per request', async () => {
    await expect(cell(posing('fetch', 'node-http-no-keepalive'), 'fetch')).rejects.toThrow(
      /24 requests \(at most 8 may be\): the pool does not reuse/,
    );
  });

  it('verify lets an uncapped pool grow by one round of the burst once warm, as node fetch does', async () => {
    // the cell's 64 calls and verify's first burst (3 rounds of 8) on one agent of 4 sockets, then the
    // burst checkReuse times on another: 4 connections opened after warm-up, for 8 callers at once
    const growing: Scenario<HttpState> = { ...httpPool, cases: { fetch: growingPool(64 + 3 * 8) } };
    const result = await cell(growing, 'fetch');
    expect(result.status).toBe('ok');
  });

  it('verify fails a pool with more connections than its cap', async () => {
    // the runtime's fetch has no cap: 8 callers get 8 connections where the pool allows 4
    await expect(cell(posing('node-http-keepalive', 'fetch'), 'node-http-keepalive')).rejects.toThrow(
      /more than its cap of 4/,
    );
  });

  it('verify fails a "no keep-alive" client that reuses its connections', async () => {
    await expect(
      cell(posing('node-http-no-keepalive', 'node-http-keepalive'), 'node-http-no-keepalive'),
    ).rejects.toThrow(/keep-alive is not off/);
  });

  for (const caseName of ['undici-pool', 'node-http-keepalive-cap', 'node-http-no-keepalive'])
    it(`verify fails a ${caseName} op that answers from a response it kept, without a request`, async () => {
      // one real request, then the same answer again: no connection opened, none too many
      await expect(
        runCell(httpPool, caseName, params, {
          services: { http: { url: server.url } },
          calls: 64,
          concurrency: 8,
          breakOp: keptFirstResult,
        }),
      ).rejects.toThrow(/the server saw 0 of the 24 requests verify's burst made/);
    });

  it('verify fails a timeout case in which no request timed out', async () => {
    await expect(cell(posing('undici-pool-timeout', 'undici-pool'), 'undici-pool-timeout')).rejects.toThrow(
      /never exercised its timeout/,
    );
  });
});
