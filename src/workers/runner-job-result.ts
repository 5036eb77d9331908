/** What a runner job computes, shared by the job script and the scenario that checks its output. */
import { hashChain } from './cpu-kernel.js';

/** ~0.1 ms of CPU: small beside a runtime's startup, as the jobs of a CLI tool usually are */
const RUNNER_JOB_ROUNDS = 10_000;

export function runnerJobResult(index: number): number {
  return hashChain(index, RUNNER_JOB_ROUNDS);
}

/** checks `result <i> <hash>` lines: every job 0..jobs-1 once, with the right hash */
export function checkRunnerOutput(lines: readonly string[], jobs: number): string | undefined {
  const results = lines.filter((line) => line.startsWith('result '));
  if (results.length !== jobs) return `expected ${jobs} results, got ${results.length}`;
  for (const [i, line] of results.entries()) {
    const [, index, hash] = line.split(' ');
    if (Number(index) !== i || Number(hash) !== runnerJobResult(i)) return `wrong result line: ${line}`;
  }
  return undefined;
}
