import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverRuntimes } from '../../src/runtimes/discover.js';
import { TARGET_BODY } from '../../src/services/http-target-client.js';
import { type RunningServices, startServices } from '../../src/services/services.js';
import { alive, buildServer, ROOT } from './services-fixtures.js';

let dir: string;
beforeAll(async () => {
  ({ dir } = await buildServer());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function postmasterPid(url: string): Promise<{ pid: number; dataDir: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
    return {
      pid: Number(readFileSync(join(rows[0].dir, 'postmaster.pid'), 'utf8').split('\n')[0]),
      dataDir: rows[0].dir,
    };
  } finally {
    await client.end();
  }
}

describe.skipIf(process.env.DATABASE_URL)('startServices', () => {
  let running: RunningServices | undefined;
  afterAll(() => running?.stop());

  it('starts what the scenarios require, describes it without secrets, and stops it all', async () => {
    const runtimes = await discoverRuntimes(ROOT);
    running = await startServices(new Set(['postgres', 'http', 'workers']), {
      serverRuntime: 'node',
      runtimes,
      projectRoot: dir,
    });
    const { postgres, http } = running.services;
    if (!postgres || !http) throw new Error(`services missing: ${JSON.stringify(Object.keys(running.services))}`);
    expect(await (await fetch(`${http.url}/plain`)).text()).toBe(TARGET_BODY);
    const { pid, dataDir } = await postmasterPid(postgres.url);

    const description = JSON.stringify(running.describe());
    expect(description).not.toContain(new URL(postgres.url).password);
    expect(running.describe().services.http?.runtime).toBe('node');

    await Promise.all([running.stop(), running.stop()]);
    expect(alive(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    await expect(fetch(`${http.url}/plain`)).rejects.toThrow();
  });

  it('starts nothing that is not required', async () => {
    const runtimes = await discoverRuntimes(ROOT);
    const none = await startServices(new Set(['workers']), { serverRuntime: 'node', runtimes, projectRoot: dir });
    expect(none.services).toEqual({});
    await none.stop();
  });

  it('fails with a clear message for an unknown server runtime, leaving nothing running', async () => {
    const runtimes = await discoverRuntimes(ROOT);
    await expect(
      startServices(new Set(['http']), { serverRuntime: 'nope', runtimes, projectRoot: dir }),
    ).rejects.toThrow(/server runtime 'nope'/);
  });
});
