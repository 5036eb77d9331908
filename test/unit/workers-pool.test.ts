import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool, WorkerTaskError } from '../../src/patterns/worker-pool.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import type { RuntimeAdapter } from '../../src/runtimes/types.js';
import { buildFixtures } from '../support/fixtures.js';

interface TestTask {
  value: number;
  delayMs?: number;
  action?: 'throw' | 'crash' | 'exit' | 'held' | 'block' | 'unblock';
}

let outdir: string;
let workerModule: string;
let runtime: RuntimeAdapter;
const pools: WorkerPool[] = [];

function makePool(size: number, workerData?: unknown, tasksPerWorker?: number): WorkerPool<TestTask, number> {
  const pool = new WorkerPool<TestTask, number>({ runtime, module: workerModule, size, workerData, tasksPerWorker });
  pools.push(pool as WorkerPool);
  return pool;
}

beforeAll(async () => {
  outdir = await buildFixtures('workers-pool-unit', ['test/fixtures/workers-pool-worker.ts']);
  workerModule = join(outdir, 'workers-pool-worker.js');
  runtime = await currentRuntime();
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  rmSync(outdir, { recursive: true, force: true });
});

describe('WorkerPool', () => {
  it('pre-warms: ready() resolves once every worker has started', async () => {
    const pool = makePool(3);
    await pool.ready();
    expect(await pool.run({ value: 21 })).toBe(42);
  });

  it('returns results in submission order although later tasks finish first', async () => {
    const pool = makePool(4);
    await pool.ready(); // the finishing order then follows the delays, not the workers' start-up
    // the first task sleeps 400 ms longer than the fourth: only a stall that long could let it finish first
    const delays = [400, 300, 200, 0, 100, 50];
    const finished: number[] = [];
    const promises = delays.map(async (delayMs, value) => {
      const result = await pool.run({ value, delayMs });
      finished.push(value);
      return result;
    });
    expect(await Promise.all(promises)).toEqual(delays.map((_, value) => value * 2));
    expect(finished).not.toEqual(delays.map((_, value) => value));
    expect(await pool.map([5, 6, 7].map((value) => ({ value })))).toEqual([10, 12, 14]);
  });

  it('queues more tasks than workers and runs them all', async () => {
    const pool = makePool(2);
    const values = Array.from({ length: 25 }, (_, i) => i);
    expect(await pool.map(values.map((value) => ({ value, delayMs: 1 })))).toEqual(values.map((v) => v * 2));
  });

  it('fails only the task whose handler threw; the worker stays', async () => {
    const pool = makePool(1);
    await pool.ready();
    await expect(pool.run({ value: 1, action: 'throw' })).rejects.toThrow(WorkerTaskError);
    expect(await pool.run({ value: 2 })).toBe(4);
    expect(pool.replaced).toBe(0);
  });

  it('replaces a worker that dies and reports its task failed', async () => {
    const pool = makePool(2);
    await pool.ready();
    const crashed = pool.run({ value: 1, action: 'crash' });
    const neighbour = pool.run({ value: 2, delayMs: 20 });
    await expect(crashed).rejects.toThrow(/worker died/);
    expect(await neighbour).toBe(4);
    expect(pool.replaced).toBe(1);
    // the replacement takes work: more tasks than the one surviving worker could run alone in time
    expect(await pool.map([1, 2, 3, 4].map((value) => ({ value })))).toEqual([2, 4, 6, 8]);
    await pool.ready();
  });

  it('fails the task of a worker that exits on its own, even with code 0, and replaces it', async () => {
    const pool = makePool(1);
    await pool.ready();
    await expect(pool.run({ value: 1, action: 'exit' })).rejects.toThrow(/exited with code 0/);
    expect(await pool.run({ value: 2 })).toBe(4);
    expect(pool.replaced).toBe(1);
  });

  it('rejects everything when its worker module cannot start, instead of respawning forever', async () => {
    const pool = makePool(1, { failAtStart: true });
    await expect(pool.ready()).rejects.toThrow(/failed to start/);
    await expect(pool.run({ value: 1 })).rejects.toThrow(/failed to start/);
    expect(pool.replaced).toBe(0);
  });

  it('close() rejects queued tasks and refuses new ones', async () => {
    const pool = makePool(1);
    await pool.ready();
    const running = pool.run({ value: 1, delayMs: 200 });
    const queued = pool.run({ value: 2 });
    const settled = Promise.allSettled([running, queued]);
    await pool.close();
    const [ran, waited] = await settled;
    expect(ran.status === 'rejected' && ran.reason).toBeInstanceOf(WorkerTaskError);
    expect(waited.status === 'rejected' && String(waited.reason)).toMatch(/closed/);
    await expect(pool.run({ value: 3 })).rejects.toThrow(/closed/);
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => makePool(0)).toThrow(RangeError);
    expect(() => makePool(1, undefined, 0)).toThrow(RangeError);
  });

  it('a worker holds up to 2 tasks by default, so the next one waits in the worker, not in the pool', async () => {
    const two = makePool(1);
    await two.ready();
    const blocked = two.run({ value: 1, action: 'block' });
    expect(await two.run({ value: 0, action: 'held' })).toBe(2); // sent while the blocked one runs
    await two.run({ value: 0, action: 'unblock' });
    expect(await blocked).toBe(2);
    const one = makePool(1, undefined, 1);
    await one.ready();
    const slow = one.run({ value: 1, delayMs: 20 });
    expect(await one.run({ value: 0, action: 'held' })).toBe(1); // sent only once the slow one answered
    expect(await slow).toBe(2);
  });

  it('spreads tasks over the workers before giving any worker a second one', async () => {
    const pool = makePool(2);
    await pool.ready();
    const blocked = [pool.run({ value: 1, action: 'block' }), pool.run({ value: 2, action: 'block' })];
    // each worker holds one blocked task: the third goes to one of them as its second
    expect(await pool.run({ value: 0, action: 'held' })).toBe(2);
    await Promise.all([pool.run({ value: 0, action: 'unblock' }), pool.run({ value: 0, action: 'unblock' })]);
    expect(await Promise.all(blocked)).toEqual([2, 4]);
    const spread = makePool(2);
    await spread.ready();
    const first = spread.run({ value: 1, action: 'block' });
    expect(await spread.run({ value: 0, action: 'held' })).toBe(1); // the idle worker got it
    // sent together: the first goes to the idle worker, the second to the blocked one
    await Promise.all([spread.run({ value: 0, action: 'unblock' }), spread.run({ value: 0, action: 'unblock' })]);
    expect(await first).toBe(2);
  });

  it('a dying worker fails every task it held', async () => {
    const pool = makePool(1);
    await pool.ready();
    const crashed = pool.run({ value: 1, action: 'crash' });
    const second = pool.run({ value: 2, delayMs: 10 });
    await expect(crashed).rejects.toThrow(/worker died/);
    await expect(second).rejects.toThrow(/worker died/);
    expect(await pool.run({ value: 3 })).toBe(6);
  });
});
