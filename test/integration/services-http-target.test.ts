import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentRuntime } from '../../src/runtimes/current.js';
import { runtimeCommand } from '../../src/runtimes/discover.js';
import { type HttpTargetService, startHttpTarget } from '../../src/services/http-target.js';
import { resetTarget, TARGET_BODY, targetStats, targetUrl } from '../../src/services/http-target-client.js';
import { pinnedRuntimes } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';
import { alive, buildServer } from './services-fixtures.js';

let script: string;
let dir: string;
beforeAll(async () => {
  ({ dir, script } = await buildServer());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runtimes = await pinnedRuntimes();

describe.each(runtimes.map((rt) => [rt.label, rt] as const))('HTTP target server on %s', (_label, rt) => {
  let target: HttpTargetService | undefined;
  afterAll(() => target?.stop());

  it('serves every mode, counts what it saw, and is gone after stop()', async () => {
    const host = await currentRuntime();
    target = await startHttpTarget(host, runtimeCommand(rt, script));
    const base = target.url;
    const get = async (mode: Parameters<typeof targetUrl>[1]) => {
      const response = await fetch(targetUrl(base, mode));
      return { status: response.status, body: await response.text() };
    };

    expect(await get({ mode: 'plain' })).toEqual({ status: 200, body: TARGET_BODY });
    expect((await get({ mode: 'delay', ms: 20 })).status).toBe(200);
    expect((await get({ mode: 'flaky', p: 1 })).status).toBe(503);
    expect((await get({ mode: 'flaky', p: 0 })).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(400);

    let stats = await targetStats(base);
    expect(stats).toMatchObject({ requests: 5, failures: 1, inFlight: 0, maxInFlight: 1 });
    // one client, one request at a time: a connection or two (the stats request's own is not counted)
    expect(stats.connections).toBeGreaterThanOrEqual(1);
    expect(stats.connections).toBeLessThanOrEqual(5);
    // a node:http server sees connections close, Deno's and Bun's do not (-1)
    if (rt.name === 'node') expect(stats.openConnections).toBe(stats.connections);
    else expect(stats.openConnections).toBe(-1);

    // capacity: 6 at once against n=2 -> some are shed with 503, and the server saw them all at once.
    // Each admitted request is held 2 s, a margin no busy 2-core machine needs to send 6 requests in.
    await resetTarget(base);
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => get({ mode: 'capacity', n: 2, ms: 2000 }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    stats = await targetStats(base);
    expect(stats.requests).toBe(6);
    expect(stats.failures).toBe(statuses.filter((s) => s === 503).length);
    expect(stats.maxInFlight).toBeGreaterThan(2);
    expect(stats.connections).toBe(6); // six requests at once came on six connections

    const { pid } = target;
    await target.stop();
    await target.stop();
    expect(alive(pid)).toBe(false);
  });
});

describe('an HTTP target server that never prints its port', () => {
  it('is stopped as soon as the start is aborted (Ctrl-C), not after the 20 s start timeout', async () => {
    const pidFile = join(tempDir('http-target-abort'), 'pid');
    const silent = `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
    const aborting = new AbortController();
    const start = startHttpTarget(
      await currentRuntime(),
      { command: process.execPath, args: ['-e', silent] },
      aborting.signal,
    );
    await waitForFile(pidFile);
    aborting.abort(new Error('interrupted while it started'));
    // a start that ignored the abort would reject with its own 20 s timeout, not the abort's reason
    await expect(start).rejects.toThrow(/^interrupted while it started/);
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });
});

async function waitForFile(path: string): Promise<void> {
  for (;;) {
    try {
      if (readFileSync(path, 'utf8')) return;
    } catch {
      // not yet written
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
