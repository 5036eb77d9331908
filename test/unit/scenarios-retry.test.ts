/**
 * The retry scenario against a real HTTP target served from this test process (flaky mode): the
 * backoff checks pass for every case, and fail when the sleep is taken out or the policy asks for
 * other delays than it is defined to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import retryScenario, {
  BACKOFFS,
  backoffCase,
  checkGaps,
  policyAllows,
  type RetryState,
} from '../../scenarios/retry.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import type { HttpServerHandle } from '../../src/runtimes/types.js';
import type { Scenario } from '../../src/scenario.js';
import { createTarget, webHandler } from '../../src/services/http-target-handler.js';
import { runCell } from './scenarios-structured-context.js';

let server: HttpServerHandle;
const params = { target: 'flaky', concurrency: 4 };

beforeAll(async () => {
  const runtime = await currentRuntime();
  server = await runtime.serve(webHandler(createTarget()), { port: 0 });
});
afterAll(async () => {
  await server.close();
});

const cell = (scenario: Scenario<RetryState>, caseName: string) =>
  runCell(scenario, caseName, params, { services: { http: { url: server.url } }, calls: 40 });

describe('retry scenario', () => {
  it('leads its tables with the success rate verify records, not the calls/s that rank the shortest sleeps first', () => {
    expect(retryScenario.headline).toEqual({ figure: 'success rate', name: 'success rate', better: 'higher' });
  });

  for (const caseName of Object.keys(retryScenario.cases)) {
    it(`${caseName}: the waits between attempts are the delays the policy asked for`, async () => {
      const result = await cell(retryScenario, caseName);
      expect(result.status).toBe('ok');
      if (result.status === 'ok') expect(result.records['median wait beyond the asked delay']).toBeDefined();
    });
  }

  it('verify fails a retry loop whose sleep was taken out', async () => {
    const noSleep = { ...retryScenario, cases: { exponential: backoffCase(BACKOFFS.exponential, async () => {}) } };
    await expect(cell(noSleep, 'exponential')).rejects.toThrow(/shorter than asked.*did not sleep/);
  });

  it('verify fails a retry loop that gives up with attempts left', async () => {
    // two attempts, not five: at a 30% failure rate about 9 calls in 100 give up, with their last error
    const quitter = { ...retryScenario, cases: { exponential: backoffCase(BACKOFFS.exponential, undefined, 2) } };
    const result = runCell(quitter, 'exponential', params, { services: { http: { url: server.url } }, calls: 200 });
    await expect(result).rejects.toThrow(/calls gave up before their 5th attempt/);
  });

  it('verify fails a policy that asks for other delays than it is defined to', async () => {
    const doubled = { ...retryScenario, cases: { exponential: backoffCase(() => (n) => 2 * 2 * 2 ** (n - 1)) } };
    await expect(cell(doubled, 'exponential')).rejects.toThrow(/not what the policy defines/);
  });

  it('checkGaps fails waits much longer than asked, and a run with nothing retried', () => {
    const late = Array.from({ length: 20 }, (_, i) => ({ attempt: 1, asked: 2, actual: 2 + 40 + i }));
    expect(() => checkGaps('fixed', late, [true])).toThrow(/median wait .* longer than asked/);
    expect(() => checkGaps('fixed', [], [])).toThrow(/no call was retried/);
    expect(policyAllows('decorrelated-jitter', 2, 7, 2)).toBe(false); // more than 3x the last
    expect(policyAllows('decorrelated-jitter', 2, 5.9, 2)).toBe(true);
    expect(policyAllows('full-jitter', 3, 8.5, undefined)).toBe(false); // beyond 2 * 2^2
  });
});
