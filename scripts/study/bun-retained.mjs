// What a pending task keeps alive on Bun (docs/patterns.md, "What a TaskGroup costs"): N async
// calls wait on one gate, gathered each way; after a full collection, bun:jsc's heapStats gives the
// heap's growth per task and the kinds of cell that grew by at least half a cell a task.
// Bun only (bun:jsc). Build first (npm run build).
//
//   node_modules/.bin/bun scripts/study/bun-retained.mjs [tasks]
import { heapStats } from 'bun:jsc';
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

/** each way of gathering returns what keeps its tasks reachable */
const ways = {
  'async calls alone': () => Array.from({ length: tasks }, (_, id) => load(id)),
  'Promise.all': () => Promise.all(Array.from({ length: tasks }, (_, id) => load(id))),
  'then() with shared handlers': () => Array.from({ length: tasks }, (_, id) => load(id).then(ignore, ignore)),
  TaskGroup: () => {
    const group = new TaskGroup();
    return [group, Array.from({ length: tasks }, (_, id) => group.createTask(() => load(id)))];
  },
};

function snapshot() {
  Bun.gc(true);
  const { heapSize, objectTypeCounts } = heapStats();
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
  console.log(`${name}: ${bytes} bytes a task; ${grown.join(', ')}`);
}
open();
await Promise.all(kept.flat());
