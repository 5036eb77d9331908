/**
 * The provisioning lock across real processes: contenders that start at the same instant never
 * hold it together (two `runtimes add` of one version at once must download it once).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildFixtures } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

let outdir: string;
beforeAll(async () => {
  outdir = await buildFixtures('runtimes-lock', ['test/fixtures/lock-contender.ts']);
});
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function contend(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

/**
 * `contenders` processes, `rounds` attempts each, all let go at one instant; then checks that the
 * log strictly alternates in/out of one pid and that nothing is left in the lock's directory.
 */
async function race(contenders: number, rounds: number, before: (lock: string) => void = () => {}): Promise<void> {
  const dir = tempDir();
  const [lock, log, start] = [join(dir, 'locks', 'node-1.lock'), join(dir, 'log'), join(dir, 'start')];
  mkdirSync(join(dir, 'locks'));
  before(lock);
  const script = join(outdir, 'lock-contender.js');
  const runs = Array.from({ length: contenders }, () => contend(script, [lock, log, start, String(rounds)]));
  await new Promise((resolve) => setTimeout(resolve, 500));
  writeFileSync(start, '');
  expect(await Promise.all(runs)).toEqual(runs.map(() => 0));
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(contenders * rounds * 2);
  for (let i = 0; i < lines.length; i += 2) {
    expect(lines[i]).toMatch(/^in \d+$/);
    expect(lines[i + 1]).toBe(lines[i].replace('in', 'out'));
  }
  expect(existsSync(lock)).toBe(false);
  expect(readdirSync(join(dir, 'locks'))).toEqual([]);
}

it('contenders started at one instant never hold the lock together, and leave nothing behind', async () => {
  // 4 processes, 8 attempts each: every start is a simultaneous first try, the moment the lock
  // file's creation races its first reader
  await race(4, 8);
}, 60_000);

it('a lock left by a dead holder is taken over by one contender only', async () => {
  // a pid that has just exited: its lock is stale, and every contender finds it so at once
  const dead = spawn(process.execPath, ['-e', '0']);
  const pid = dead.pid;
  await new Promise((resolve) => dead.on('close', resolve));
  const since = new Date().toISOString();
  // each contender that read the stale lock used to remove "it", which could be a new holder's
  for (let trial = 0; trial < 6; trial++)
    await race(4, 1, (lock) => writeFileSync(lock, JSON.stringify({ pid, host: hostname(), since })));
}, 120_000);

it('a lock file that is JSON but names no holder is taken over, not waited on for 30 minutes', async () => {
  for (const text of ['{}', 'null', '[]', '{"pid":1,"host":"h","since":"yesterday"}'])
    await race(2, 1, (lock) => writeFileSync(lock, text));
}, 60_000);
