// A third reference for the tiny-ops study, with neither asyncbench nor mitata: the op called in
// batches of 10 000 from one call site, each result folded into a running xor so that it is used,
// after 200 000 calls of warm-up. Prints the median ns per call of 200 batches. The xor and the loop
// are not free (node: reduce 34 ns here against 29 under mitata), so it settles which side a gap is
// on, not the op's cost to the nanosecond (docs/architecture.md, "Tiny ops").
//
//   taskset -c 1 node_modules/.bin/bun scripts/study/tiny-ops-plain.mjs reduce
import { TINY_OPS } from './tiny-ops-shared.mjs';

const name = globalThis.Deno?.args[0] ?? globalThis.process?.argv[2];
const op = TINY_OPS[name]();
const BATCH = 10_000;
let sink = 0;
for (let i = 0; i < 200_000; i++) sink ^= op();
const perCall = [];
for (let s = 0; s < 200; s++) {
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) sink ^= op();
  perCall.push(((performance.now() - t0) * 1e6) / BATCH);
}
perCall.sort((a, b) => a - b);
// the sink is printed, so no engine can drop the calls that feed it
console.log(`${perCall[100].toFixed(1)} ${sink}`);
