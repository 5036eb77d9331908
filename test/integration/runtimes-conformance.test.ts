/**
 * The RuntimeAdapter conformance suite: the same checks (test/fixtures/runtimes/conformance-check.ts)
 * run inside every discovered runtime, built once with the project's esbuild options and started
 * exactly as the harness starts a measuring process (discoverRuntimes + runtimeCommand).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverRuntimes, type RuntimeExecutable } from '../../src/runtimes/discover.js';
import { buildFixtures, ROOT, scriptCommand } from '../support/fixtures.js';

let outdir: string;
/** conformance-check.ts leaves through runtime.exit(3): a crash (1) or a hang cannot pass for it */
const EXPECTED_EXIT = 3;

interface Report {
  runtime: string;
  checks: { name: string; ok: boolean; detail: string }[];
}

async function buildFixture(): Promise<void> {
  outdir = await buildFixtures('runtimes-conformance', [
    'test/fixtures/runtimes/conformance-check.ts',
    'test/fixtures/runtimes/conformance-worker.ts',
    'test/fixtures/runtimes/seed-probe.ts',
  ]);
}

type Outcome = { code: number | null; stdout: string; stderr: string };

function runCheck(rt: RuntimeExecutable): Promise<Outcome> {
  return run(scriptCommand(rt, join(outdir, 'conformance-check.js'), [rt.name, outdir, rt.executable]));
}

function run({ command, args, env }: ReturnType<typeof scriptCommand>): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: ROOT, timeout: 90_000, env: { ...env, ASYNCBENCH_CONFORMANCE: 'yes' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function parseReport(stdout: string): Report | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('ASYNCBENCH_CONFORMANCE '));
  return line ? (JSON.parse(line.slice('ASYNCBENCH_CONFORMANCE '.length)) as Report) : undefined;
}

/**
 * The host's node (e.g. 20) is listed but not run by default: undici 8 requires node >= 22.19, so
 * there importUndici() may only fail, and must say why.
 */
function isExpectedOnHostNode(rt: RuntimeExecutable, check: Report['checks'][number]): boolean {
  return !rt.default && check.name === 'undici' && check.detail.includes('requires node');
}

const runtimes = await discoverRuntimes(ROOT);

// one build for both suites below
beforeAll(buildFixture);
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('runtime adapters conform inside each runtime', () => {
  it('finds the pinned node, deno and bun', () => {
    expect(runtimes.filter((rt) => rt.default).map((rt) => rt.name)).toEqual(['node', 'deno', 'bun']);
  });

  it.each(runtimes.map((rt) => [rt.label, rt] as const))('%s', async (_label, rt) => {
    const { code, stdout, stderr } = await runCheck(rt);
    const report = parseReport(stdout);
    expect(report, `no report; stderr:\n${stderr}`).toBeDefined();
    const failed = report?.checks.filter((check) => !check.ok && !isExpectedOnHostNode(rt, check));
    expect(failed?.map((check) => `${check.name}: ${check.detail}`)).toEqual([]);
    expect(report?.runtime).toBe(rt.name);
    expect(report?.checks.length).toBeGreaterThanOrEqual(9);
    expect(code, stderr).toBe(EXPECTED_EXIT);
  });
});

/** the V8 seed runtimeCommand() gives an A/B fork; any fixed one will do */
const SEED = 4242;

/**
 * A scenario's own child runtime (runner's jobs, graceful-shutdown's server) is started with
 * spawnScript and must run under the V8 seed of the fork that started it. JavaScriptCore has no
 * seed, so bun is not asked.
 */
describe('spawnScript hands the V8 seed on', () => {
  const v8Runtimes = runtimes.filter((rt) => rt.default && rt.engine.name === 'v8');
  it.each(v8Runtimes.map((rt) => [rt.label, rt] as const))('%s', async (_label, rt) => {
    const { code, stdout, stderr } = await run(scriptCommand(rt, join(outdir, 'seed-probe.js'), [], SEED));
    const line = stdout.split('\n').find((l) => l.startsWith('ASYNCBENCH_SEED_PROBE '));
    expect(line, `no report; exit ${code}; stderr:\n${stderr}`).toBeDefined();
    const { parent, child } = JSON.parse(line?.slice('ASYNCBENCH_SEED_PROBE '.length) ?? '{}');
    expect(child.random, 'Math.random() of parent and child under one seed').toEqual(parent.random);
    expect(parent.flags.join(' ')).toContain(`--random-seed=${SEED}`);
    expect(child.flags).toEqual(parent.flags);
  });
});
