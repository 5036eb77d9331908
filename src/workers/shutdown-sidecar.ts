/**
 * A child process of shutdown-server.ts, so the graceful-shutdown scenario can check that stopping a
 * server also stops what it started. It idles until SIGTERM or SIGINT; if its parent never stops it,
 * it exits by itself after a minute, so a failed run leaves no process behind for long.
 */
import { currentRuntime } from '../runtimes/current.js';
import { exitWithParent } from '../runtimes/parent-guard.js';

const LIFETIME_MS = 60_000;

// a harness killed by SIGKILL takes the measuring child with it, not this process: it ends itself
exitWithParent();
const runtime = await currentRuntime();
const lifetime = setTimeout(() => runtime.exit(3), LIFETIME_MS);
const stop = () => {
  clearTimeout(lifetime);
  runtime.exit(0);
};
runtime.onSignal('SIGTERM', stop);
runtime.onSignal('SIGINT', stop);
console.log('ready');
