/**
 * A service's start waits on things that may never answer (a DATABASE_URL server that accepts the
 * connection and stays silent, a hung initdb or postgres, a server that never prints its port); its
 * own timeouts are 10-30 s. Ctrl-C must not wait them out: the run aborts the start's signal.
 */

/**
 * `work`, or a rejection with the signal's reason as soon as it aborts; `onAbort` then ends what
 * the work was waiting on (kills a process, closes a socket), so nothing of it is left running.
 */
export function abortable<T>(work: Promise<T>, signal?: AbortSignal, onAbort: () => void = () => {}): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(signal.reason);
    };
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}
