/**
 * Async resources: acquire `nesting` resources one inside the other, do a trivial body, release them
 * in reverse order. One op is one such nest; the harness divides its time by `nesting` (itemsPerOp),
 * so the figure is the time per acquire/release. Acquiring and disposing are both asynchronous (opening and closing a connection).
 *
 * `await using` comes in two forms (PITFALLS 12). The build (esbuild, target es2022) lowers it into
 * helper calls: 'await using (lowered)' measures that form, on every runtime. The native form must be
 * code the build never sees, so 'await using (native)' compiles its source text at run time with the
 * Function constructor: the simplest way that runs unchanged on node, deno and bun (no file, no
 * data:/blob: import, no permission). Compiling it is also the feature test: where the runtime's
 * parser rejects `await using`, the cell is skipped.
 *
 * A release completes when the promise its close returns settles (the Resource awaits it). In the
 * measured op that is at once (releaseGate is undefined: the same await as a close returning
 * nothing); verify's runs hold every release open until it lets it go, one at a time, and check
 * that the nest waits for each: only one release is pending at a time (the next outer one starts
 * after the inner one completed), and the op does not settle before the last one completed. A
 * disposal that is started but not awaited (fire and forget) still logs the right order, and only
 * this catches it.
 */
import { defineScenario, nextTurn, openResource, type VerifyContext, withResource } from 'asyncbench';

/** The failure the body throws in verify's second run. */
export class BodyFailure extends Error {
  constructor() {
    super('the body failed');
    this.name = 'BodyFailure';
  }
}

/** What one nest did: which resources were acquired and disposed, in order, and how it ended. */
export class DisposalLog {
  acquired = 0;
  readonly disposed: number[] = [];
  result: number | undefined = undefined;
  error: unknown = undefined;
}

/**
 * What a release's close returns, so what the Resource awaits: nothing in the measured op; in
 * verify's stepped runs a thenable that holds the release open until verify lets it go.
 */
let releaseGate: PromiseLike<void> | undefined;

/** acquires resource `id` (patterns' openResource: the same resource under every case) */
export function acquire(id: number, log: DisposalLog): Promise<AsyncDisposable> {
  return openResource(
    () => {
      log.acquired++;
      return id;
    },
    (value) => {
      log.disposed.push(value);
      return releaseGate;
    },
  );
}

/** The trivial body: how many resources are held while it runs (all of them, `nesting`), which verify checks. */
export function body(log: DisposalLog, fail: boolean): number {
  if (fail) throw new BodyFailure();
  // acquired minus disposed: a nest that released a resource before running the body returns less
  return log.acquired - log.disposed.length;
}

/** A nest: holds the resource of `depth` while it nests the next level; the innermost runs body. */
export type Nest = (log: DisposalLog, depth: number, nesting: number, fail: boolean) => Promise<number>;

const loweredAwaitUsing: Nest = async (log, depth, nesting, fail) => {
  if (depth === nesting) return body(log, fail);
  await using _resource = await acquire(depth, log);
  return await loweredAwaitUsing(log, depth + 1, nesting, fail);
};

/** The same function as loweredAwaitUsing, as text, so no build step can lower it. */
const NATIVE_SOURCE = `
  return async function nativeAwaitUsing(log, depth, nesting, fail) {
    if (depth === nesting) return body(log, fail);
    await using _resource = await acquire(depth, log);
    return await nativeAwaitUsing(log, depth + 1, nesting, fail);
  };`;

/** compiles the native form; a SyntaxError means the runtime cannot parse `await using` */
function compileNative(): Nest | SyntaxError {
  try {
    return new Function('acquire', 'body', NATIVE_SOURCE)(acquire, body) as Nest;
  } catch (error) {
    if (error instanceof SyntaxError) return error;
    throw error;
  }
}

const tryFinally: Nest = async (log, depth, nesting, fail) => {
  if (depth === nesting) return body(log, fail);
  const resource = await acquire(depth, log);
  try {
    return await tryFinally(log, depth + 1, nesting, fail);
  } finally {
    await resource[Symbol.asyncDispose]();
  }
};

const callbackWithResource: Nest = async (log, depth, nesting, fail) => {
  if (depth === nesting) return body(log, fail);
  return await withResource(
    () => acquire(depth, log),
    () => callbackWithResource(log, depth + 1, nesting, fail),
  );
};

interface ResourcesState {
  nesting: number;
  /** set by verify for one run whose body throws */
  fail: boolean;
}

