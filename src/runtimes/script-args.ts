/**
 * A script's command-line arguments, read with nothing else loaded. For scripts whose start-up is
 * what gets measured (the runner scenario's job script): the adapter (current.ts) would load
 * node:http, worker_threads and child_process first, and the cold start would mostly be ours.
 */
export function scriptArguments(): string[] {
  const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
  if (g.Deno !== undefined) return g.Deno.args;
  return g.process?.argv.slice(2) ?? [];
}
