/**
 * The graceful-shutdown scenario's child program on the real runtimes: with requests held in
 * flight, SIGTERM or SIGINT must drain them all, stop the sidecar child, and exit with code 0.
 * Spawned from node, whose child_process reports exit codes faithfully.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const outdir = join(process.cwd(), '.tmp', 'workers-shutdown-integration');
const bin = join(process.cwd(), 'node_modules', '.bin');
const commands: Record<string, string[]> = {
  node: [join(bin, 'node')],
  deno: [join(bin, 'deno'), 'run', '--allow-net', '--allow-read', '--allow-env', '--allow-run', '--allow-sys'],
  bun: [join(bin, 'bun')],
};
const IN_FLIGHT = 20;

beforeAll(async () => {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: ['src/workers/shutdown-server.ts', 'src/workers/shutdown-sidecar.ts'],
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    packages: 'external',
    logLevel: 'warning',
  });
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

describe.each(Object.keys(commands))('shutdown-server on %s', (runtime) => {
  it.each(['SIGTERM', 'SIGINT'] as const)('drains every in-flight request on %s and exits 0', async (signal) => {
    const [command, ...args] = commands[runtime];
    const child = spawn(command, [...args, join(outdir, 'shutdown-server.js'), String(IN_FLIGHT)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
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
    expect(await Promise.all(bodies)).toEqual(Array(IN_FLIGHT).fill('done'));
    expect(await drained).toBe(`drained accepted=${IN_FLIGHT} answered=${IN_FLIGHT}`);
    expect(await exited).toEqual([0, null]);
    expect(alive(Number(sidecarPid))).toBe(false);
  });
});
