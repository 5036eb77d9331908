/**
 * Starting a script on the runtime the cell runs on, with the flags it was started with, for the
 * scenarios that spawn child runtimes (workers' child processes, runner, graceful-shutdown).
 */
import type { ChildHandle, RuntimeAdapter, SpawnOptions } from '../runtimes/types.js';

/**
 * Deno's node:child_process reads the arguments of a spawned Deno.execPath() as Node's unless they
 * start with a Deno subcommand, so deno needs an explicit `run`.
 */
export function scriptArgs(
  runtime: Pick<RuntimeAdapter, 'name' | 'flags'>,
  script: string | URL,
  args: readonly string[] = [],
): string[] {
  const path = script instanceof URL ? decodeURIComponent(script.pathname) : script;
  return [...(runtime.name === 'deno' ? ['run'] : []), ...runtime.flags, path, ...args];
}

export function spawnScript(
  runtime: Pick<RuntimeAdapter, 'name' | 'flags' | 'execPath' | 'spawn'>,
  script: string | URL,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): ChildHandle {
  return runtime.spawn(runtime.execPath(), scriptArgs(runtime, script, args), options);
}
