/** What a runner job computes, shared by the job script and the scenario that checks its output. */
import { hashChain } from './cpu-kernel.js';

/** ~35 µs of CPU: small beside a runtime's startup, as the jobs of a CLI tool usually are */
const RUNNER_JOB_ROUNDS = 10_000;

export function runnerJobResult(index: number): number {
  return hashChain(index, RUNNER_JOB_ROUNDS);
}

/**
 * Checks the `result <i> <hash> <context>` lines of one process that ran `jobs` jobs: every job
 * 0..jobs-1 once, with the right hash, and each job found the i jobs before it in the process's
 * context (the context is preserved from job to job, as asyncio.Runner's is).
 */
export function checkRunnerOutput(lines: readonly string[], jobs: number): string | undefined {
  const results = lines.filter((line) => line.startsWith('result '));
  if (results.length !== jobs) return `expected ${jobs} results, got ${results.length}`;
  for (const [i, line] of results.entries()) {
    const [, index, hash, context] = line.split(' ');
    if (Number(index) !== i || Number(hash) !== runnerJobResult(i)) return `wrong result line: ${line}`;
    if (Number(context) !== i)
      return `job ${i} found ${context} earlier jobs in the process's context, not ${i}: the context was not preserved`;
  }
  return undefined;
}
