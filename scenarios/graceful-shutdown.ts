/**
 * The seed's Graceful Shutdown: SIGINT and SIGTERM set one stop event, and the server, its
 * background worker and its child process all wind down on it (src/workers/shutdown-server.ts, a
 * child of the runtime the cell runs on). One op: start the server, put `inFlight` requests in
 * flight and wait until the server holds them all, send the signal, and return the time from the
 * signal to the process's exit, in ms. Each held request has 20 ms of work left when the signal
 * comes (see shutdown-server.ts), so with requests in flight the floor is ~20 ms.
 *
 * verify runs one more shutdown of its own (the op must start a server), and fails if any accepted
 * request went unanswered, if the server's exit code was not 0 (or it had to be killed), or if its
 * child process outlived it. The child check reads /proc/<pid>/stat; on a system without /proc it
 * is recorded as unchecked ('orphan check' = 0) instead.
 */
import { type CaseContext, defineScenario, type RuntimeAdapter, withTimeout } from 'asyncbench';

const SERVER = new URL('../workers/shutdown-server.js', import.meta.url);
/** a server that has not exited this long after the signal is killed and counted as a failure */
const EXIT_DEADLINE_MS = 10_000;
const START_DEADLINE_MS = 15_000;

interface State {
  problems: string[];
  runs: number;
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

async function shutdownOnce(ctx: CaseContext<State>, signal: 'SIGTERM' | 'SIGINT'): Promise<number> {
  const { runtime, state } = ctx;
  const inFlight = Number(ctx.params.inFlight);
  const server = runtime.spawnScript(SERVER, [String(inFlight)], { stdout: 'pipe', stderr: 'pipe' });
  try {
    const [, url, sidecarPid] = (
      await withTimeout(
        server.waitForLine((line) => line.startsWith('ready ')),
        START_DEADLINE_MS,
        'server start',
      )
    ).split(' ');
    const responses = Array.from({ length: inFlight }, (_, i) =>
      fetch(`${url}/request/${i}`).then(
        async (response) => response.ok && (await response.text()) === 'done',
        () => false,
      ),
    );
    if (inFlight > 0)
      await withTimeout(
        server.waitForLine((line) => line === `inflight ${inFlight}`),
        START_DEADLINE_MS,
        'requests in flight',
      );
    const t0 = runtime.now();
    server.kill(signal);
    const exit = await withTimeout(server.exited, EXIT_DEADLINE_MS, `exit after ${signal}`);
    const ms = runtime.now() - t0;
    state.runs++;
    const unanswered = (await Promise.all(responses)).filter((ok) => !ok).length;
    if (unanswered > 0) state.problems.push(`${unanswered} of ${inFlight} accepted requests went unanswered`);
    if (exit.code !== 0) state.problems.push(`exit ${exit.signal ?? exit.code}: ${server.stderr().slice(0, 300)}`);
    const orphan = processAlive(runtime, Number(sidecarPid));
    if (orphan) state.problems.push(`the server's child process ${sidecarPid} outlived it`);
    ctx.record('orphan check', orphan === undefined ? 0 : 1, 'checked');
    return ms;
  } catch (error) {
    server.kill('SIGKILL');
    await server.exited;
    throw new Error(`${(error as Error).message}; server stderr: ${server.stderr().slice(0, 300)}`);
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
  setup: () => ({ problems: [], runs: 0 }),
  cases: {
    sigterm: (ctx) => () => shutdownOnce(ctx, 'SIGTERM'),
    sigint: (ctx) => () => shutdownOnce(ctx, 'SIGINT'),
  },
  verify: async (ctx) => {
    if (ctx.state.runs === 0) throw new Error('no shutdown was measured');
    // one shutdown of verify's own: an op that returned a time kept from an earlier one runs no server
    const before = ctx.state.runs;
    await ctx.op();
    const { problems, runs } = ctx.state;
    if (runs === before) throw new Error("verify's own shutdown started no server: the op's time came from elsewhere");
    if (problems.length > 0) throw new Error(`${problems.length} problems in ${runs} shutdowns, first: ${problems[0]}`);
  },
});
