// mitata on its own, as its README shows it: one bench, run(), its median. One op per process.
import { bench, do_not_optimize, run } from 'mitata';
import { TINY_OPS } from './tiny-ops-shared.mjs';

const name = globalThis.Deno?.args[0] ?? globalThis.process?.argv[2];
const op = TINY_OPS[name]();
bench(name, () => do_not_optimize(op()));
const result = await run({ format: 'quiet' });
console.log(result.benchmarks[0].runs[0].stats.p50);
