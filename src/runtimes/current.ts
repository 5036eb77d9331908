/**
 * The adapter of the runtime this code is running on. One bundle is loaded by all three runtimes,
 * so the choice is made at run time from the globals each runtime defines.
 */
import type { RuntimeAdapter, RuntimeName } from './types.js';

let current: Promise<RuntimeAdapter> | undefined;

export function detectRuntime(): RuntimeName {
  const globals = globalThis as { Deno?: unknown; Bun?: unknown };
  if (globals.Deno !== undefined) return 'deno';
  if (globals.Bun !== undefined) return 'bun';
  return 'node';
}

export function currentRuntime(): Promise<RuntimeAdapter> {
  current ??= createAdapter(detectRuntime());
  return current;
}

async function createAdapter(name: RuntimeName): Promise<RuntimeAdapter> {
  switch (name) {
    case 'deno':
      return (await import('./deno.js')).createDenoAdapter();
    case 'bun':
      return (await import('./bun.js')).createBunAdapter();
    case 'node':
      return (await import('./node.js')).createNodeAdapter();
  }
}
