// What a pending task keeps alive (docs/patterns.md, "What a TaskGroup costs"): N async calls wait
// on one gate, gathered each way; the heap's growth per task after a full collection. On Bun,
// bun:jsc's heapStats also names the kinds of cell that grew by at least half a cell a task.
// Build first (npm run build).
//
//   node_modules/.bin/bun scripts/study/retained.mjs [tasks]
//   node_modules/.bin/node --expose-gc scripts/study/retained.mjs [tasks]
//   node_modules/.bin/deno run -A --v8-flags=--expose-gc scripts/study/retained.mjs [tasks]
import process from 'node:process';
import { TaskGroup } from '../../dist/api.js';

const tasks = Number(process.argv[2] ?? 10000);
let open;
const gate = new Promise((resolve) => {
  open = resolve;
});
/** the eager-tasks scenario's cache miss: one await, then the value */
async function load(id) {
  await gate;
  return id;
}
const ignore = () => {};
/** a Task's shape, settled by the then() of the two-closure way */
class Handle {
  state = 'pending';
  outcome = undefined;
  watched = undefined;
}

/** each way of gathering returns what keeps its tasks reachable */
const ways = {
  'async calls alone': () => Array.from({ length: tasks }, (_, id) => load(id)),
  'Promise.all': () => Promise.all(Array.from({ length: tasks }, (_, id) => load(id))),
  'then() with shared handlers': () => Array.from({ length: tasks }, (_, id) => load(id).then(ignore, ignore)),
  'then() with two closures a task': () =>
    Array.from({ length: tasks }, (_, id) => {
      const handle = new Handle();
      load(id).then(
        (value) => {
          handle.state = 'fulfilled';
          handle.outcome = value;
        },
        (error) => {
          handle.state = 'rejected';
          handle.outcome = error;
        },
      );
      return handle;
    }),
  TaskGroup: () => {
    const group = new TaskGroup();
    return [group, Array.from({ length: tasks }, (_, id) => group.createTask(() => load(id)))];
  },
};

const jsc = globalThis.Bun === undefined ? undefined : await import('bun:jsc');
/** the heap's size after a full collection, and on Bun its cells by kind */
function snapshot() {
  if (jsc === undefined) {
    globalThis.gc();
    globalThis.gc();
    return { heapSize: process.memoryUsage().heapUsed, counts: {} };
  }
  globalThis.Bun.gc(true);
  const { heapSize, objectTypeCounts } = jsc.heapStats();
  return { heapSize, counts: objectTypeCounts };
}

const kept = [];
for (const [name, gather] of Object.entries(ways)) {
  const before = snapshot();
  kept.push(gather());
  const after = snapshot();
  const grown = Object.entries(after.counts)
    .map(([kind, count]) => [kind, (count - (before.counts[kind] ?? 0)) / tasks])
    .filter(([, perTask]) => perTask >= 0.5)
    .map(([kind, perTask]) => `${kind} ${perTask.toFixed(1)}`);
  const bytes = ((after.heapSize - before.heapSize) / tasks).toFixed(0);
  console.log(`${name}: ${bytes} bytes a task${grown.length > 0 ? `; ${grown.join(', ')}` : ''}`);
}
open();
await Promise.all(kept.flat(2).filter((value) => typeof value?.then === 'function'));
