// One process of the duet study (duet.js): a micro case of two builds of asyncbench (two roots, as
// `compare --base` has them in its revision cache), measured in this one process in alternating
// batches (A B B A ...), or one build alone. Runs on node, deno and bun.
//
//   RUNTIME duet-child.mjs duet|A|B ROOT_A ROOT_B SCENARIO CASE PARAMS_JSON
// prints, for duet, the log of A's median over B's; alone, the side's median ns per call.
const argv = globalThis.Deno?.args ?? process.argv.slice(2);
const [mode, rootA, rootB, scenarioId, caseName, paramsJson] = argv;
const params = JSON.parse(paramsJson);
const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};

/** The case's op from one root's build, with a minimal context (micro cases use params only). */
async function opFrom(root) {
  const { default: scenario } = await import(`file://${root}/dist/scenarios/${scenarioId}.js`);
  const ctx = { scenario: scenarioId, caseName, params, quick: false, services: {}, runtime: {}, record() {} };
  ctx.state = scenario.setup ? await scenario.setup(ctx) : undefined;
  const op = await scenario.cases[caseName](ctx);
  const async = (await op()) !== undefined && op() instanceof Promise;
  return { op, async };
}

let sink = 0;
/** One timed batch of `n` calls, ns per call. */
async function batch({ op, async }, n) {
  const t0 = now();
  if (async) for (let i = 0; i < n; i++) sink ^= (await op()) === undefined ? 0 : 1;
  else for (let i = 0; i < n; i++) sink ^= op() === undefined ? 0 : 1;
  return ((now() - t0) * 1e6) / n;
}

const sides =
  mode === 'duet' ? [await opFrom(rootA), await opFrom(rootB)] : [await opFrom(mode === 'A' ? rootA : rootB)];
// warm-up, alternating, then one batch for both sides: calls that take about 0.1 ms on side A
const warmEnd = now() + 400;
let cost = 0;
while (now() < warmEnd) for (const side of sides) cost = await batch(side, 16);
const n = Math.max(4, Math.round(0.1e6 / Math.max(cost, 1)));
const series = sides.map(() => []);
const end = now() + 400;
for (let k = 0; now() < end; k++) {
  // A B B A: neither side always goes first
  const order = sides.length === 1 ? [0] : k % 2 === 0 ? [0, 1] : [1, 0];
  for (const i of order) series[i].push(await batch(sides[i], n));
}
console.log(
  mode === 'duet' ? Math.log(median(series[0]) / median(series[1])).toFixed(5) : median(series[0]).toFixed(2),
);
if (sink === 0.5) console.log('');
