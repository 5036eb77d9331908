/**
 * The graceful-shutdown scenario with its built server (dist/workers/shutdown-server.js, in place of
 * the path the source scenario names): both signals pass, and an op that returns a time kept from
 * an earlier shutdown fails; so do servers that shut down wrong (test/fixtures/shutdown-faulty-server.ts).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import gracefulShutdown from '../../scenarios/graceful-shutdown.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import type { CaseContext } from '../../src/scenario.js';
import { buildFixtures } from '../support/fixtures.js';
import { keptFirstResult, runCell } from './scenarios-structured-context.js';

const BUILT = new URL('../../dist/workers/shutdown-server.js', import.meta.url);
let faultyDir: string;
beforeAll(async () => {
  faultyDir = await buildFixtures('graceful-shutdown-unit', ['test/fixtures/shutdown-faulty-server.ts']);
});
afterAll(() => rmSync(faultyDir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/**
 * The faulty server (its FAULT argument before the scenario's own) in place of the real one; with
 * `from` n, only from the n-th server started on, the built server before it.
 */
async function faultyServer(fault: 'cut' | 'drop' | 'late', from = 1) {
  const runtime = await currentRuntime();
  const spawn = runtime.spawnScript;
  const faulty = join(faultyDir, 'shutdown-faulty-server.js');
  let started = 0;
  vi.spyOn(runtime, 'spawnScript').mockImplementation((_script, args = [], options) =>
    ++started < from ? spawn(BUILT, args, options) : spawn(faulty, [fault, ...args], options),
  );
}

async function builtServer() {
  const runtime = await currentRuntime();
  const spawn = runtime.spawnScript;
  vi.spyOn(runtime, 'spawnScript').mockImplementation((_script, args, options) => spawn(BUILT, args, options));
}

describe('graceful-shutdown verify', () => {
  for (const caseName of ['sigterm', 'sigint'])
    it(`${caseName}: passes the server's shutdown with requests in flight`, async () => {
      await builtServer();
      expect((await runCell(gracefulShutdown, caseName, { inFlight: 10 }, { calls: 1 })).status).toBe('ok');
    });

  it('fails an op that returns the time of an earlier shutdown, starting no server', async () => {
    // every shutdown it did run was clean: only verify's own run tells
    await builtServer();
    await expect(
      runCell(gracefulShutdown, 'sigterm', { inFlight: 10 }, { calls: 2, breakOp: keptFirstResult }),
    ).rejects.toThrow(/verify's own shutdown started no server: the op's time came from elsewhere/);
  });

  it('fails a server that answers its held requests at once on the signal, cutting their work short', async () => {
    // every request answered `done <i>`, exit 0, the server's count right: only the answers' timing
    // tells. With the scenario's 20 ms of work the bound is 15 ms after the signal, which signal
    // delivery, wake-up and the answer's way back can take on a loaded machine; with 5 s of work (the
    // State's heldWorkMs) it is 3.75 s, and the cut server's answer would have to be that late to pass.
    // It does none of the work, so the test costs no time.
    await faultyServer('cut');
    const setup = gracefulShutdown.setup;
    if (!setup) throw new Error('graceful-shutdown has no setup');
    const longWork = {
      ...gracefulShutdown,
      setup: async (ctx: CaseContext<undefined>) => ({ ...(await setup(ctx)), heldWorkMs: 5_000 }),
    };
    await expect(runCell(longWork, 'sigterm', { inFlight: 10 }, { calls: 1 })).rejects.toThrow(
      /the first held request was answered [\d.]+ ms after the signal, before its 5000 ms of work/,
    );
  });

  it('fails a server that exits on the signal, dropping its held requests', async () => {
    await faultyServer('drop');
    await expect(runCell(gracefulShutdown, 'sigint', { inFlight: 10 }, { calls: 1 })).rejects.toThrow(
      /10 of 10 accepted requests went unanswered or wrongly answered/,
    );
  });

  it('fails a server that still accepts requests after it said it was stopping', async () => {
    // its held requests are all answered in full: only verify's late request tells. The late server
    // waits for that request, so it runs only verify's own shutdown (the second server started,
    // after the one measured call's): a measured shutdown sends none, and would wait out its exit deadline
    await faultyServer('late', 2);
    await expect(runCell(gracefulShutdown, 'sigterm', { inFlight: 10 }, { calls: 1 })).rejects.toThrow(
      /the server answered a request sent after it said it was stopping/,
    );
  });
});
