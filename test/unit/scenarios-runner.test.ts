import { describe, expect, it } from 'vitest';
import runner, { checkProcesses, type State } from '../../scenarios/runner.js';
import type { VerifyContext } from '../../src/scenario.js';
import { checkRunnerOutput, runnerJobResult } from '../../src/workers/runner-job-result.js';

/**
 * verify of the runner scenario on the checks of hand-made job output (the cases spawn built
 * scripts); verify's own op checks the first output once more, or runs nothing (`runs: false`)
 */
const verifyOutputs = async (outputs: string[][], jobs: number, runs = true) => {
  const state: State = { problems: outputs.map((lines) => checkRunnerOutput(lines, jobs)), spans: [] };
  const op = async () => {
    if (runs) {
      state.problems.push(checkRunnerOutput(outputs[0] ?? [], jobs));
      state.spans.push({ start: 0, end: 1 }); // one process
    }
    return 1;
  };
  const ctx = { state, op, caseName: 'reused', params: { K: jobs } };
  return runner.verify?.(ctx as unknown as VerifyContext<State>);
};

const job = (i: number, context: number) => `result ${i} ${runnerJobResult(i)} ${context}`;

describe('runner scenario verify', () => {
  it('passes a reused process whose jobs each found the earlier ones in its context', async () => {
    await verifyOutputs([[job(0, 0), job(1, 1), job(2, 2)]], 3);
    await verifyOutputs([[job(0, 0)], [job(0, 0)]], 1); // fresh: one job per process
  });

  it('fails a "reused" run whose jobs did not share a context (a process per job in disguise)', async () => {
    await expect(verifyOutputs([[job(0, 0), job(1, 0), job(2, 0)]], 3)).rejects.toThrow(/not preserved/);
  });

  it('fails an op that returns a time kept from an earlier run, running no job', async () => {
    await expect(verifyOutputs([[job(0, 0)]], 1, false)).rejects.toThrow(
      /verify's own run ran no job: the op's time came from elsewhere/,
    );
  });

  it('fails a wrong hash and an empty run', async () => {
    await expect(verifyOutputs([[`result 0 1 0`]], 1)).rejects.toThrow(/wrong result/);
    await expect(verifyOutputs([], 1)).rejects.toThrow(/no job ran/);
  });
});

describe('runner scenario verify: the processes of an op', () => {
  const spans = (...pairs: [number, number][]) => pairs.map(([start, end]) => ({ start, end }));

  it('passes fresh processes one after another, and one process for reused and cold-start', () => {
    checkProcesses('fresh', spans([0, 10], [10, 20], [21, 30]), 3);
    checkProcesses('reused', spans([0, 30]), 3);
    checkProcesses('cold-start', spans([0, 5]), 1);
  });

  it('fails a fresh op that started its processes at once, or ran too few', () => {
    // a review's variant: K processes under Promise.all, wall time / K (27 ms a job against 49 on 2 cores)
    expect(() => checkProcesses('fresh', spans([0, 30], [1, 31], [2, 32]), 3)).toThrow(
      'fresh: job process 2 started before process 1 exited: they ran at once',
    );
    expect(() => checkProcesses('fresh', spans([0, 10]), 3)).toThrow('fresh: the op ran 1 job processes, not 3');
    expect(() => checkProcesses('reused', spans([0, 10], [10, 20]), 2)).toThrow(
      'reused: the op ran 2 job processes, not 1',
    );
  });
});
