/**
 * The seed's Runner API: one event loop reused for several jobs versus a fresh one per job. In a
 * JavaScript runtime the loop comes with the process, so the comparison is between processes, timed
 * from outside (the runtime the cell runs on spawns itself, with the same flags):
 * - cold-start: spawn -> the first result line of a one-job script (runtime start, module load, one
 *   job). It does not depend on K: measured at K=1, skipped at the other values. The job script
 *   (src/workers/runner-job.ts) loads nothing of the harness, so this is the runtime's own start.
 * - reused: one process runs K jobs; the op returns (spawn -> exit) / K, ms per job.
 * - fresh: K processes one after another, one job each; the op returns the total / K, ms per job.
 * verify runs the op once more itself (it must run a job) and checks every job's printed result
 * against the hash computed here, that fresh ran its K processes one after another (each spawned
 * after the last exited) and the others one, and the seed's point of the Runner, "context preserved": in a
 * reused process job i finds the i jobs before it in the process's context (module state), in a
 * fresh one none.
 */
import { type CaseContext, checkRunnerOutput, defineScenario } from 'asyncbench';

const JOB_SCRIPT = new URL('../workers/runner-job.js', import.meta.url);

export interface State {
  /** the checks of the last op's output: undefined when right, else what is wrong */
  problems: (string | undefined)[];
  /** when each job process ran: spawn and exit, ms */
  spans: { start: number; end: number }[];
}

/** Runs the job script with `jobs` jobs to its end; returns its lines and its time to `until`. */
async function runJobs(ctx: CaseContext<State>, jobs: number, until: 'first-result' | 'exit') {
  const { runtime } = ctx;
  const t0 = runtime.now();
  const child = runtime.spawnScript(JOB_SCRIPT, [String(jobs)], { stdout: 'pipe', stderr: 'pipe' });
  let ms = 0;
  if (until === 'first-result') {
    await child.waitForLine((line) => line.startsWith('result '));
    ms = runtime.now() - t0;
  }
  const exit = await child.exited;
  const end = runtime.now();
  ctx.state.spans.push({ start: t0, end });
  if (until === 'exit') ms = end - t0;
  const lines = child.stdout().split('\n');
  const problem =
    exit.code === 0
      ? checkRunnerOutput(lines, jobs)
      : `exit ${exit.signal ?? exit.code}: ${child.stderr().slice(0, 300)}`;
  return { ms, problem };
}

const jobsOf = (ctx: Pick<CaseContext<State>, 'params'>) => Number(ctx.params.K);

/**
 * fresh runs its K processes one after another, one job each; reused and cold-start one process.
 * A fresh case that started them at once would divide a shorter wall time by K: on 2 cores 27 ms a
 * job against 49 (a review), on more cores close to reused, the comparison the scenario is for
 */
export function checkProcesses(caseName: string, spans: readonly { start: number; end: number }[], jobs: number): void {
  const processes = caseName === 'fresh' ? jobs : 1;
  if (spans.length !== processes)
    throw new Error(`${caseName}: the op ran ${spans.length} job processes, not ${processes}`);
  const overlap = spans.findIndex((span, i) => i > 0 && span.start < (spans[i - 1] as { end: number }).end);
  if (overlap > 0)
    throw new Error(
      `${caseName}: job process ${overlap + 1} started before process ${overlap} exited: they ran at once`,
    );
}

export default defineScenario<State>({
  id: 'runner',
  title: 'Cold start; K jobs in one process vs a process per job',
  pattern: 'Runner API',
  kind: 'process',
  params: { K: [1, 10] },
  quick: { K: [1] },
  metric: { name: 'time per job', unit: 'ms', better: 'lower' },
  setup: () => ({ problems: [], spans: [] }),
  cases: {
    'cold-start': (ctx) => {
      if (jobsOf(ctx) !== 1) ctx.skip('cold start does not depend on K: measured at K=1');
      return async () => {
        const { ms, problem } = await runJobs(ctx, 1, 'first-result');
        ctx.state.problems.push(problem);
        return ms;
      };
    },
    reused: (ctx) => async () => {
      const { ms, problem } = await runJobs(ctx, jobsOf(ctx), 'exit');
      ctx.state.problems.push(problem);
      return ms / jobsOf(ctx);
    },
    fresh: (ctx) => async () => {
      let total = 0;
      for (let i = 0; i < jobsOf(ctx); i++) {
        const { ms, problem } = await runJobs(ctx, 1, 'exit');
        ctx.state.problems.push(problem);
        total += ms;
      }
      return total / jobsOf(ctx);
    },
  },
  verify: async (ctx) => {
    if (ctx.state.problems.length === 0) throw new Error('no job ran');
    // one run of verify's own: an op that returned a time kept from an earlier one runs no job
    const before = ctx.state.problems.length;
    const spansBefore = ctx.state.spans.length;
    await ctx.op();
    if (ctx.state.problems.length === before)
      throw new Error("verify's own run ran no job: the op's time came from elsewhere");
    const problems = ctx.state.problems.filter((p) => p !== undefined);
    if (problems.length > 0) throw new Error(`${problems.length} runs went wrong, first: ${problems[0]}`);
    checkProcesses(ctx.caseName, ctx.state.spans.slice(spansBefore), jobsOf(ctx));
  },
});
