/**
 * The waiters of a queue, a semaphore or an event, and how a wait is cancelled (Web-platform style:
 * `{ signal }`). A WaiterList is FIFO, and any waiter can also leave it in O(1): it is a doubly
 * linked list through the waiters themselves, so it allocates nothing per node and an aborted waiter
 * leaves no tombstone behind (a consumer that polls an idle queue with a timeout forever stays small).
 * The waiters of one signal share one abort listener (SignalWaiters), so leaving stays O(1) when many
 * waits share a signal.
 *
 * The hand-off is atomic with respect to abort. asyncio wakes a getter and lets it take the item
 * later, so a getter cancelled in between must pass the wake-up on. Here the item or permit is given
 * to the waiter in the same synchronous step that takes it off the list and stops it listening to its
 * signal; JavaScript runs nothing in between. So a waiter is either still on the list (an abort
 * removes it and rejects it with `signal.reason`, it got nothing) or has been served (an abort comes
 * too late and changes nothing: its promise resolves with what it was given).
 */
import { Deferred } from './deferred.js';

/** What every cancellable wait accepts. */
export interface WaitOptions {
  /** aborting it removes the wait; the promise then rejects with `signal.reason` */
  signal?: AbortSignal;
}

/** @internal what the list needs of a waiter: its links, its list, its signal, and how to reject it */
export interface Linked {
  next: Linked | undefined;
  prev: Linked | undefined;
  list: WaiterList<Linked> | undefined;
  signal: AbortSignal | undefined;
  reject(reason: unknown): void;
}

export class Waiter<T> extends Deferred<T> implements Linked {
  /** @internal */
  next: Linked | undefined = undefined;
  /** @internal */
  prev: Linked | undefined = undefined;
  /** @internal the list the waiter is on; undefined once served, aborted or never queued */
  list: WaiterList<Linked> | undefined = undefined;
  /** @internal the signal it listens to while on the list */
  signal: AbortSignal | undefined = undefined;
}

/**
 * The waiters of one signal, on any list, and the one abort listener they share. A listener each
 * made n waits on one signal (a group's, which every task passes on to its waits) cost O(n²): the
 * runtimes scan a signal's listeners on every add and remove. Here a wait joins and leaves a Set;
 * the listener is added with the first waiter and removed with the last, so a signal with no waiter
 * holds nothing of ours (node keeps a timeout signal with listeners alive until it fires).
 */
class SignalWaiters implements EventListenerObject {
  readonly waiters = new Set<Linked>();

  constructor(readonly signal: AbortSignal) {}

  handleEvent(): void {
    const reason = this.signal.reason;
    for (const waiter of this.waiters) {
      waiter.list?.remove(waiter);
      waiter.reject(reason);
    }
  }
}

const waitersOf = new WeakMap<AbortSignal, SignalWaiters>();

function listen(waiter: Linked, signal: AbortSignal): void {
  let shared = waitersOf.get(signal);
  if (shared === undefined) {
    shared = new SignalWaiters(signal);
    waitersOf.set(signal, shared);
    signal.addEventListener('abort', shared);
  }
  waiter.signal = signal;
  shared.waiters.add(waiter);
}

function unlisten(waiter: Linked, signal: AbortSignal): void {
  waiter.signal = undefined;
  const shared = waitersOf.get(signal) as SignalWaiters;
  shared.waiters.delete(waiter);
  if (shared.waiters.size > 0) return;
  waitersOf.delete(signal);
  signal.removeEventListener('abort', shared);
}

export class WaiterList<W extends Linked> {
  private head: Linked | undefined = undefined;
  private tail: Linked | undefined = undefined;
  length = 0;

  /** queues a waiter at the end; with a signal, its abort removes the waiter and rejects it */
  push(waiter: W, signal?: AbortSignal): void {
    waiter.list = this;
    waiter.prev = this.tail;
    waiter.next = undefined;
    if (this.tail === undefined) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    this.length++;
    if (signal !== undefined) listen(waiter, signal);
  }

  /** takes the oldest waiter off the list (it no longer listens to its signal); undefined when empty */
  shift(): W | undefined {
    const waiter = this.head as W | undefined;
    if (waiter !== undefined) this.remove(waiter);
    return waiter;
  }

  /** takes a waiter off the list wherever it is; nothing when it is not on this list */
  remove(waiter: Linked): void {
    if (waiter.list !== this) return;
    const { prev, next } = waiter;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    waiter.prev = undefined;
    waiter.next = undefined;
    waiter.list = undefined;
    this.length--;
    if (waiter.signal !== undefined) unlisten(waiter, waiter.signal);
  }
}

/** A wait whose signal is already aborted rejects at once, before it takes anything. */
export function abortedWait(signal: AbortSignal): Promise<never> {
  return Promise.reject(signal.reason);
}
