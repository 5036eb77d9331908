/**
 * A timing loop made anew for each op it times, so the op is called from a call site that has seen
 * no other op and is inlined, as in mitata's generated loops. A loop made once and handed two ops
 * turns polymorphic at the second and times its calls 4-16 ns dearer. A `Function` constructor alone
 * does not make it new: V8 caches what it compiles by source, and on deno two functions of one
 * source shared their type feedback (an empty op timed in the second read 4.1-4.5 ns a call, 0.3 in
 * the first), so each source is made unique (`uniqueSource`).
 */
import type { Op } from '../scenario.js';

/** `n` calls of `op`, each result sunk; returns the ms they took by `now` */
export type Loop = (op: Op, n: number, now: () => number, sink: (value: unknown) => void) => number | Promise<number>;

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as FunctionConstructor;

let compiled = 0;

/** `body` made unique, so a function compiled from it shares nothing with an earlier one */
function uniqueSource(body: string): string {
  return `/* loop ${++compiled} */ ${body}`;
}

/** a new loop; `async` awaits every call */
export function compileLoop(async: boolean): Loop {
  const call = async ? 'await op()' : 'op()';
  return new (async ? AsyncFunction : Function)(
    'op',
    'n',
    'now',
    'sink',
    uniqueSource(`const t0 = now(); for (let i = 0; i < n; i++) sink(${call}); return now() - t0;`),
  ) as Loop;
}

// The result goes somewhere the engine must assume is read, so a pure op cannot be eliminated (PITFALLS 5).
const sunk = { value: undefined as unknown };
export const sink = (value: unknown): void => {
  sunk.value = value;
};
