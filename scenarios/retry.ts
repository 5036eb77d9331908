/**
 * Retry with backoff (the seed's `retry`), against a struggling server: the HTTP target's flaky mode
 * (fails a share of requests at random) or its capacity mode (sheds load above N concurrent, so
 * retries that come back at once make it worse). Cases: fixed delay, exponential (the seed's),
 * exponential with full jitter, decorrelated jitter (AWS's names), and `p-retry`. Every case makes
 * at most MAX_ATTEMPTS attempts per call.
 *
 * One op is one call that retries until success or until attempts run out; running out is counted,
 * not thrown (a throw would fail the cell). Recorded: success rate, attempts per success (the
 * extra load the policy puts on the server), p99 time to success, and the server's own request count.
 * Invariants: no call made more than MAX_ATTEMPTS attempts; a call that gave up surfaced the error
 * of its last attempt.
 */
import { defineScenario, resetTarget, TARGET_BODY, targetStats, targetUrl, type VerifyContext } from 'asyncbench';
import pRetry from 'p-retry';

const MAX_ATTEMPTS = 5;
const BASE_MS = 2;
const CAP_MS = 50;
const TARGETS = {
  flaky: { mode: 'flaky', p: 0.3, ms: 1 },
  capacity: { mode: 'capacity', n: 4, ms: 5 },
} as const;

/** The error of one failed attempt, numbered so the surfaced error can be checked. */
class AttemptError extends Error {
  constructor(
    readonly attempt: number,
    status: number,
  ) {
    super(`attempt ${attempt}: HTTP ${status}`);
  }
}

type Attempt = (attempt: number) => Promise<void>;
/** gives the delay before the next attempt, after `attempt` attempts failed; fresh for every call */
type Backoff = () => (attempt: number) => number;

const exponential = (attempt: number) => Math.min(CAP_MS, BASE_MS * 2 ** (attempt - 1));

const BACKOFFS: Record<string, Backoff> = {
  fixed: () => () => BASE_MS,
  exponential: () => exponential,
  'full-jitter': () => (attempt) => Math.random() * exponential(attempt),
  'decorrelated-jitter': () => {
    let previous = BASE_MS;
    return () => {
      previous = Math.min(CAP_MS, BASE_MS + Math.random() * (previous * 3 - BASE_MS));
      return previous;
    };
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The seed's retry loop with a pluggable backoff: the last attempt's error goes up unchanged. */
async function retry(attempt: Attempt, backoff: Backoff): Promise<void> {
  const delay = backoff();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= MAX_ATTEMPTS) throw error;
      await sleep(delay(n));
    }
  }
}

interface RetryState {
  base: string;
  calls: number;
  successes: number;
  attempts: number;
  maxAttemptsPerCall: number;
  /** calls that gave up with an error other than their last attempt's */
  wrongErrors: number;
  /** ms of every successful call */
  successMs: number[];
  close?: () => Promise<void>;
}

/** One call: retried attempts, tallied; giving up is counted, never thrown. */
function callOp(
  ctx: { state: RetryState; runtime: VerifyContext['runtime'] },
  get: Attempt,
  run: (attempt: Attempt) => Promise<void>,
) {
  const { state, runtime } = ctx;
  return async () => {
    const t0 = runtime.now();
    let made = 0;
    state.calls++;
    try {
      await run((n) => {
        made = n;
        state.attempts++;
        return get(n);
      });
      state.successes++;
      state.successMs.push(runtime.now() - t0);
    } catch (error) {
      if (!(error instanceof AttemptError) || error.attempt !== made) state.wrongErrors++;
    } finally {
      state.maxAttemptsPerCall = Math.max(state.maxAttemptsPerCall, made);
    }
  };
}

async function attemptGet(ctx: {
  state: RetryState;
  params: Record<string, unknown>;
  runtime: VerifyContext['runtime'];
}): Promise<Attempt> {
  const { module: undici } = await ctx.runtime.importUndici();
  const pool = new undici.Pool(ctx.state.base, { connections: Number(ctx.params.concurrency) });
  ctx.state.close = () => pool.close();
  const url = new URL(targetUrl(ctx.state.base, TARGETS[ctx.params.target as keyof typeof TARGETS]));
  const path = url.pathname + url.search;
  return async (attempt) => {
    const { statusCode, body } = await pool.request({ method: 'GET', path });
    const text = await body.text();
    if (statusCode !== 200) throw new AttemptError(attempt, statusCode);
    if (text !== TARGET_BODY) throw new Error(`wrong body: ${text.slice(0, 80)}`);
  };
}

function backoffCase(backoff: Backoff) {
  return async (ctx: Parameters<typeof attemptGet>[0]) =>
    callOp(ctx, await attemptGet(ctx), (attempt) => retry(attempt, backoff));
}

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

export default defineScenario<RetryState>({
  id: 'retry',
  title: 'Retry with backoff against a struggling server',
  pattern: 'Structured concurrency: retry with backoff',
  kind: 'throughput',
  metric: { name: 'calls per second', unit: 'calls/s', better: 'higher' },
  params: { target: ['flaky', 'capacity'], concurrency: [16] },
  requires: ['http'],
  async setup(ctx) {
    const http = ctx.services.http;
    if (!http) throw new Error('retry needs the HTTP target server (ctx.services.http is missing)');
    await resetTarget(http.url);
    return {
      base: http.url,
      calls: 0,
      successes: 0,
      attempts: 0,
      maxAttemptsPerCall: 0,
      wrongErrors: 0,
      successMs: [],
    };
  },
  cases: {
    fixed: backoffCase(BACKOFFS.fixed),
    exponential: backoffCase(BACKOFFS.exponential),
    'full-jitter': backoffCase(BACKOFFS['full-jitter']),
    'decorrelated-jitter': backoffCase(BACKOFFS['decorrelated-jitter']),
    'p-retry': async (ctx) => {
      const get = await attemptGet(ctx);
      const options = {
        retries: MAX_ATTEMPTS - 1,
        minTimeout: BASE_MS,
        maxTimeout: CAP_MS,
        factor: 2,
        randomize: false,
      };
      return callOp(ctx, get, async (attempt) => {
        await pRetry((n) => attempt(n), options);
      });
    },
  },
  async verify(ctx) {
    const { state } = ctx;
    const server = await targetStats(state.base);
    ctx.record('success rate', state.calls ? state.successes / state.calls : 0, 'ratio');
    ctx.record('attempts per success', state.successes ? state.attempts / state.successes : 0, 'attempts');
    ctx.record('p99 time to success', p99(state.successMs), 'ms');
    ctx.record('server requests per call', state.calls ? server.requests / state.calls : 0, 'requests');
    if (state.maxAttemptsPerCall > MAX_ATTEMPTS)
      throw new Error(`a call made ${state.maxAttemptsPerCall} attempts, more than the limit ${MAX_ATTEMPTS}`);
    if (state.wrongErrors > 0)
      throw new Error(`${state.wrongErrors} calls gave up with an error other than their last attempt's`);
    if (server.requests < state.attempts)
      throw new Error(`the server saw ${server.requests} requests, the client made ${state.attempts} attempts`);
    if (state.successes === 0) throw new Error('no call succeeded');
  },
  async teardown(ctx) {
    await ctx.state.close?.();
  },
});
