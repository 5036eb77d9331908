// Fresh memory (docs/architecture.md, "Fresh memory"): what a first touch of a page costs on this
// machine, and whether a case's slow ops are the ones that fault pages in. Runs on node, deno and
// bun alike (process.resourceUsage() is in all three). Build first (npm run build).
//
//   node scripts/study/fresh-memory.mjs touch [MiB]
//      writes one byte of every page of a new buffer, then again: ms and µs per page, four rounds
//   taskset -c 1 node_modules/.bin/node scripts/study/fresh-memory.mjs ops SCENARIO CASE [k=v ...] [--windows N]
//      calls the built case in a plain loop; per 100 ms window: ops, the median op in ms, the
//      median page faults per op and the resident memory at its end, then the slowest and the
//      fastest tenth of all ops with theirs
//      (e.g. `ops fan-out TaskGroup failAt=middle tasks=1000`, `ops pipeline "patterns pipeline"`)
import { medianOf as median } from './common.js';

const argv = globalThis.Deno?.args ?? globalThis.process.argv.slice(2);
const faults = () => process.resourceUsage().minorPageFault;

function touch(mib) {
  for (let round = 0; round < 4; round++) {
    globalThis.gc?.();
    const pages = (mib * 2 ** 20) / 4096;
    const buffer = new Uint8Array(mib * 2 ** 20);
    const t0 = performance.now();
    for (let i = 0; i < buffer.length; i += 4096) buffer[i] = 1;
    const t1 = performance.now();
    for (let i = 0; i < buffer.length; i += 4096) buffer[i] = 2;
    const t2 = performance.now();
    const perPage = (((t1 - t0) / pages) * 1000).toFixed(2);
    console.log(
      `${mib} MiB: first touch ${(t1 - t0).toFixed(1)} ms (${perPage} µs a page), second ${(t2 - t1).toFixed(1)} ms`,
    );
  }
}

async function ops(scenarioId, caseName, rest) {
  const windows = Number(rest.includes('--windows') ? rest[rest.indexOf('--windows') + 1] : 12);
  const given = Object.fromEntries(rest.filter((a) => a.includes('=')).map((a) => a.split('=')));
  const { default: scenario } = await import(new URL(`../../dist/scenarios/${scenarioId}.js`, import.meta.url));
  // each param: the value given (as the scenario declares it, number or string), else its default
  const params = {};
  for (const [name, values] of Object.entries(scenario.params)) {
    const declared = values.find((v) => String(v) === given[name]);
    params[name] = declared ?? given[name] ?? (scenario.defaults?.[name] ?? values)[0];
  }
  const base = { scenario: scenarioId, caseName, params, runtime: { now: () => performance.now() }, quick: false };
  const state = await scenario.setup?.(base);
  const op = await scenario.cases[caseName]({
    ...base,
    state,
    record() {},
    skip: (reason) => {
      throw new Error(reason);
    },
  });
  const all = [];
  for (let w = 0; w < windows; w++) {
    const taken = [];
    for (const t0 = performance.now(); performance.now() - t0 < 100; ) {
      const f0 = faults();
      const start = performance.now();
      await op();
      taken.push({ ms: performance.now() - start, faults: faults() - f0 });
    }
    all.push(...taken);
    const ms = median(taken.map((x) => x.ms)).toFixed(3);
    const rss = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
    console.log(
      `window ${w + 1}: ${taken.length} ops, median ${ms} ms, ${median(taken.map((x) => x.faults))} faults, rss ${rss} MiB`,
    );
  }
  all.sort((a, b) => a.ms - b.ms);
  const tenth = Math.max(1, Math.floor(all.length / 10));
  for (const [label, part] of [
    ['fastest', all.slice(0, tenth)],
    ['slowest', all.slice(-tenth)],
  ]) {
    const ms = median(part.map((x) => x.ms)).toFixed(3);
    console.log(`${label} tenth: median ${ms} ms, ${median(part.map((x) => x.faults))} faults an op`);
  }
  await scenario.teardown?.({ ...base, state });
}

if (argv[0] === 'touch') touch(Number(argv[1] ?? 64));
else if (argv[0] === 'ops') await ops(argv[1], argv[2], argv.slice(3));
else console.error('usage: fresh-memory.mjs touch [MiB] | ops SCENARIO CASE [k=v ...] [--windows N]');
