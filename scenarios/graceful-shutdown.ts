/**
 * The seed's Graceful Shutdown: SIGINT and SIGTERM set one stop event, and the server, its
 * background worker and its child process all wind down on it (src/workers/shutdown-server.ts, a
 * child of the runtime the cell runs on). One op: start the server, put `inFlight` requests in
 * flight and wait until the server holds them all, send the signal, and return the time from the
 * signal to the process's exit, in ms. Each held request has HELD_WORK_MS (20) of work left when
 * the signal comes (the server's second argument, from the State's heldWorkMs), so with requests in
 * flight the floor is ~20 ms.
 *
 * verify runs one more shutdown of its own (the op must start a server), and fails if, in any
 * shutdown, a held request was not answered in full (`done <i>`, request i's own answer), the first
 * answer came sooner after the signal than its work allows (cut short; 3/4 of the work, as timers
 * may fire a little early), the server's own count at exit was not inFlight accepted and
 * answered, its exit code was not 0 (or it had to be killed), or its child process outlived it. In
 * verify's own shutdown a request is also sent once the server says `stopping`: it must be refused
 * (none accepted after shutdown began). The child check reads /proc/<pid>/stat; on a system
 * without /proc it is recorded as unchecked ('orphan check' = 0) instead.
 */
import { request as httpRequest } from 'node:http';
import { type CaseContext, type ChildHandle, defineScenario, type RuntimeAdapter, withTimeout } from 'asyncbench';

const SERVER = new URL('../workers/shutdown-server.js', import.meta.url);
/** a server that has not exited this long after the signal is killed and counted as a failure */
const EXIT_DEADLINE_MS = 10_000;
const START_DEADLINE_MS = 15_000;
/** the work each held request has left when the stop event is set (the server's second argument) */
export const HELD_WORK_MS = 20;

interface State {
  problems: string[];
  runs: number;
  /**
   * the work each held request has left when the signal comes, in ms: HELD_WORK_MS. A test of a
   * server that cuts the work short sets more, so that the bound verify checks (3/4 of it) stays far
   * above any delay a loaded machine adds between the signal and the first answer.
   */
  heldWorkMs: number;
  /** set by verify for its own shutdown: a request is then sent once the server says it is stopping */
  probeLate?: boolean;
}

