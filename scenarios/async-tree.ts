/**
 * async-tree (SCENARIOS.md): pyperformance's async_tree benchmark, the workload CPython used to
 * measure eager tasks. pyperformance calls recurse(NUM_RECURSE_LEVELS = 6); every call above
 * level 0 gathers NUM_RECURSE_BRANCHES = 6 children and level 0 runs the leaf workload. So one tree
 * is 1 + 6 + ... + 6^5 = 9331 inner nodes and 6^6 = 46656 leaves: 55986 tasks (all but the root).
 *
 * Leaf workloads (pyperformance's variants):
 * - none: returns at once;
 * - io: awaits simulated I/O. pyperformance sleeps 50 ms; here every leaf awaits one event-loop
 *   turn of its own (setImmediate, else MessageChannel). A 50 ms sleep would make every tree cost
 *   50 ms plus the timer machinery, and a short timer measures the runtimes' 1-4 ms clamps
 *   (PITFALLS 2); one turn is the smallest real suspension through the event loop;
 * - memoization: a value 1..100 drawn per leaf (seeded); values <= 90 are memoized in a cache that
 *   lives as long as the process (as pyperformance's does across its runs), so in steady state
 *   about 90% of the leaves return at once and the rest do the io above;
 * - mixed: half the leaves do CPU work (pyperformance: factorial(500)); the others do memoization.
 *   BigInt factorial(500) costs ~60 µs in JS, which would bury the scheduling this scenario is
 *   about under 1.4 s of arithmetic per tree: we use factorial(FACTORIAL_N = 25), about 1 µs.
 *
 * Every leaf returns a number and every node the sum of its children, so verify can check the
 * tree's sum, with the leaves of its run counted (an op that kept an earlier sum is right too).
 * Cases: a TaskGroup per inner node (pyperformance's task-group variant) under each start policy
 * (GROUP_CASES), and promise-all: async functions gathered with Promise.all (pyperformance's gather
 * variant; JS async functions already start eagerly).
 *
 * The start policy is what the scenario compares, so verify also checks it, with eager-tasks' probe
 * (probeStarts) over one more run of the measured op: every leaf task whose body returned at once
 * must be settled at createTask (eager), after a microtask, or after a loop turn (macrotask). Where
 * no leaf returns at once (leaf io) it probes the same case over a 'none' tree. Each probed run must
 * make a task for every node below the root (TASKS): a group case gathered by Promise.all, even in
 * part, makes too few, and then no leaf task is there to be found settled wrong.
 */
import {
  type CaseContext,
  type CaseFn,
  defineScenario,
  nextTurn,
  type StartPolicy,
  seededRandom,
  TaskGroup,
  withCallsCounted,
} from 'asyncbench';
import { probeStarts, type Settles } from './eager-tasks.js';

export const LEVELS = 6;
export const BRANCHES = 6;
export const LEAVES = BRANCHES ** LEVELS;
/** a task for every node but the root: the inner nodes below it and the leaves (6 + ... + 6^6 = 55 986) */
export const TASKS = (BRANCHES ** (LEVELS + 1) - BRANCHES) / (BRANCHES - 1);
const MEMOIZABLE_PERCENTAGE = 90;
const CPU_PROBABILITY = 0.5;
const FACTORIAL_N = 25n;
const SEED = 0;

export type LeafKind = 'none' | 'io' | 'memoization' | 'mixed';
type Leaf = (index: number) => number | Promise<number>;

export interface AsyncTreeState {
  leaf: Leaf;
  expectedSum: number;
}

function cpuWork(): number {
  let product = 1n;
  for (let i = 2n; i <= FACTORIAL_N; i++) product *= i;
  return Number(product % 1000n);
}
const CPU_RESULT = cpuWork();

async function io(value: number): Promise<number> {
  await nextTurn();
  return value;
}

/** the leaf function of a kind and the sum a tree of such leaves must give */
export function makeLeaf(kind: LeafKind): AsyncTreeState {
  if (kind === 'none') return { leaf: () => 1, expectedSum: LEAVES };
  if (kind === 'io') return { leaf: () => io(1), expectedSum: LEAVES };
  if (kind !== 'memoization' && kind !== 'mixed')
    throw new Error(`unknown leaf '${kind}': none, io, memoization or mixed`);
  const random = seededRandom(SEED);
  const data = new Uint8Array(LEAVES);
  const cpu = new Uint8Array(LEAVES);
  let expectedSum = 0;
  for (let i = 0; i < LEAVES; i++) {
    cpu[i] = kind === 'mixed' && random() < CPU_PROBABILITY ? 1 : 0;
    data[i] = 1 + Math.floor(random() * 100);
    expectedSum += cpu[i] ? CPU_RESULT : (data[i] as number);
  }
  const cache = new Map<number, number>();
  const memoized = (index: number): number | Promise<number> => {
    const value = data[index] as number;
    if (value <= MEMOIZABLE_PERCENTAGE) {
      const cached = cache.get(value);
      if (cached !== undefined) return cached;
      cache.set(value, value);
    }
    return io(value);
  };
  const leaf: Leaf = kind === 'mixed' ? (index) => (cpu[index] ? cpuWork() : memoized(index)) : memoized;
  return { leaf, expectedSum };
}

