/**
 * CR and LF written as `\r` and `\n`: a message that quotes what it was given (a path, a suite's
 * key, a runtime name, any string) stays one line.
 */
export const escapeLineBreaks = (text: string): string => text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');

/** Bad usage or bad input: the CLI prints `asyncbench: <message>` (one line, no stack) and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(escapeLineBreaks(message));
  }
}

/** A file system error as one word (ENOENT), for a one-line message; else the error's message. */
export const errorCode = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/**
 * Ctrl-C (SIGINT) or SIGTERM stopped what the harness was doing before a run began: the CLI says
 * so in one line and exits 130, as an interrupted run does.
 */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}
