// mitata on its own: one bench, run(), its median. One op per process, in one of two forms:
// - wrapped (the default): `bench(name, () => do_not_optimize(op()))`, as mitata's README writes a
//   bench; its loop then times a wrapper call around the op;
// - direct: `bench(name, op)`, mitata's loop calling the op itself and dropping its result.
// asyncbench's loop is neither exactly: it calls the op through a sink of the wrapped shape, with its
// own batch and warm-up (docs/architecture.md, "Which reference").
import { bench, do_not_optimize, run } from 'mitata';
import { TINY_OPS } from './tiny-ops-shared.mjs';

const [name, form = 'wrapped'] = globalThis.Deno?.args ?? globalThis.process.argv.slice(2);
const op = TINY_OPS[name]();
if (form === 'direct') bench(name, op);
else bench(name, () => do_not_optimize(op()));
const result = await run({ format: 'quiet' });
console.log(result.benchmarks[0].runs[0].stats.p50);
