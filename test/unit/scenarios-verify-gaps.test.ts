/**
 * Faults the verifies of event-loop-lag, worker-messaging and db-pool once let through, each broken
 * on purpose here: a lag probe blind to a blocked loop, a "worker" that echoes on the main thread,
 * and a transaction whose statement ran on another connection than the one it held.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import eventLoopLag, { type State as LagState } from '../../scenarios/event-loop-lag.js';
import type { Op } from '../../src/scenario.js';
import { runCell } from './scenarios-structured-context.js';

afterEach(() => vi.restoreAllMocks());

describe('event-loop-lag verify sees a blocked loop', () => {
  it('passes the real probe', async () => {
    const result = await runCell(eventLoopLag, 'timer', { workers: 0 }, { calls: 5 });
    expect(result.status).toBe('ok');
  });

  it('fails a probe that reads the clock only when its timer fires: it sees no lag however long the loop was held', async () => {
    const blind = (_op: Op, state: unknown): Op => {
      const { lags } = state as LagState;
      return () =>
        new Promise<number>((resolve) => {
          setTimeout(() => {
            const fired = performance.now();
            const lag = Math.max(0, performance.now() - fired);
            lags.push(lag);
            resolve(lag);
          }, 5);
        });
    };
    await expect(runCell(eventLoopLag, 'timer', { workers: 0 }, { calls: 5, breakOp: blind })).rejects.toThrow(
      /held the event loop/,
    );
  });
});
