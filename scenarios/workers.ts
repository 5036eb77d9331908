/**
 * Worker parallelism (the seed's "Free-Threaded Python 3.13": CPU-bound work only speeds up where
 * threads really run in parallel). A fixed CPU task (cpu-kernel.ts: a ~1 ms hash chain with a checked
 * result) is spread over `workers` workers by four executors: the adapter's WorkerPool, piscina,
 * tinypool, and a pool of child runtime processes that take tasks over local HTTP (a fetch to a
 * child's runtime.serve(); that round trip costs node 4-6x what it costs deno or Bun:
 * docs/measurements/2026-12-06-child-processes-http.md).
 *
 * One op = one completed task, so the throughput driver's ops/s is tasks/s. To keep every worker fed
 * the op itself holds a window of 2 x workers tasks in flight: it tops the window up, then awaits the
 * oldest task (the driver's own concurrency stays 1; its op latency is thus the time between task
 * completions, not a task's latency). Two tasks per worker hide the message round trip between a
 * worker's result and its next task.
 *
 * Speedup (tasks/s at N workers over tasks/s at 1) and efficiency (speedup / min(N, cores)) need
 * two cells: scripts/worker-scaling.js and the report compute them from the result file.
 *
 * verify checks every task's hash; that a task took about as long in its worker as on the main
 * thread (the median span, checkTaskTime: a worker that kept the 16 seeds' hashes answers right
 * from a cache); and, when workers > 1, that the tasks ran in parallel on all of
 * them: each answer names the worker thread or process that computed it and when it started and
 * finished (two clock reads in the worker), so verify requires that every worker answered and that
 * tasks overlapped in time: 'peak tasks at once' >= 2, and >= min(workers, cores), the parallelism
 * the efficiency figure takes as ideal. A pool that quietly ran everything on one worker, took its
 * workers in turn one task at a time, or kept some of them waiting (2 tasks at once on 4 workers
 * and 4 cores, every worker used in turn) would otherwise pass with a plausible-looking figure.
 */
import {
  type CaseContext,
  type CpuResult,
  type CpuTask,
  Deque,
  defineScenario,
  type RuntimeAdapter,
  TASK_ROUNDS,
  timedHashes,
  WorkerPool,
  withTimeout,
} from 'asyncbench';

/** distinct task inputs; their hashes are computed once on the main thread to check every result */
const SEEDS = 16;
/** how long a child process or a third-party pool may take to answer its first task */
const PROBE_TIMEOUT_MS = 5000;

type RunTask = (task: CpuTask) => Promise<CpuResult>;

export interface State {
  expected: number[];
  /** ms of the fastest of those main-thread hashes: what one task costs on this machine and runtime */
  taskMs: number;
  checked: number;
  wrong: number;
  /** the ids of the workers that answered */
  workersSeen: Set<string>;
  /** when each task ran in its worker: start, end, start, end, ... (ms since the epoch) */
  spans: number[];
  /** closes what the case started (pool, children), after the in-flight tasks drained */
  close: () => Promise<void>;
}

/** 'cores' and '2xcores' are resolved on the machine that runs the cell. */
export function resolveWorkers(value: unknown, runtime: Pick<RuntimeAdapter, 'cpus'>): number {
  if (value === 'cores') return runtime.cpus();
  if (value === '2xcores') return 2 * runtime.cpus();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`workers must be a positive integer, 'cores' or '2xcores', got ${value}`);
  return n;
}

const workerUrl = (name: string) => new URL(`../workers/${name}.js`, import.meta.url);

/** The op: keeps `depth` tasks in flight, completes (and checks) the oldest one. */
function windowedOp(run: RunTask, depth: number, state: State) {
  const inflight = new Deque<Promise<void>>();
  let next = 0;
  const submit = () => {
    const seed = next++ % SEEDS;
    inflight.push(
      run({ seed, rounds: TASK_ROUNDS }).then(({ hash, worker, start, end }) => {
        state.checked++;
        state.workersSeen.add(worker);
        state.spans.push(start, end);
        if (hash !== state.expected[seed]) state.wrong++;
      }),
    );
  };
  const drain = async () => {
    await Promise.allSettled(Array.from({ length: inflight.length }, () => inflight.shift()));
  };
  const op = async () => {
    while (inflight.length < depth) submit();
    await inflight.shift();
  };
  return { op, drain };
}

