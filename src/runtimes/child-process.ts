/**
 * spawn() for every runtime: node, deno and bun all implement node:child_process (including
 * `detached`, which makes the child a process-group leader through setsid), so one implementation
 * serves the three adapters.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { ChildExit, ChildHandle, SpawnOptions } from './types.js';

/**
 * After 'exit', wait at most this long for the output pipes to close. A grandchild that inherited
 * the pipes (e.g. `sh -c 'server &'`) keeps them open, and waiting for it would hang `exited`.
 */
const PIPE_DRAIN_GRACE_MS = 100;

export function spawnChild(command: string, args: readonly string[], options: SpawnOptions = {}): ChildHandle {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    // options.env adds to the parent's environment rather than replacing it (PATH, HOME stay)
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdio: ['ignore', options.stdout ?? 'ignore', options.stderr ?? 'ignore'],
    detached: options.group === true,
  });
  const stdout = collectText(child.stdout);
  const stderr = collectText(child.stderr);
  const exited = waitForExit(child, [stdout, stderr]);
  // the caller may never await `exited`; a failed spawn must not become an unhandled rejection
  exited.catch(() => {});
  return {
    pid: child.pid ?? -1,
    exited,
    kill(signal = 'SIGTERM') {
      if (options.group === true && child.pid !== undefined) signalGroup(child.pid, signal);
      else child.kill(signal);
    },
    stdout: () => stdout.text,
    stderr: () => stderr.text,
    waitForLine(match) {
      if (!child.stdout) return Promise.reject(new Error('waitForLine needs stdout: "pipe"'));
      return waitForLine(stdout, exited, match);
    },
  };
}

/** Signals the whole process group; a group that is already gone is not an error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

interface TextSink {
  text: string;
  closed: Promise<void>;
  onData(listener: () => void): void;
}

function collectText(stream: NodeJS.ReadableStream | null): TextSink {
  const listeners: (() => void)[] = [];
  const sink: TextSink = {
    text: '',
    closed: Promise.resolve(),
    onData: (listener) => listeners.push(listener),
  };
  if (!stream) return sink;
  stream.setEncoding('utf8');
  sink.closed = new Promise((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', resolve);
  });
  stream.on('data', (chunk: string) => {
    sink.text += chunk;
    for (const listener of listeners) listener();
  });
  return sink;
}

function waitForExit(child: ChildProcess, sinks: TextSink[]): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const drained = Promise.all(sinks.map((sink) => sink.closed));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise((done) => {
        timer = setTimeout(done, PIPE_DRAIN_GRACE_MS);
      });
      Promise.race([drained, grace]).then(() => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  });
}

function waitForLine(sink: TextSink, exited: Promise<ChildExit>, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let scanned = 0;
    let settled = false;
    const settle = (line: string) => {
      settled = true;
      resolve(line);
    };
    const scan = () => {
      for (let end = sink.text.indexOf('\n', scanned); !settled && end !== -1; end = sink.text.indexOf('\n', scanned)) {
        const line = sink.text.slice(scanned, end).replace(/\r$/, '');
        scanned = end + 1;
        if (match(line)) settle(line);
      }
    };
    sink.onData(scan);
    scan();
    exited.then(
      (exit) => {
        scan();
        // the output is final now: its unterminated last line counts too
        const last = sink.text.slice(scanned);
        if (!settled && last !== '' && match(last)) settle(last);
        if (!settled) reject(new Error(`process exited (${exit.signal ?? exit.code}) before the awaited line`));
        settled = true;
      },
      (error) => {
        if (!settled) reject(error);
        settled = true;
      },
    );
  });
}
