/**
 * The reaper's script on its own, with `echo` in place of its kill: which entries of its file it
 * would signal when its parent dies. A bad entry must never become `kill -KILL -1` (every process
 * the user may signal) or `-0` (the reaper's own group).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { reaperScript } from '../../src/runtimes/group-reaper.js';
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
