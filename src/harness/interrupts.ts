import type { RuntimeAdapter } from '../runtimes/types.js';

/** The reason of the first Ctrl-C or SIGTERM any catchInterrupts of this process caught. */
let interruptedBefore: Error | undefined;

/** What Ctrl-C and SIGTERM have done so far, and what they do next. */
export interface Interrupts {
  /** aborted by the first one: a compatibility probe or a service still starting is not waited out */
  readonly signal: AbortSignal;
  readonly interrupted: boolean;
  /** called on each one: stops what runs now (a build, the jobs); set as the command goes on */
  stop: () => void;
  /** removes the handlers */
  off(): void;
}

/**
 * Ctrl-C and SIGTERM, caught from the moment a command (run, compare --base) or a step of it (the
 * loading of a scenario file) starts work, until `off()`: a second one while the result is written
 * or services stop changes nothing. They abort `signal`, so a compatibility probe and a
 * service still starting (a silent DATABASE_URL, a hung PostgreSQL) are not waited out, and call
 * `stop`. Left to the default action, they ended the harness mid-way: no line, and its scratch
 * directory left to the next run.
 */
export function catchInterrupts(runtime: RuntimeAdapter): Interrupts {
  const aborting = new AbortController();
  // Ctrl-C is the process's: one caught by a command's handlers before this step began (while it
  // bundled a scenario file, between two loads) holds for the step too
  if (interruptedBefore) aborting.abort(interruptedBefore);
  const offs: (() => void)[] = [];
  const caught: Interrupts = {
    signal: aborting.signal,
    get interrupted() {
      return aborting.signal.aborted;
    },
    stop: () => {},
    off: () => {
      for (const off of offs.splice(0)) off();
    },
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    offs.push(
      runtime.onSignal(sig, () => {
        interruptedBefore ??= new Error('interrupted while it started');
        aborting.abort(interruptedBefore);
        caught.stop();
      }),
    );
  return caught;
}