/** the op: one nest, its outcome logged instead of thrown */
export function nestOp(nest: Nest, state: ResourcesState): () => Promise<DisposalLog> {
  return async () => {
    const log = new DisposalLog();
    try {
      log.result = await nest(log, 0, state.nesting, state.fail);
    } catch (error) {
      log.error = error;
    }
    return log;
  };
}

function checkLog(log: DisposalLog, nesting: number, fail: boolean): void {
  const how = fail ? 'when the body throws' : 'on success';
  const expected = Array.from({ length: nesting }, (_, i) => nesting - 1 - i);
  if (log.disposed.join() !== expected.join())
    throw new Error(`${how}: disposed [${log.disposed}] instead of [${expected}] (reverse order of acquiring)`);
  if (fail && !(log.error instanceof BodyFailure))
    throw new Error(`${how}: the body's error was not surfaced (${String(log.error)})`);
  if (!fail && log.error !== undefined) throw new Error(`${how}: wrong outcome ${String(log.error)}`);
  if (!fail && log.result !== nesting)
    throw new Error(`${how}: the body ran with ${log.result} of the ${nesting} resources held, not all of them`);
}

/** A thenable that holds every await on it until its resolver, pushed to `held`, is called. */
function holdingGate(held: (() => void)[]): PromiseLike<void> {
  // biome-ignore lint/suspicious/noThenProperty: a thenable by design: each await on it calls then()
  return { then: (resolve: () => void) => void held.push(resolve) } as unknown as PromiseLike<void>;
}

/**
 * One run of the op with every release held open until this lets it go, one at a time: each time
 * the op has nothing left to do but wait, exactly one release must be pending and the op must not
 * have settled. The log it returns is checked as a plain run's.
 */
async function steppedRun(ctx: VerifyContext<ResourcesState>, fail: boolean): Promise<DisposalLog> {
  const { nesting } = ctx.state;
  const how = fail ? 'when the body throws' : 'on success';
  const held: (() => void)[] = [];
  releaseGate = holdingGate(held);
  ctx.state.fail = fail;
  try {
    let settled = false;
    const running = Promise.resolve(ctx.op()).finally(() => {
      settled = true;
    });
    for (let completed = 0; completed < nesting; completed++) {
      await nextTurn(); // the op has run as far as it can: only a held release can be in its way
      if (settled)
        throw new Error(
          `${how}: the op settled after ${completed} of its ${nesting} releases had completed: a disposal was not awaited (or did not run)`,
        );
      if (held.length !== 1)
        throw new Error(
          `${how}: ${held.length} releases were pending at once after ${completed} had completed: ` +
            (held.length === 0 ? 'the nest waits for no release' : 'a resource was released before the one inside it'),
        );
      (held.shift() as () => void)();
    }
    return (await running) as DisposalLog;
  } finally {
    releaseGate = undefined;
    ctx.state.fail = false;
  }
}

async function verify(ctx: VerifyContext<ResourcesState>): Promise<void> {
  checkLog(await steppedRun(ctx, false), ctx.state.nesting, false);
  checkLog(await steppedRun(ctx, true), ctx.state.nesting, true);
}

export default defineScenario<ResourcesState>({
  id: 'resources',
  title: 'Async resources: await using, try/finally, withResource',
  pattern: 'Async Context Managers',
  kind: 'micro',
  metric: { name: 'time per acquire/release', unit: 'ns', better: 'lower' },
  itemsPerOp: (params) => Number(params.nesting),
  params: { nesting: [1, 3] },
  defaults: { nesting: [3] },
  setup: ({ params }) => ({ nesting: Number(params.nesting), fail: false }),
  cases: {
    'await using (lowered)': ({ state, skip }) => {
      // Run from the build, this function holds esbuild's helpers; a toolchain that left the syntax
      // in place would make the label a lie.
      if (loweredAwaitUsing.toString().includes('await using')) skip('this build left `await using` unlowered');
      return nestOp(loweredAwaitUsing, state);
    },
    'await using (native)': ({ state, skip }) => {
      const native = compileNative();
      if (native instanceof SyntaxError) return skip(`the runtime cannot parse await using (${native.message})`);
      return nestOp(native, state);
    },
    'try/finally': ({ state }) => nestOp(tryFinally, state),
    withResource: ({ state }) => nestOp(callbackWithResource, state),
  },
  verify,
});
