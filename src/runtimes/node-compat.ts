/**
 * Adapter members that node, deno and bun all provide through the Node API with the same meaning,
 * so each adapter takes them from here and overrides only what its runtime does better natively.
 */
import { appendFileSync, readFileSync } from 'node:fs';
// a namespace import: node before 18.14 and bun 1.0.0 have no availableParallelism, and a named
// import of it would keep the whole build from loading there
import * as os from 'node:os';
import { spawnChild } from './child-process.js';
import type { RuntimeAdapter } from './types.js';

export type NodeCompatMembers = Pick<
  RuntimeAdapter,
  | 'memory'
  | 'pageFaults'
  | 'cpus'
  | 'env'
  | 'cwd'
  | 'args'
  | 'spawn'
  | 'onSignal'
  | 'exit'
  | 'watchStdout'
  | 'appendFileSync'
  | 'readFileSync'
>;

export const nodeCompatMembers: NodeCompatMembers = {
  memory() {
    const { rss, heapUsed } = process.memoryUsage();
    return { rss, heapUsed };
  },
  // resourceUsage is node 12.6+; an old bun may lack it
  pageFaults: () => (typeof process.resourceUsage === 'function' ? process.resourceUsage().minorPageFault : undefined),
  // availableParallelism honours CPU affinity and, unlike os.cpus(), needs no --allow-sys on deno
  cpus: () => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length),
  env: (name) => process.env[name],
  cwd: () => process.cwd(),
  args: () => process.argv.slice(2),
  spawn: spawnChild,
  onSignal(signal, listener) {
    process.on(signal, listener);
    let listening = true;
    // once: a second call would remove another registration of the same function
    return () => {
      if (listening) process.off(signal, listener);
      listening = false;
    };
  },
  exit: (code) => process.exit(code),
  watchStdout() {
    let failure: Error | undefined;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') failure ??= error;
    });
    return () => failure;
  },
  appendFileSync: (path, text) => appendFileSync(path, text),
  readFileSync: (path) => readFileSync(path, 'utf8'),
};

/** globalThis.gc, present when V8 was started with --expose-gc */
export function v8Gc(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}
