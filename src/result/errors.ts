/** Bad usage or bad input: the CLI prints `asyncbench: <message>` (one line, no stack) and exits 2. */
export class UsageError extends Error {}

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
