/**
 * spawn() on deno through Deno.Command. Deno's node:child_process treats a spawn of its own
 * executable as "node": unless the first argument is a Deno subcommand it rewrites the arguments
 * (node flags mapped, `run -A` prepended), so `deno --version` becomes `deno run -A --version` and
 * a flag set meant for deno is silently widened to -A. Deno.Command passes argv as given.
 * `detached` starts the child in a new session (setsid), so it leads its own process group.
 */
import { afterDrain, childHandle, KEPT_CHARS, signalGroup, type TextSink, textSink } from './child-output.js';
import type { ChildExit, ChildHandle, SpawnOptions } from './types.js';

type Stdio = 'piped' | 'inherit' | 'null';

/** The part of Deno.Command this module uses. */
interface DenoCommandApi {
  Command: new (
    command: string,
    options: {
      args: string[];
      cwd?: string;
      env?: Record<string, string>;
      stdin: Stdio;
      stdout: Stdio;
      stderr: Stdio;
      detached: boolean;
    },
  ) => { spawn(): DenoChild };
}

interface DenoChild {
  pid: number;
  status: Promise<{ code: number; signal: string | null }>;
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  kill(signal: string): void;
}

const STDIO: Record<NonNullable<SpawnOptions['stdout']>, Stdio> = { pipe: 'piped', inherit: 'inherit', ignore: 'null' };

export function spawnDenoCommand(command: string, args: readonly string[], options: SpawnOptions = {}): ChildHandle {
  const stdout = textSink(KEPT_CHARS.stdout);
  const stderr = textSink(KEPT_CHARS.stderr);
  const stdoutPiped = options.stdout === 'pipe';
  const { Command } = (globalThis as unknown as { Deno: DenoCommandApi }).Deno;
  let child: DenoChild;
  try {
    child = new Command(command, {
      args: [...args],
      cwd: options.cwd,
      // added to the parent's environment, as with node:child_process here
      env: options.env,
      stdin: 'null',
      stdout: STDIO[options.stdout ?? 'ignore'],
      stderr: STDIO[options.stderr ?? 'ignore'],
      detached: options.group === true,
    }).spawn();
  } catch (error) {
    // as node:child_process does: a command that cannot start rejects `exited`, spawn() does not throw
    const kill = () => {};
    return childHandle({ pid: -1, exited: Promise.reject(error), stdout, stderr, stdoutPiped, kill });
  }
  if (stdoutPiped) collectText(child.stdout, stdout);
  if (options.stderr === 'pipe') collectText(child.stderr, stderr);
  let running = true;
  const exited = child.status.then((status): Promise<ChildExit> => {
    running = false;
    // Deno reports a signal death as code 128+n; ChildExit's code is null then, as in node
    const exit = status.signal ? { code: null, signal: status.signal } : { code: status.code, signal: null };
    return afterDrain(exit, [stdout, stderr]);
  });
  return childHandle({
    pid: child.pid,
    exited,
    stdout,
    stderr,
    stdoutPiped,
    kill(signal = 'SIGTERM') {
      if (options.group === true) signalGroup(child.pid, signal);
      // Deno throws for a child that has exited; node:child_process ignores it
      else if (running) child.kill(signal);
    },
  });
}

function collectText(stream: ReadableStream<Uint8Array>, sink: TextSink): void {
  sink.closed = (async () => {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        sink.append(decoder.decode(read.value, { stream: true }));
      }
      const rest = decoder.decode();
      if (rest !== '') sink.append(rest);
    } catch {
      // a stream that errors has ended as far as the collected text goes
    }
  })();
}