/** true while the process exists and is not a zombie; undefined where /proc cannot tell */
function processAlive(runtime: RuntimeAdapter, pid: number): boolean | undefined {
  try {
    runtime.readFileSync('/proc/self/stat');
  } catch {
    return undefined;
  }
  try {
    const stat = runtime.readFileSync(`/proc/${pid}/stat`);
    // the state field follows the command name in parentheses: "pid (comm) S ..."
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** the server, started and ready: its address and its child process's pid */
async function startServer(runtime: RuntimeAdapter, inFlight: number, heldWorkMs: number) {
  const server = runtime.spawnScript(SERVER, [String(inFlight), String(heldWorkMs)], {
    stdout: 'pipe',
    stderr: 'pipe',
  });
  try {
    const ready = server.waitForLine((line) => line.startsWith('ready '));
    const [, url, sidecarPid] = (await withTimeout(ready, START_DEADLINE_MS, 'server start')).split(' ');
    return { server, url, sidecarPid: Number(sidecarPid) };
  } catch (error) {
    throw await killed(server, error);
  }
}

async function killed(server: ChildHandle, error: unknown): Promise<Error> {
  server.kill('SIGKILL');
  await server.exited;
  return new Error(`${(error as Error).message}; server stderr: ${server.stderr().slice(0, 300)}`);
}

/** request i, answered: its body (undefined if it failed) and when the answer had come, in ms */
function requestHeld(runtime: RuntimeAdapter, url: string, i: number): Promise<Answer> {
  return fetch(`${url}/request/${i}`).then(
    async (response) => ({ body: response.ok ? await response.text() : undefined, at: runtime.now() }),
    () => ({ body: undefined, at: runtime.now() }),
  );
}

interface Answer {
  body: string | undefined;
  at: number;
}

/**
 * What went wrong with the held requests: one not answered `done <i>`, or the first answered
 * sooner after the signal than its `workMs` of work, so cut short. Only the first: a late client
 * sees every answer late, never one early. A quarter of the work is left as slack, as a timer may
 * fire a little early.
 */
function heldProblems(answers: Answer[], signalAt: number, workMs: number): string[] {
  const problems: string[] = [];
  const wrong = answers.filter((answer, i) => answer.body !== `done ${i}`).length;
  if (wrong > 0) problems.push(`${wrong} of ${answers.length} accepted requests went unanswered or wrongly answered`);
  const first = Math.min(...answers.map((answer) => answer.at)) - signalAt;
  if (first < workMs * 0.75)
    problems.push(
      `the first held request was answered ${first.toFixed(1)} ms after the signal, before its ${workMs} ms of work`,
    );
  return problems;
}

/** the server's own count at exit: it accepted the held requests and answered them, no more */
function drainedProblem(stdout: string, inFlight: number): string | undefined {
  const expected = `drained accepted=${inFlight} answered=${inFlight}`;
  const drained = stdout.split('\n').find((line) => line.startsWith('drained ')) ?? 'no drained line';
  return drained === expected ? undefined : `the server said "${drained}", not "${expected}"`;
}

/**
 * A request sent once the server says it is stopping must be refused: what went wrong if not. It
 * goes on a connection of its own (`agent: false`): fetch could reuse a kept-alive connection of a
 * held request answered meanwhile, and what a server does with a request on a connection it already
 * had is not what "accepts no new ones" means.
 */
async function lateRequestProblem(server: ChildHandle, url: string): Promise<string | undefined> {
  const stopping = server.waitForLine((line) => line === 'stopping').then(() => true);
  const saidAtExit = server.exited.then(() => server.stdout().split('\n').includes('stopping'));
  if (!(await Promise.race([stopping, saidAtExit]))) return 'the server never said it was stopping';
  const answered = await new Promise<boolean>((resolve) => {
    const request = httpRequest(`${url}/request/late`, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.end();
  });
  return answered ? 'the server answered a request sent after it said it was stopping' : undefined;
}

async function shutdownOnce(ctx: CaseContext<State>, signal: 'SIGTERM' | 'SIGINT'): Promise<number> {
  const { runtime, state } = ctx;
  const inFlight = Number(ctx.params.inFlight);
  const { server, url, sidecarPid } = await startServer(runtime, inFlight, state.heldWorkMs);
  try {
    const answers = Array.from({ length: inFlight }, (_, i) => requestHeld(runtime, url, i));
    if (inFlight > 0)
      await withTimeout(
        server.waitForLine((line) => line === `inflight ${inFlight}`),
        START_DEADLINE_MS,
        'requests in flight',
      );
    const t0 = runtime.now();
    server.kill(signal);
    const late = state.probeLate ? lateRequestProblem(server, url) : undefined;
    const exit = await withTimeout(server.exited, EXIT_DEADLINE_MS, `exit after ${signal}`);
    const ms = runtime.now() - t0;
    state.runs++;
    state.problems.push(...heldProblems(await Promise.all(answers), t0, state.heldWorkMs));
    for (const problem of [await late, drainedProblem(server.stdout(), inFlight)])
      if (problem) state.problems.push(problem);
    if (exit.code !== 0) state.problems.push(`exit ${exit.signal ?? exit.code}: ${server.stderr().slice(0, 300)}`);
    const orphan = processAlive(runtime, sidecarPid);
    if (orphan) state.problems.push(`the server's child process ${sidecarPid} outlived it`);
    ctx.record('orphan check', orphan === undefined ? 0 : 1, 'checked');
    return ms;
  } catch (error) {
    throw await killed(server, error);
  }
}

export default defineScenario<State>({
  id: 'graceful-shutdown',
  title: 'Signal to exit of a server with requests in flight',
  pattern: 'Graceful Shutdown',
  kind: 'process',
  params: { inFlight: [0, 100] },
  quick: { inFlight: [100] },
  metric: { name: 'signal to exit', unit: 'ms', better: 'lower' },
  setup: () => ({ problems: [], runs: 0, heldWorkMs: HELD_WORK_MS }),
  cases: {
    sigterm: (ctx) => () => shutdownOnce(ctx, 'SIGTERM'),
    sigint: (ctx) => () => shutdownOnce(ctx, 'SIGINT'),
  },
  verify: async (ctx) => {
    if (ctx.state.runs === 0) throw new Error('no shutdown was measured');
    // one shutdown of verify's own: an op that returned a time kept from an earlier one runs no server
    const before = ctx.state.runs;
    ctx.state.probeLate = true;
    try {
      await ctx.op();
    } finally {
      ctx.state.probeLate = false;
    }
    const { problems, runs } = ctx.state;
    if (runs === before) throw new Error("verify's own shutdown started no server: the op's time came from elsewhere");
    if (problems.length > 0) throw new Error(`${problems.length} problems in ${runs} shutdowns, first: ${problems[0]}`);
  },
});
