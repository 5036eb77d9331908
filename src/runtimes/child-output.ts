/**
 * The runtime-independent half of a ChildHandle: collecting a child's output as text, waiting for
 * a line, and deciding when `exited` resolves. The spawners (child-process.ts through
 * node:child_process, deno-command.ts through Deno.Command) only feed these.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ChildExit, ChildHandle } from './types.js';

/**
 * After the process exited, wait at most this long for its output pipes to close. A grandchild
 * that inherited the pipes (e.g. `sh -c 'server &'`) keeps them open, and waiting for it would
 * hang `exited`.
 */
const PIPE_DRAIN_GRACE_MS = 100;

/** Text collected from one output stream of a child. */
export interface TextSink {
  text: string;
  /** the sink dropped the head of `text` in the middle of a line: its first line is the tail of one */
  startsMidLine: boolean;
  /** resolves when the stream has ended (at once for a stream that is not piped) */
  closed: Promise<void>;
  append(chunk: string): void;
  /** `listener` sees every chunk as it arrives, before the sink drops an old head */
  onData(listener: (chunk: string) => void): void;
}

/**
 * What is kept of a child's output, its tail, bounded because a scenario's child may write without
 * end. Kept whole, a scenario that wrote half a GiB to stderr made the string longer than a
 * JavaScript string can be, and the orchestrator died of a RangeError with the run's result; a
 * user's scenario file whose top level printed 150 MB held a GiB in the orchestrator while it was
 * described. stderr's tail is all anyone reads of it (the reason a process died, an error line);
 * stdout keeps far more than any reader of it takes (a version, git's answer, a runner job's lines).
 */
export const KEPT_CHARS = { stdout: 1 << 24, stderr: 1 << 20 } as const;

/** `keepChars`: only the last this many characters are kept (at most twice as many for a moment). */
export function textSink(keepChars: number): TextSink {
  const listeners: ((chunk: string) => void)[] = [];
  const sink: TextSink = {
    text: '',
    startsMidLine: false,
    closed: Promise.resolve(),
    append(chunk) {
      sink.text += chunk;
      if (sink.text.length > 2 * keepChars) {
        const keptFrom = sink.text.length - keepChars;
        sink.startsMidLine = sink.text[keptFrom - 1] !== '\n';
        sink.text = sink.text.slice(keptFrom);
      }
      for (const listener of listeners) listener(chunk);
    },
    onData: (listener) => listeners.push(listener),
  };
  return sink;
}

/** `exit` once the sinks have drained, or after the grace period if a grandchild holds them open. */
export function afterDrain(exit: ChildExit, sinks: readonly TextSink[]): Promise<ChildExit> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise((done) => {
    timer = setTimeout(done, PIPE_DRAIN_GRACE_MS);
  });
  return Promise.race([Promise.all(sinks.map((sink) => sink.closed)), grace]).then(() => {
    clearTimeout(timer);
    return exit;
  });
}

export interface ChildParts {
  pid: number;
  exited: Promise<ChildExit>;
  stdout: TextSink;
  stderr: TextSink;
  stdoutPiped: boolean;
  kill: ChildHandle['kill'];
}

export function childHandle(parts: ChildParts): ChildHandle {
  const { pid, exited, stdout, stderr, stdoutPiped, kill } = parts;
  // the caller may never await `exited`; a failed spawn must not become an unhandled rejection
  exited.catch(() => {});
  return {
    pid,
    exited,
    kill,
    stdout: () => stdout.text,
    stderr: () => stderr.text,
    waitForLine(match) {
      if (!stdoutPiped) return Promise.reject(new Error('waitForLine needs stdout: "pipe"'));
      return waitForLine(stdout, exited, match);
    },
  };
}

/** Signals a whole process group; a group that is already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  // -0 is this process's own group, -1 every process it may signal: neither is a child's group
  if (!(pid > 1)) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Signals each live process of the process group `group` whose arguments `match` (read from /proc:
 * Linux; elsewhere none is found), except the pids in `skip`; returns the pids signalled. The pid
 * and group of each are read right before it is signalled, and `group` must be a child's group
 * whose leader has not been reaped (so no other process can have its number).
 */
export function signalGroupMembers(
  group: number,
  signal: NodeJS.Signals,
  match: (argv: string[]) => boolean,
  skip: ReadonlySet<number> = new Set(),
): number[] {
  if (!(group > 1)) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const signalled: number[] = [];
  for (const pid of entries.map(Number)) {
    if (!(pid > 1) || skip.has(pid)) continue;
    try {
      // after the command: state, parent, process group
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      if (fields[0] === 'Z' || Number(fields[2]) !== group) continue;
      if (!match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))) continue;
      process.kill(pid, signal);
      signalled.push(pid);
    } catch {
      // gone meanwhile (its /proc entry or the kill's ESRCH)
    }
  }
  return signalled;
}

/** A line longer than this is nobody's awaited line: its head is let go, and the line is never matched. */
const LONGEST_LINE = KEPT_CHARS.stdout;

/**
 * Scans each chunk as it arrives, carrying only the unfinished line: the sink's text may have lost
 * its head, and searching it again on every chunk flattened a string of hundreds of MB each time.
 * A line whose head is gone (`cut`: the sink dropped it before the scan began, or it outgrew
 * LONGEST_LINE) is skipped, so the tail of a line can never pass for a line.
 */
function waitForLine(sink: TextSink, exited: Promise<ChildExit>, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let partial = '';
    let cut = sink.startsMidLine;
    let settled = false;
    const carry = (rest: string) => {
      partial = rest.length > LONGEST_LINE ? '' : rest;
      cut ||= partial !== rest;
    };
    const scan = (chunk: string) => {
      if (settled) return;
      // a line with no end yet is searched again only where the new chunk begins
      const newline = chunk.indexOf('\n');
      if (newline === -1) {
        carry(partial + chunk);
        return;
      }
      const text = partial + chunk;
      let start = 0;
      for (let end = partial.length + newline; end !== -1; end = text.indexOf('\n', start)) {
        const line = text.slice(start, end).replace(/\r$/, '');
        start = end + 1;
        if (cut) cut = false;
        else if (match(line)) {
          settled = true;
          resolve(line);
          return;
        }
      }
      carry(text.slice(start));
    };
    sink.onData(scan);
    scan(sink.text);
    exited.then(
      (exit) => {
        // the output is final now: its unterminated last line counts too
        if (!settled && !cut && partial !== '' && match(partial)) resolve(partial);
        else if (!settled) reject(new Error(`process exited (${exit.signal ?? exit.code}) before the awaited line`));
        settled = true;
      },
      (error) => {
        if (!settled) reject(error);
        settled = true;
      },
    );
  });
}

/**
 * The line of a runtime's stderr that names the error: node prints the source line first and
 * "Node.js v16.20.2" last, deno a Rust backtrace after its "error: ..." line.
 */
export function errorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const named = lines.find((l) => /^(error:|(Uncaught )?[A-Z]\w*Error\b)/.test(l));
  return (named ?? lines.pop() ?? 'no output').slice(0, 300);
}
