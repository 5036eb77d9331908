/**
 * The one runtime capability the patterns layer uses: a synchronous read of a promise's state and
 * outcome. Bun has one (`Bun.peek`); node and deno do not. It sits in this leaf, which imports
 * nothing, so that `import { TaskGroup } from 'asyncbench'` works with no adapter loaded while
 * runtime namespaces stay in src/runtimes/ (docs/architecture.md, "Modules").
 */

/** Bun's read: the value or error once settled (the promise itself while pending), and the state. */
export interface PromisePeek {
  (promise: Promise<unknown>): unknown;
  status(promise: Promise<unknown>): 'pending' | 'fulfilled' | 'rejected';
}

/** the runtime's synchronous promise read, where it has one */
export const peekPromise: PromisePeek | undefined = (globalThis as { Bun?: { peek?: PromisePeek } }).Bun?.peek;
