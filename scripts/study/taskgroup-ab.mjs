// Two builds of TaskGroup side by side against Promise.all, in one process (docs/patterns.md, "What
// a TaskGroup costs"): the eager-tasks scenario's cache miss (one await) gathered by each, rounds of
// 120 ms interleaved, CPU time per task. Prints each side's median ratio to Promise.all and the
// median of the rounds' paired ratio B / A, which the machine's moment moves least.
// A round's figure is a steady loop's mean, which charges the collections to every op; asyncbench
// times single ops and takes medians, which a collection seldom falls in. The two can disagree: one
// closure a task read 0.63x here on deno at 10 000 tasks and unchanged in `asyncbench compare
// --base` (docs/patterns.md, "Tried again and reverted"). Judge a change with compare --base.
//
//   git worktree add /tmp/tg-base REV
//   npx esbuild --bundle --format=esm /tmp/tg-base/src/patterns/task-group.ts --outfile=.tmp/tg-a.mjs
//   npx esbuild --bundle --format=esm src/patterns/task-group.ts --outfile=.tmp/tg-b.mjs
//   node_modules/.bin/bun scripts/study/taskgroup-ab.mjs TASKS .tmp/tg-a.mjs .tmp/tg-b.mjs   (node, deno run -A alike)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [tasksArg, fileA, fileB] = process.argv.slice(2);
const tasks = Number(tasksArg);
if (!Number.isInteger(tasks) || tasks < 1 || !fileA || !fileB) {
  console.error(
    'usage: taskgroup-ab.mjs TASKS A.mjs B.mjs   (TASKS a whole number from 1; A and B bundles of task-group.ts)',
  );
  process.exit(2);
}
const load = (file) => import(pathToFileURL(resolve(file)).href);
const [a, b] = await Promise.all([load(fileA), load(fileB)]);

const SETTLED = Promise.resolve();
const userValue = (id) => (id * 7919) % 1009;
async function loadUser(id) {
  await SETTLED;
  return userValue(id);
}
const ids = Array.from({ length: tasks }, (_, i) => i);
const grouped = (TaskGroup) => async () => {
  const group = new TaskGroup();
  const handles = ids.map((id) => group.createTask(() => loadUser(id)));
  await group.join();
  let sum = 0;
  for (const handle of handles) sum += handle.result();
  return sum;
};
const cases = {
  'Promise.all': async () => {
    let sum = 0;
    for (const value of await Promise.all(ids.map((id) => loadUser(id)))) sum += value;
    return sum;
  },
  A: grouped(a.TaskGroup),
  B: grouped(b.TaskGroup),
};

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
/** ns of CPU a task over `ms` of wall time */
async function time(op, ms) {
  let ops = 0;
  const wall = performance.now();
  const cpu = cpuMs();
  while (performance.now() - wall < ms) {
    await op();
    ops++;
  }
  return ((cpuMs() - cpu) * 1e6) / (ops * tasks);
}
const median = (values) => [...values].sort((x, y) => x - y)[values.length >> 1];

for (const op of Object.values(cases)) await time(op, 200);
const times = { 'Promise.all': [], A: [], B: [] };
const paired = [];
for (let round = 0; round < 25; round++) {
  for (const [name, op] of Object.entries(cases)) times[name].push(await time(op, 120));
  paired.push(times.B[round] / times.A[round]);
}
const all = median(times['Promise.all']);
console.log(
  `${tasks} tasks: Promise.all ${all.toFixed(0)} ns a task; A ${(median(times.A) / all).toFixed(2)}x, ` +
    `B ${(median(times.B) / all).toFixed(2)}x; B / A paired ${median(paired).toFixed(3)}`,
);
