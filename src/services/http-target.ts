/**
 * Starts and stops the HTTP target server process (dist/services/http-target-server.js) for a run.
 */
import { withTimeout } from '../patterns/timeout.js';
import { guardEnv } from '../runtimes/parent-guard.js';
import type { ChildHandle, RuntimeAdapter } from '../runtimes/types.js';
import { abortable } from './abortable.js';

export interface HttpTargetService {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  pid: number;
  /** idempotent */
  stop(): Promise<void>;
  /** called once if the server process exits before stop(): the run fails the cells that need it */
  onExit(listener: (reason: string) => void): void;
}

/** How to run the server script on the chosen runtime (the orchestrator's runtimeCommand()). */
export interface ServerCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;

async function stopChild(child: ChildHandle): Promise<void> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await child.exited;
  clearTimeout(timer);
}

/** An abort of `signal` stops the server before it has printed its port, and rejects. */
export async function startHttpTarget(
  host: RuntimeAdapter,
  server: ServerCommand,
  signal?: AbortSignal,
): Promise<HttpTargetService> {
  // its own process group, so a kill reaches anything it started
  const child = host.spawn(server.command, server.args, {
    // the server dies with the harness, even one killed by SIGKILL (parent-guard.ts)
    env: { ...server.env, ...guardEnv() },
    stdout: 'pipe',
    stderr: 'pipe',
    group: true,
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopChild(child);
    return stopping;
  };
  try {
    const line = await abortable(
      withTimeout(
        child.waitForLine((l) => l.trim() !== ''),
        START_TIMEOUT_MS,
        'the HTTP target server printing its port',
      ),
      signal,
    );
    const port = Number(line.trim());
    if (!Number.isInteger(port) || port <= 0)
      throw new Error(`the HTTP target server printed '${line.trim()}' instead of its port`);
    const onExit = (listener: (reason: string) => void) => {
      child.exited.then(
        (exit) => {
          if (stopping) return;
          const tail = child.stderr().trim().split('\n').slice(-1)[0];
          listener(
            `the HTTP target server exited (${exit.signal ?? `code ${exit.code}`}) during the run${tail ? `: ${tail}` : ''}`,
          );
        },
        () => {},
      );
    };
    return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop, onExit };
  } catch (error) {
    await stop();
    const stderr = child.stderr().trim().slice(-400);
    throw new Error(`${(error as Error).message}${stderr ? `: ${stderr}` : ''}`);
  }
}
