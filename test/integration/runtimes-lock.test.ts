/**
 * The provisioning lock across real processes: contenders that start at the same instant never
 * hold it together (two `runtimes add` of one version at once must download it once).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { tempDir } from '../fixtures/result-files.js';
import { buildFixtures } from '../support/fixtures.js';

let outdir: string;
beforeAll(async () => {
  outdir = await buildFixtures('runtimes-lock', ['test/fixtures/lock-contender.ts']);
});

function contend(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

it('contenders started at one instant never hold the lock together, and leave nothing behind', async () => {
  const dir = tempDir();
  const [lock, log, start] = [join(dir, 'locks', 'node-1.lock'), join(dir, 'log'), join(dir, 'start')];
  const script = join(outdir, 'lock-contender.js');
  // 4 processes, 8 attempts each: every start is a simultaneous first try, the moment the lock
  // file's creation races its first reader
  const runs = Array.from({ length: 4 }, () => contend(script, [lock, log, start, '8']));
  await new Promise((resolve) => setTimeout(resolve, 500));
  writeFileSync(start, '');
  expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(4 * 8 * 2);
  for (let i = 0; i < lines.length; i += 2) {
    expect(lines[i]).toMatch(/^in \d+$/);
    expect(lines[i + 1]).toBe(lines[i].replace('in', 'out'));
  }
  expect(existsSync(lock)).toBe(false);
  expect(readdirSync(join(dir, 'locks'))).toEqual([]);
}, 60_000);
