/** Bad usage or bad input: the CLI prints `asyncbench: <message>` (one line, no stack) and exits 2. */
export class UsageError extends Error {}
