/**
 * catchInterrupts with a stand-in for the runtime's signal registration: a Ctrl-C caught by one
 * set of handlers (run's, while it bundles a scenario file) holds for a step that starts after it
 * (the loading of the next file), which would otherwise wait out its 30 s limit and exit 2.
 */
import { expect, it } from 'vitest';
import { catchInterrupts } from '../../src/harness/interrupts.js';
import type { RuntimeAdapter, Signal } from '../../src/runtimes/types.js';

function signals() {
  const listeners = new Set<{ sig: Signal; listener: () => void }>();
  const runtime = {
    onSignal(sig: Signal, listener: () => void) {
      const entry = { sig, listener };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
  } as unknown as RuntimeAdapter;
  const send = (sig: Signal) => {
    for (const entry of [...listeners]) if (entry.sig === sig) entry.listener();
  };
  return { runtime, send, count: () => listeners.size };
}

it('a step that starts after a Ctrl-C starts interrupted; off() removes its handlers', () => {
  const { runtime, send, count } = signals();
  const run = catchInterrupts(runtime);
  let stopped = 0;
  run.stop = () => stopped++;
  expect(run.interrupted).toBe(false);
  send('SIGINT');
  expect(run.interrupted).toBe(true);
  expect(stopped).toBe(1);
  const load = catchInterrupts(runtime);
  expect(load.interrupted).toBe(true);
  expect(load.signal.reason).toBe(run.signal.reason);
  load.off();
  run.off();
  expect(count()).toBe(0);
});
