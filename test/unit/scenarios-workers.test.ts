import { describe, expect, it } from 'vitest';
import workers, { type State } from '../../scenarios/workers.js';
import type { VerifyContext } from '../../src/scenario.js';
import { hashChain, TASK_ROUNDS } from '../../src/workers/cpu-kernel.js';

/** verify of the workers scenario on a hand-made state (the cases need built worker modules) */
function verifyWith(workersParam: number | string, state: Partial<State>) {
  const records: Record<string, number> = {};
  const full: State = {
    expected: [hashChain(0, TASK_ROUNDS)],
    checked: 10,
    wrong: 0,
    workersSeen: new Set(['a', 'b']),
    close: async () => {},
    ...state,
  };
  const ctx = {
    params: { workers: workersParam },
    runtime: { cpus: () => 2 },
    state: full,
    record: (name: string, value: number) => {
      records[name] = value;
    },
  } as unknown as VerifyContext<State>;
  return { run: async () => workers.verify?.(ctx), records };
}

describe('workers scenario verify', () => {
  it('passes when tasks were spread over the workers, recording how many answered', async () => {
    const { run, records } = verifyWith(2, {});
    await run();
    expect(records['workers used']).toBe(2);
    await verifyWith(1, { workersSeen: new Set(['only']) }).run();
  });

  it('fails a pool that ran every task on one worker although it has several', async () => {
    await expect(verifyWith(2, { workersSeen: new Set(['only']) }).run()).rejects.toThrow(/ran on 1 worker/);
    await expect(verifyWith('cores', { workersSeen: new Set(['only']) }).run()).rejects.toThrow(/not spread over 2/);
  });

  it('fails wrong hashes and an empty run', async () => {
    await expect(verifyWith(2, { wrong: 1 }).run()).rejects.toThrow(/wrong hash/);
    await expect(verifyWith(2, { checked: 0 }).run()).rejects.toThrow(/no task/);
  });
});
