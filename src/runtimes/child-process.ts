/**
 * spawn() through node:child_process, for node and bun (both implement `detached`, which makes the
 * child a process-group leader through setsid). Deno has its own (deno-command.ts): its
 * node:child_process rewrites the arguments of a spawned Deno.execPath() as if they were Node's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterDrain, childHandle, KEPT_CHARS, signalGroup, type TextSink, textSink } from './child-output.js';
import type { ChildExit, ChildHandle, SpawnOptions } from './types.js';

export function spawnChild(command: string, args: readonly string[], options: SpawnOptions = {}): ChildHandle {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    // options.env adds to the parent's environment rather than replacing it (PATH, HOME stay)
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdio: ['ignore', options.stdout ?? 'ignore', options.stderr ?? 'ignore'],
    detached: options.group === true,
  });
  const stdout = collectText(child.stdout, KEPT_CHARS.stdout);
  const stderr = collectText(child.stderr, KEPT_CHARS.stderr);
  return childHandle({
    pid: child.pid ?? -1,
    exited: waitForExit(child, [stdout, stderr]),
    stdout,
    stderr,
    stdoutPiped: child.stdout !== null,
    kill(signal = 'SIGTERM') {
      if (options.group === true && child.pid !== undefined) signalGroup(child.pid, signal);
      else child.kill(signal);
    },
  });
}

function collectText(stream: NodeJS.ReadableStream | null, keepChars: number): TextSink {
  const sink = textSink(keepChars);
  if (!stream) return sink;
  stream.setEncoding('utf8');
  sink.closed = new Promise((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', resolve);
  });
  stream.on('data', (chunk: string) => sink.append(chunk));
  return sink;
}

function waitForExit(child: ChildProcess, sinks: TextSink[]): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(afterDrain({ code, signal }, sinks)));
  });
}
