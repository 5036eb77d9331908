/**
 * The child program of the graceful-shutdown scenario: the seed's add_signal_handler pattern.
 * SIGTERM and SIGINT set one stop event; an HTTP server, a background worker loop and a sidecar child
 * process all end on it, and the process exits by itself once they have (no exit() call: a handle
 * someone forgot to close would keep it alive, and the scenario would see that).
 *
 * `shutdown-server.js IN_FLIGHT [WORK_MS]`: every request is held until the stop event is set and
 * then needs WORK_MS (default 20) more, so each in-flight request has the same work left when the
 * signal comes; it is answered `done <its path's last segment>`. Prints `ready <url> <sidecar pid>`,
 * then `inflight <n>` once IN_FLIGHT requests are held, `stopping` once the server has stopped
 * accepting, and at the end `drained accepted=<a> answered=<b>`.
 */
import { AsyncEvent } from '../patterns/event.js';
import { currentRuntime } from '../runtimes/current.js';
import { exitWithParent } from '../runtimes/parent-guard.js';
import { hashChain } from './cpu-kernel.js';

/** how often the background worker wakes to do a slice of work */
const BACKGROUND_PERIOD_MS = 10;
/** a request never waits longer than this for the stop event */
const MAX_HOLD_MS = 30_000;

// a harness killed by SIGKILL takes the measuring child with it, not this process: it ends itself
exitWithParent();
const runtime = await currentRuntime();
const target = Number(runtime.args()[0] ?? 0);
const workAfterStopMs = Number(runtime.args()[1] ?? 20);
const stop = new AsyncEvent();
const removeListeners = [runtime.onSignal('SIGTERM', () => stop.set()), runtime.onSignal('SIGINT', () => stop.set())];

/** resolves after `ms`, or at once when the stop event is set; leaves no timer behind */
function sleepUnlessStopped(ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slept = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([slept, stop.wait()]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function backgroundWorker(): Promise<number> {
  let slices = 0;
  while (!stop.isSet()) {
    hashChain(slices++, 10_000);
    await sleepUnlessStopped(BACKGROUND_PERIOD_MS);
  }
  return slices;
}

let accepted = 0;
let answered = 0;
let held = 0;
const server = await runtime.serve(async (request) => {
  accepted++;
  if (++held === target) console.log(`inflight ${held}`);
  await sleepUnlessStopped(MAX_HOLD_MS);
  await sleep(workAfterStopMs);
  held--;
  answered++;
  return new Response(`done ${new URL(request.url).pathname.split('/').pop()}`);
});

const sidecar = runtime.spawnScript(new URL('./shutdown-sidecar.js', import.meta.url), [], {
  stdout: 'pipe',
  stderr: 'ignore',
});
await sidecar.waitForLine((line) => line === 'ready');
const background = backgroundWorker();
console.log(`ready ${server.url} ${sidecar.pid}`);

await stop.wait();
const stopSidecar = async () => {
  sidecar.kill('SIGTERM');
  await sidecar.exited;
};
const closed = server.close();
// said once close() has begun: the scenario's late request, sent on this line, must be refused
console.log('stopping');
await Promise.all([closed, background, stopSidecar()]);
for (const remove of removeListeners) remove();
console.log(`drained accepted=${accepted} answered=${answered}`);
