#!/usr/bin/env bun
// What a TaskGroup's per-task handle costs on its own (docs/patterns.md, "Measured"): CPU time per
// task of a bare Promise.all, of the per-task closure alone, of the closure plus one kept 3-field
// handle object, and of the TaskGroup, all over cache hits (no promise per task), interleaved in
// 7 rounds of 150 ms. Build first (npm run build).
//
//   node_modules/.bin/bun scripts/study/task-handle-cost.mjs [tasks=10000]   (node alike)
import { TaskGroup } from '../../dist/api.js';

const N = Number(process.argv[2] ?? 10000);
const cache = new Map();
for (let i = 0; i < N; i++) cache.set(i, i * 3);
const getUser = (c, id) => {
  const v = c.get(id);
  return v !== undefined ? v : Promise.resolve(id);
};
/** the shape of a Task: what a handle kept per task costs, without the group */
class T {
  status = 'pending';
  outcome = undefined;
  waiter = undefined;
}
const variants = {
  promiseAll: async () => {
    const p = new Array(N);
    for (let id = 0; id < N; id++) p[id] = getUser(cache, id);
    const r = await Promise.all(p);
    return r.length;
  },
  closures: async () => {
    const h = new Array(N);
    for (let id = 0; id < N; id++) {
      const f = () => getUser(cache, id);
      h[id] = f();
    }
    return h.length;
  },
  closuresTask: async () => {
    const h = new Array(N);
    for (let id = 0; id < N; id++) {
      const f = () => getUser(cache, id);
      const t = new T();
      t.status = 'fulfilled';
      t.outcome = f();
      h[id] = t;
    }
    return h.length;
  },
  taskGroup: async () => {
    const g = new TaskGroup();
    const h = new Array(N);
    for (let id = 0; id < N; id++) h[id] = g.createTask(() => getUser(cache, id));
    await g.join();
    let s = 0;
    for (let id = 0; id < N; id++) s += h[id].result();
    return s;
  },
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const res = {};
for (let round = 0; round < 7; round++)
  for (const [name, fn] of Object.entries(variants)) {
    const t0 = cpu();
    let calls = 0;
    const w = performance.now();
    while (performance.now() - w < 150) {
      await fn();
      calls++;
    }
    res[name] ??= [];
    res[name].push(((cpu() - t0) * 1e6) / (calls * N));
  }
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(14), med(v).toFixed(1), 'ns/task');
