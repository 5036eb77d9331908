/**
 * The graceful-shutdown scenario's child program on the real runtimes: with requests held in
 * flight, SIGTERM or SIGINT must drain them all, stop the sidecar child, and exit with code 0.
 * Spawned from node, whose child_process reports exit codes faithfully.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, pinnedRuntimes, scriptCommand } from '../support/fixtures.js';

let outdir: string;
const runtimes = await pinnedRuntimes();
const IN_FLIGHT = 20;

beforeAll(async () => {
  outdir = await buildFixtures('workers-shutdown-integration', [
    'src/workers/shutdown-server.ts',
    'src/workers/shutdown-sidecar.ts',
  ]);
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function nextLine(child: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find(match);
      if (line !== undefined) {
        child.stdout?.off('data', onData);
        resolve(line);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', () => reject(new Error(`exited before the line; output: ${text}`)));
  });
}

function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return false;
  }
}

describe.each(runtimes.map((rt) => [rt.name, rt] as const))('shutdown-server on %s', (_name, rt) => {
  it.each(['SIGTERM', 'SIGINT'] as const)('drains every in-flight request on %s and exits 0', async (signal) => {
    const { command, args, env } = scriptCommand(rt, join(outdir, 'shutdown-server.js'), [String(IN_FLIGHT)]);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (code, sig) => resolve([code, sig])),
    );
    const inflight = nextLine(child, (line) => line === `inflight ${IN_FLIGHT}`);
    const drained = nextLine(child, (line) => line.startsWith('drained '));
    const [, url, sidecarPid] = (await nextLine(child, (line) => line.startsWith('ready '))).split(' ');
    expect(alive(Number(sidecarPid))).toBe(true);
    const bodies = Array.from({ length: IN_FLIGHT }, (_, i) => fetch(`${url}/${i}`).then((r) => r.text()));
    await inflight;
    child.kill(signal);
    expect(await Promise.all(bodies)).toEqual(Array.from({ length: IN_FLIGHT }, (_, i) => `done ${i}`));
    expect(await drained).toBe(`drained accepted=${IN_FLIGHT} answered=${IN_FLIGHT}`);
    expect(await exited).toEqual([0, null]);
    expect(alive(Number(sidecarPid))).toBe(false);
  });
});
