/**
 * The rate-limit scenario against the HTTP target served from this test process: every case keeps
 * the server's requests in flight within maxConcurrent, and verify fails a client that breaks the
 * limit or answers without asking the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rateLimit from '../../scenarios/rate-limit.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import type { HttpServerHandle } from '../../src/runtimes/types.js';
import type { CaseFn, Scenario } from '../../src/scenario.js';
import { createTarget, webHandler } from '../../src/services/http-target-handler.js';
import { type CellOptions, keptFirstResult, runCell } from './scenarios-structured-context.js';

let server: HttpServerHandle;
const params = { maxConcurrent: 2, concurrency: 8 };

beforeAll(async () => {
  const runtime = await currentRuntime();
  server = await runtime.serve(webHandler(createTarget()), { port: 0 });
});
afterAll(async () => {
  await server.close();
});

const cell = (caseName: string, options: CellOptions = {}) =>
  runCell(rateLimit, caseName, params, {
    services: { http: { url: server.url } },
    calls: 32,
    concurrency: 8,
    ...options,
  });

describe('rate-limit scenario', () => {
  for (const caseName of Object.keys(rateLimit.cases))
    it(`${caseName}: the server never sees more than maxConcurrent requests at once`, async () => {
      const result = await cell(caseName);
      expect(result.status).toBe('ok');
      if (result.status === 'ok') expect(result.records['server max in flight']?.value).toBeLessThanOrEqual(2);
    });

  it('verify fails a limiter that lets every caller through', async () => {
    // p-limit built with the callers' count as its limit: 8 at once where 2 are allowed
    const pLimitCase = rateLimit.cases['p-limit'] as CaseFn<unknown>;
    const unlimited = {
      ...rateLimit,
      cases: { 'p-limit': (ctx) => pLimitCase({ ...ctx, params: { ...ctx.params, maxConcurrent: 8 } }) },
    } as Scenario<unknown>;
    await expect(
      runCell(unlimited, 'p-limit', params, { services: { http: { url: server.url } }, calls: 32, concurrency: 8 }),
    ).rejects.toThrow(/requests at once, more than maxConcurrent 2/);
  });

  it('verify fails a client whose calls answer without a request once one succeeded', async () => {
    // never more than the limit at the server: only the requests it saw tell
    await expect(cell('p-limit', { breakOp: keptFirstResult })).rejects.toThrow(
      /the server saw 0 of the 8 requests verify's burst made: responses came from elsewhere/,
    );
  });
});
