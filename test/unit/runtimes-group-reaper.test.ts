/**
 * The reaper's script on its own, with `echo` in place of its kill: which entries of its file it
 * would signal when its parent dies. A bad entry must never become `kill -KILL -1` (every process
 * the user may signal) or `-0` (the reaper's own group).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { currentRuntime } from '../../src/runtimes/current.js';
import { reaperScript, spawnGuarded } from '../../src/runtimes/group-reaper.js';
import { tempDir } from '../support/temp.js';

it("signals only the listed groups, never '1', '01', '0' or another non-pid; removes its file", async () => {
  const file = join(tempDir('reaper'), 'groups');
  writeFileSync(file, '1 01 00 0 -5 abc 4x2 4242 31337');
  const reaper = spawn('sh', ['-c', reaperScript('echo'), 'sh', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  reaper.stdout.on('data', (chunk) => (out += chunk));
  // its trap is set before it starts its first sleep: wait for that child
  const hasChild = () => readFileSync(`/proc/${reaper.pid}/task/${reaper.pid}/children`, 'utf8').trim() !== '';
  for (let i = 0; i < 200 && !hasChild(); i++) await new Promise((r) => setTimeout(r, 25));
  const exited = new Promise((resolve) => reaper.on('exit', resolve));
  reaper.kill('SIGTERM');
  await exited;
  expect(out.trim().split('\n')).toEqual(['-4242', '-31337']);
  expect(existsSync(file)).toBe(false);
});

it('a child whose group could not be put on the reaper list (a full TMPDIR) is killed, not left running', async () => {
  const runtime = await currentRuntime();
  const marker = `asyncbench-reaper-test-${process.pid}`;
  const running = () => {
    try {
      return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim() !== '';
    } catch {
      return false; // pgrep exits 1 when nothing matches
    }
  };
  // the first guarded child starts the reaper; then its list cannot be renamed into place (a directory there)
  const first = spawnGuarded(runtime, ['true'], {});
  await first.child.exited;
  first.release();
  const ours = (n: string) => n.startsWith('asyncbench-reap.') && n.includes(`.${process.pid}.`);
  const [list] = readdirSync(tmpdir()).filter((n) => ours(n) && !n.startsWith('asyncbench-reap.next.'));
  expect(list).toBeDefined();
  const file = join(tmpdir(), list as string);
  rmSync(file);
  mkdirSync(join(file, 'blocked'), { recursive: true });
  try {
    // `; :` keeps the shell (and the marker in its command line) where sh is bash, which execs a lone command
    expect(() => spawnGuarded(runtime, ['sh', '-c', 'sleep 30; :', marker], {})).toThrow();
    for (let i = 0; i < 100 && running(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(running()).toBe(false);
  } finally {
    rmSync(file, { recursive: true, force: true });
    writeFileSync(file, '');
    for (const n of readdirSync(tmpdir()).filter((n) => ours(n) && n.startsWith('asyncbench-reap.next.')))
      rmSync(join(tmpdir(), n), { force: true });
  }
  // the killed child is not listed by a later write: its group id may be another's by then
  const second = spawnGuarded(runtime, ['sleep', '5'], {});
  expect(readFileSync(file, 'utf8').trim()).toBe(String(second.child.pid));
  second.child.kill('SIGKILL');
  await second.child.exited;
  second.release();
  expect(readFileSync(file, 'utf8').trim()).toBe('');
});