/**
 * How much shorter than the main thread's fastest run a task's median span may be. A worker runs the
 * same engine's code on the same machine, so it cannot do the work many times faster: a faster core
 * or a turbo clock gives well under 2x, and load only makes the worker's spans longer. Only the main
 * thread's runs can be slowed against them (a loaded machine during setup): 20x leaves room for that.
 * A worker that answers a seed it already hashed from a cache takes microseconds, not ~1 ms: still
 * 50x below the bound. Measured (workers=2, --quick): median spans 1.03-1.10x the main thread's
 * fastest on node, deno and bun alike.
 */
const FASTER_THAN_MAIN = 20;

/** The median of the tasks' spans (end - start, ms). */
function medianSpan(spans: readonly number[]): number {
  const lengths: number[] = [];
  for (let i = 0; i + 1 < spans.length; i += 2) lengths.push((spans[i + 1] as number) - (spans[i] as number));
  lengths.sort((a, b) => a - b);
  return lengths[Math.floor(lengths.length / 2)] ?? 0;
}

/** The most tasks that ran at the same moment, from their [start, end] spans (touching is not overlapping). */
export function peakAtOnce(spans: readonly number[]): number {
  const events: [time: number, change: number][] = [];
  for (let i = 0; i + 1 < spans.length; i += 2) events.push([spans[i] as number, 1], [spans[i + 1] as number, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let peak = 0;
  for (const [, change] of events) {
    running += change;
    peak = Math.max(peak, running);
  }
  return peak;
}

/** Wires an executor into the op and the state's close(). */
async function caseWith(ctx: CaseContext<State>, run: RunTask, close: () => Promise<void>) {
  const workers = resolveWorkers(ctx.params.workers, ctx.runtime);
  // pre-warm: every executor answers once before measuring (startup is worker-messaging's business)
  await withTimeout(
    Promise.all(Array.from({ length: workers }, (_, seed) => run({ seed, rounds: 1 }))),
    PROBE_TIMEOUT_MS,
    'the pool',
  );
  const { op, drain } = windowedOp(run, 2 * workers, ctx.state);
  ctx.state.close = async () => {
    await drain();
    await close();
  };
  return op;
}

/** piscina and tinypool share an API shape: new Pool({ filename, minThreads, maxThreads }).run(task). */
interface ThirdPartyPool {
  run(task: CpuTask): Promise<CpuResult>;
  destroy(): Promise<void>;
}
type ThirdPartyPoolClass = new (options: {
  filename: string;
  minThreads: number;
  maxThreads: number;
}) => ThirdPartyPool;

async function thirdPartyCase(ctx: CaseContext<State>, name: string, load: () => Promise<ThirdPartyPoolClass>) {
  const workers = resolveWorkers(ctx.params.workers, ctx.runtime);
  let Pool: ThirdPartyPoolClass;
  try {
    Pool = await load();
  } catch (error) {
    ctx.skip(`${name} does not load on ${ctx.runtime.name}: ${(error as Error).message}`);
  }
  const pool = new Pool({ filename: workerUrl('cpu-kernel').href, minThreads: workers, maxThreads: workers });
  try {
    // every worker must answer: tinypool on deno 2.9 answers some runs and never others
    const probes = Array.from({ length: workers }, (_, seed) => pool.run({ seed, rounds: 1 }));
    await withTimeout(Promise.all(probes), PROBE_TIMEOUT_MS, name);
  } catch (error) {
    // the pool cannot be destroyed either then; the measuring process exits regardless
    ctx.skip(`${name} does not run on ${ctx.runtime.name} ${ctx.runtime.version}: ${(error as Error).message}`);
  }
  return caseWith(
    ctx,
    (task) => pool.run(task),
    () => pool.destroy(),
  );
}

/** A pool of child runtime processes (cpu-child.ts), each taking one task at a time over HTTP. */
async function childProcessCase(ctx: CaseContext<State>) {
  const { runtime } = ctx;
  const workers = resolveWorkers(ctx.params.workers, runtime);
  const children = Array.from({ length: workers }, () =>
    runtime.spawnScript(workerUrl('cpu-child'), [], { stdout: 'pipe', stderr: 'pipe' }),
  );
  const close = async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exited));
  };
  let urls: string[];
  try {
    const lines = children.map((child) => child.waitForLine((line) => line.startsWith('ready ')));
    urls = (await withTimeout(Promise.all(lines), PROBE_TIMEOUT_MS, 'a child process')).map((line) => line.slice(6));
  } catch (error) {
    await close();
    throw error;
  }
  const idle = [...urls];
  const waiting = new Deque<(url: string) => void>();
  const release = (url: string) => {
    const waiter = waiting.shift();
    if (waiter) waiter(url);
    else idle.push(url);
  };
  const run: RunTask = async (task) => {
    const url = idle.pop() ?? (await new Promise<string>((resolve) => waiting.push(resolve)));
    try {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify(task) });
      return (await response.json()) as CpuResult;
    } finally {
      release(url);
    }
  };
  return caseWith(ctx, run, close);
}

