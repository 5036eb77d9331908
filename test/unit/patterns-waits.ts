/** Helpers of the cancellable-wait tests. */

/** the outcome of a promise once the current microtasks have run: value, or { error } */
export async function outcome<T>(promise: Promise<T>): Promise<T | { error: unknown }> {
  return promise.then(
    (value) => value,
    (error: unknown) => ({ error }),
  );
}

/**
 * Counts the abort listeners a signal holds: added minus removed, where a `{ once: true }` listener
 * also goes when the signal aborts (the DOM drops it before calling it).
 */
export function listenerCount(signal: AbortSignal): () => number {
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  const listeners = new Map<unknown, boolean>();
  signal.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === 'abort') listeners.set(listener, (options as AddEventListenerOptions | undefined)?.once === true);
    add(type, listener, options as AddEventListenerOptions);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === 'abort') listeners.delete(listener);
    remove(type, listener, options as EventListenerOptions);
  }) as typeof signal.removeEventListener;
  return () => [...listeners.values()].filter((once) => !(once && signal.aborted)).length;
}
