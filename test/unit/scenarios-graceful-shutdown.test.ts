/**
 * The graceful-shutdown scenario with its built server (dist/workers/shutdown-server.js, in place of
 * the path the source scenario names): both signals pass, and an op that returns a time kept from
 * an earlier shutdown fails.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import gracefulShutdown from '../../scenarios/graceful-shutdown.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import { keptFirstResult, runCell } from './scenarios-structured-context.js';

afterEach(() => vi.restoreAllMocks());

async function builtServer() {
  const runtime = await currentRuntime();
  const spawn = runtime.spawnScript;
  const built = new URL('../../dist/workers/shutdown-server.js', import.meta.url);
  vi.spyOn(runtime, 'spawnScript').mockImplementation((_script, args, options) => spawn(built, args, options));
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
});
