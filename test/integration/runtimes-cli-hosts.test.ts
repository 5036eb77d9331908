/**
 * The CLI as orchestrator on the other hosts: `npx deno task asyncbench ...` (deno.json's task) and
 * `npx bun dist/cli.js ...` must discover the runtimes and run a cell like `npx asyncbench` on
 * node. Each host runs its cell on its own runtime: the spawn of the host's own executable is the
 * one Deno's node:child_process rewrites (see src/runtimes/deno-command.ts). Needs `npm run build`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { validateResultFile } from '../../src/result/schema.js';
import type { RuntimeExecutable } from '../../src/runtimes/discover.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'node_modules', '.bin');
const outDir = mkdtempSync(join(tmpdir(), 'asyncbench-cli-hosts-'));

/** How a user starts the CLI on each host (npx only adds node_modules/.bin to PATH). */
const HOSTS = [
  // --quiet: no "Task asyncbench ..." line on stderr
  { host: 'deno', command: join(bin, 'deno'), args: ['task', '--quiet', 'asyncbench'] },
  { host: 'bun', command: join(bin, 'bun'), args: ['dist/cli.js'] },
] as const;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runOn(host: (typeof HOSTS)[number], args: string[]): Promise<CliRun> {
  const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
  return new Promise((resolve) => {
    execFile(host.command, [...host.args, ...args], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) => {
      // execFile's error.code is the exit code when the process ran, a string when it could not start
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe.each(HOSTS)('the CLI hosted by $host', (host) => {
  it('lists the pinned runtimes with `runtimes --json`', async () => {
    const { code, stdout, stderr } = await runOn(host, ['runtimes', '--json']);
    expect(code, stderr).toBe(0);
    const found = JSON.parse(stdout) as RuntimeExecutable[];
    expect(found.filter((rt) => rt.default).map((rt) => rt.label)).toEqual(['node', 'deno', 'bun']);
    for (const rt of found) {
      expect(existsSync(rt.executable), rt.executable).toBe(true);
      expect(rt.version).toMatch(/^\d+\.\d+\.\d+/);
    }
    // the host's node, when listed, is a real node: never bun or deno answering to `node`
    for (const rt of found.filter((r) => r.source === 'host')) expect(rt.engine.name).toBe('v8');
  });

  it(`runs one cell on ${host.host} and writes a valid result file`, async () => {
    const json = join(outDir, `${host.host}.json`);
    const args = ['run', 'eager-tasks', '--quick', '--case', 'eager', '--param', 'hitRatio=0'];
    const { code, stderr } = await runOn(host, [...args, '--runtime', host.host, '--json', json]);
    expect(code, stderr).toBe(0);
    const result = validateResultFile(JSON.parse(readFileSync(json, 'utf8')));
    expect(result.run.complete).toBe(true);
    expect(result.results.map((entry) => [entry.runtime, entry.status])).toEqual([[host.host, 'ok']]);
  });

  it('exits 2 with one line for a result path under a file (--out FILE)', async () => {
    // node 24's statSync answers a path under a file with undefined; deno's, bun's and node 20's
    // throw ENOTDIR, which was an internal error with a stack trace (exit 1)
    const file = join(outDir, `${host.host}-a-file`);
    writeFileSync(file, 'not a directory\n');
    const { code, stderr } = await runOn(host, [
      'run',
      'eager-tasks',
      '--quick',
      '--runtime',
      host.host,
      '--out',
      file,
    ]);
    expect(code, stderr).toBe(2);
    expect(stderr.trim()).toBe(`asyncbench: cannot create ${file}: ENOTDIR (${file} is not a directory)`);
  });

  it('exits 2 with one line for an unknown scenario', async () => {
    const { code, stderr } = await runOn(host, ['run', 'no-such-scenario']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
