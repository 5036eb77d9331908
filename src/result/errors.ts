/** Bad usage or bad input: the CLI prints `asyncbench: <message>` (one line, no stack) and exits 2. */
export class UsageError extends Error {}

/** A file system error as one word (ENOENT), for a one-line message; else the error's message. */
export const errorCode = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;
