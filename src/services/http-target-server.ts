/**
 * The HTTP target server process: started by the harness (src/services/http-target.ts) on one
 * runtime for the whole run, so clients and server never share an event loop. Prints its port as
 * the first line of stdout, then serves until SIGTERM or SIGINT.
 */
import { currentRuntime } from '../runtimes/current.js';
import { createTargetHandler } from './http-target-handler.js';

const runtime = await currentRuntime();
const { handler } = createTargetHandler();
const server = await runtime.serve(handler, { port: 0 });
console.log(String(server.port));

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  runtime.exit(0);
};
runtime.onSignal('SIGTERM', shutdown);
runtime.onSignal('SIGINT', shutdown);
