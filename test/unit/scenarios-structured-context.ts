/**
 * Runs one cell of a scenario in-process, the way src/harness/child.ts does (setup -> case -> op ->
 * verify -> teardown), with a hand-made context, so unit tests can call the cases directly.
 */

import { currentRuntime } from '../../src/runtimes/current.js';
import { type CaseContext, type Op, type Params, type Scenario, SkipCase } from '../../src/scenario.js';

export type CellResult =
  | { status: 'ok'; records: Record<string, { value: number; unit: string }>; value: unknown }
  | { status: 'skipped'; reason: string };

export interface CellOptions {
  /** calls to the op before verify (the engine's measuring stands in for them) */
  calls?: number;
  /** how many of those calls are in flight at once (the throughput driver's concurrency); default 1 */
  concurrency?: number;
  /** replaces the case's op, to feed verify a deliberately broken one */
  breakOp?: (op: Op, state: unknown) => Op;
  /** the addresses of real services (an HTTP target the test started) */
  services?: CaseContext['services'];
}

/**
 * A breakOp: the op's first result, kept and returned by every later call. It is right, so only a
 * verify that sees the op do its work in its own run (a count, the server's word) can fail it.
 */
export function keptFirstResult(op: Op): Op {
  let first: Promise<unknown> | undefined;
  return () => {
    first ??= Promise.resolve(op());
    return first;
  };
}

export async function runCell<S>(
  scenario: Scenario<S>,
  caseName: string,
  params: Params,
  options: CellOptions = {},
): Promise<CellResult> {
  const runtime = await currentRuntime();
  const records: Record<string, { value: number; unit: string }> = {};
  const base: CaseContext<undefined> = {
    scenario: scenario.id,
    caseName,
    params,
    runtime,
    services: options.services ?? {},
    quick: true,
    state: undefined,
    skip(reason: string): never {
      throw new SkipCase(reason);
    },
    record(name, value, unit) {
      records[name] = { value, unit };
    },
  };
  const state = (scenario.setup ? await scenario.setup(base) : undefined) as S;
  const ctx: CaseContext<S> = { ...base, state };
  try {
    const caseFn = scenario.cases[caseName];
    if (!caseFn) throw new Error(`no case ${caseName}`);
    const built = await caseFn(ctx);
    const op = options.breakOp ? options.breakOp(built, state) : built;
    let value: unknown;
    const calls = options.calls ?? 3;
    const concurrency = options.concurrency ?? 1;
    for (let i = 0; i < calls; i += concurrency)
      [value] = await Promise.all(Array.from({ length: Math.min(concurrency, calls - i) }, () => op()));
    await scenario.verify?.({ ...ctx, op });
    return { status: 'ok', records, value };
  } catch (error) {
    if (error instanceof SkipCase) return { status: 'skipped', reason: error.message };
    throw error;
  } finally {
    await scenario.teardown?.(ctx);
  }
}