/**
 * A task takes about as long in a worker as on the main thread. The hash alone does not show the
 * work was done: 16 seeds, so a worker that kept the hashes it computed answers right from a cache.
 */
function checkTaskTime({ spans, taskMs }: State): void {
  const median = medianSpan(spans);
  if (median < taskMs / FASTER_THAN_MAIN)
    throw new Error(
      `a task took ${median.toFixed(3)} ms in its worker (median), the main thread's fastest ${taskMs.toFixed(3)} ms: ` +
        `the workers did not do the work (more than ${FASTER_THAN_MAIN}x faster)`,
    );
}

export default defineScenario<State>({
  id: 'workers',
  title: 'CPU-bound tasks over N workers',
  pattern: 'Free-Threaded Python 3.13',
  kind: 'throughput',
  params: { workers: [1, 2, 4, 'cores', '2xcores'] },
  defaults: { workers: [1, 2] },
  quick: { workers: [2] },
  metric: { name: 'tasks', unit: 'tasks/s', better: 'higher' },
  requires: ['workers'],
  setup: ({ runtime }) => ({
    ...timedHashes(SEEDS, () => runtime.now()),
    checked: 0,
    wrong: 0,
    workersSeen: new Set(),
    spans: [],
    close: async () => {},
  }),
  cases: {
    pool: (ctx) => {
      const pool = new WorkerPool<CpuTask, CpuResult>({
        runtime: ctx.runtime,
        module: workerUrl('cpu-worker'),
        size: resolveWorkers(ctx.params.workers, ctx.runtime),
      });
      return caseWith(
        ctx,
        (task) => pool.run(task),
        () => pool.close(),
      );
    },
    piscina: (ctx) =>
      thirdPartyCase(ctx, 'piscina', async () => (await import('piscina')).Piscina as unknown as ThirdPartyPoolClass),
    tinypool: (ctx) =>
      thirdPartyCase(
        ctx,
        'tinypool',
        async () => (await import('tinypool')).Tinypool as unknown as ThirdPartyPoolClass,
      ),
    'child-processes': childProcessCase,
  },
  verify: (ctx) => {
    const { checked, wrong, workersSeen, spans } = ctx.state;
    const workers = resolveWorkers(ctx.params.workers, ctx.runtime);
    const atOnce = peakAtOnce(spans);
    ctx.record('tasks checked', checked, 'tasks');
    ctx.record('workers used', workersSeen.size, 'workers');
    ctx.record('peak tasks at once', atOnce, 'tasks');
    if (checked === 0) throw new Error('no task completed');
    if (wrong > 0) throw new Error(`${wrong} of ${checked} tasks returned a wrong hash`);
    checkTaskTime(ctx.state);
    if (workersSeen.size < Math.min(workers, checked))
      throw new Error(`${checked} tasks ran on ${workersSeen.size} of the ${workers} workers: not spread over all`);
    if (workers > 1 && checked > 1 && atOnce < 2)
      throw new Error(
        `${checked} tasks on ${workers} workers never ran two at once: the workers took turns, not in parallel`,
      );
    // as many at once as the ideal the efficiency figure is judged by (speedup / min(N, cores))
    const parallel = Math.min(workers, ctx.runtime.cpus(), checked);
    if (atOnce < parallel)
      throw new Error(
        `${checked} tasks on ${workers} workers (${ctx.runtime.cpus()} cores) never ran more than ${atOnce} at once, ` +
          `not ${parallel}: the pool ran fewer tasks in parallel than it has workers`,
      );
  },
  teardown: (ctx) => ctx.state.close(),
});