/** one inner node: a TaskGroup over its children; `index` numbers the nodes of a level */
async function groupNode(level: number, index: number, start: StartPolicy, leaf: Leaf): Promise<number> {
  const group = new TaskGroup({ start });
  const children = new Array(BRANCHES);
  for (let b = 0; b < BRANCHES; b++) {
    const child = index * BRANCHES + b;
    children[b] = group.createTask(level === 1 ? () => leaf(child) : () => groupNode(level - 1, child, start, leaf));
  }
  await group.join();
  let sum = 0;
  for (let b = 0; b < BRANCHES; b++) sum += children[b].result();
  return sum;
}

async function gatherNode(level: number, index: number, leaf: Leaf): Promise<number> {
  const children = new Array<number | Promise<number>>(BRANCHES);
  for (let b = 0; b < BRANCHES; b++) {
    const child = index * BRANCHES + b;
    children[b] = level === 1 ? leaf(child) : gatherNode(level - 1, child, leaf);
  }
  const results = await Promise.all(children);
  let sum = 0;
  for (let b = 0; b < BRANCHES; b++) sum += results[b] as number;
  return sum;
}

/** The cases read the state's leaf at every op (not once when built), so verify can count a run's leaves. */
function groupCase(start: StartPolicy) {
  return (ctx: CaseContext<AsyncTreeState>) => () => groupNode(LEVELS, 0, start, ctx.state.leaf);
}

/** the group cases: their start policy, and when a leaf task whose body returned at once is settled */
export const GROUP_CASES = {
  eager: { start: 'eager', leafSettles: 'at createTask' },
  microtask: { start: 'microtask', leafSettles: 'after a microtask' },
  macrotask: { start: 'macrotask', leafSettles: 'after a loop turn' },
} as const satisfies Record<string, { start: StartPolicy; leafSettles: Settles }>;

const cases: Record<string, CaseFn<AsyncTreeState>> = {
  ...Object.fromEntries(Object.entries(GROUP_CASES).map(([name, { start }]) => [name, groupCase(start)])),
  'promise-all': (ctx) => () => gatherNode(LEVELS, 0, ctx.state.leaf),
};

export default defineScenario<AsyncTreeState>({
  id: 'async-tree',
  title: "pyperformance's async_tree under eager and lazy task start",
  pattern: 'Eager Task Execution Details',
  kind: 'micro',
  params: { leaf: ['none', 'io', 'memoization', 'mixed'] },
  defaults: { leaf: ['none', 'memoization'] },
  quick: { leaf: ['memoization'] },
  setup: (ctx) => makeLeaf(String(ctx.params.leaf) as LeafKind),
  cases,
  async verify(ctx) {
    // the sum alone does not show the tree ran (an op that kept an earlier sum returns it right), and
    // promise-all has no TaskGroup for probeStarts to watch: the leaves of verify's run are counted
    const { value: sum, calls: ran } = await withCallsCounted(ctx.state, 'leaf', ctx.op);
    if (sum !== ctx.state.expectedSum) throw new Error(`the tree sums to ${sum}, expected ${ctx.state.expectedSum}`);
    if (ran !== LEAVES) throw new Error(`the op ran ${ran} of the tree's ${LEAVES} leaves: the tree did not run`);
    const name = ctx.caseName;
    if (!Object.hasOwn(GROUP_CASES, name)) return;
    const expected: Settles = GROUP_CASES[name as keyof typeof GROUP_CASES].leafSettles;
    // the measured op itself; a tree with no leaf that returns at once (io) tells nothing: then the
    // same case over a 'none' tree
    let state = ctx.state;
    // a TaskGroup case whose tree is gathered by Promise.all, or in part (groups at the leaves only),
    // has no leaf task, or too few, for the check below to find settled wrong
    const wholeTree = (tasks: number) => {
      if (tasks !== TASKS)
        throw new Error(
          `${name}: the tree made ${tasks} tasks, not one for each of its ${TASKS} nodes below the root: not a TaskGroup tree`,
        );
    };
    let probed = await probeStarts(ctx.op);
    wholeTree(probed.tasks.length);
    if (!probed.tasks.some((task) => task.plain)) {
      state = makeLeaf('none');
      probed = await probeStarts(await (cases[name] as CaseFn<AsyncTreeState>)({ ...ctx, state }));
      wholeTree(probed.tasks.length);
    }
    if (probed.value !== state.expectedSum)
      throw new Error(`the tree sums to ${probed.value}, expected ${state.expectedSum}`);
    const leaves = probed.tasks.filter((task) => task.plain);
    const off = leaves.filter((task) => task.settles !== expected);
    if (off.length > 0)
      throw new Error(
        `${name}: ${off.length} of ${leaves.length} leaf tasks that returned at once were not settled ${expected} ` +
          `(one settled ${off[0]?.settles}): the start policy changed`,
      );
  },
});
