/**
 * RuntimeAdapter.spawnScript for all three adapters: a script started on this same runtime
 * executable with the flags this process runs with, so a child runtime (the workers scenario's
 * child processes, runner's jobs, graceful-shutdown's server and its sidecar) runs under the same
 * settings as the measured process that started it.
 */
import { guardEnv } from './parent-guard.js';
import type { RuntimeAdapter } from './types.js';

/**
 * The command line after the executable. Deno's node:child_process reads the arguments of a spawned
 * Deno.execPath() as Node's unless they start with a Deno subcommand, so deno needs an explicit
 * `run` (its adapter's flags are the observed permissions and V8 flags, without the subcommand).
 */
export function scriptArgs(
  runtime: Pick<RuntimeAdapter, 'name' | 'flags'>,
  script: string | URL,
  args: readonly string[] = [],
): string[] {
  const path = script instanceof URL ? decodeURIComponent(script.pathname) : script;
  return [...(runtime.name === 'deno' ? ['run'] : []), ...runtime.flags, path, ...args];
}

/**
 * Completes an adapter with its spawnScript, built on the adapter's own spawn, execPath and flags
 * (`launchFlags`, where a child gets some of them another way: deno's V8 flags of the environment).
 */
export function withSpawnScript(
  adapter: Omit<RuntimeAdapter, 'spawnScript'>,
  launchFlags: readonly string[] = adapter.flags,
): RuntimeAdapter {
  const launcher = { name: adapter.name, flags: launchFlags };
  return {
    ...adapter,
    // the script learns who started it (guardEnv): a measuring child is killed by the kernel when
    // the harness dies (setpriv --pdeathsig KILL), so only the script's own guard can end it then
    spawnScript: (script, args = [], options = {}) =>
      adapter.spawn(adapter.execPath(), scriptArgs(launcher, script, args), {
        ...options,
        env: { ...guardEnv(), ...options.env },
      }),
  };
}
