// Faults of the harness while npm works for it: killed by SIGKILL (no handler runs) in the middle of
// `compare --base`'s `npm ci`, or of provisioning a runtime (`runtimes add`). A fake npm on PATH
// stands for a long install, so the test needs neither the registry nor minutes of a real one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setpriv } from '../../src/runtimes/parent-guard.js';
import { standIn } from '../support/temp.js';
import { FAULT_TEST_MS, leftAfterSigkill, startMarked, tempDir, waitFor } from './support.js';

/** A git repository of one commit, for `--base HEAD` to name. */
function oneCommitRepo(dir: string): string {
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'package.json'), '{"name":"probe","private":true}\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=a@b.c', '-c', 'user.name=test', ...args], { cwd: repo });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'probe');
  return repo;
}

/** An `npm` that writes its pid to `pidFile`, then runs for ten minutes, as a slow install would. */
function slowNpm(dir: string, pidFile: string): string {
  return standIn(join(dir, 'bin'), 'npm', `echo $$ > '${pidFile}'`, 'exec sleep 600');
}

describe('compare --base: the harness killed with SIGKILL while npm ci builds the base', () => {
  // without setpriv (not Linux) nothing but the harness could stop a build it started
  it.skipIf(setpriv() === undefined)(
    'takes the build with it: no npm goes on writing into a tree whose lock has lapsed',
    async () => {
      const dir = tempDir('fault-build');
      const pidFile = join(dir, 'npm.pid');
      const env = {
        PATH: `${slowNpm(dir, pidFile)}:${process.env.PATH}`,
        ASYNCBENCH_REVISIONS_DIR: join(dir, 'cache'),
      };
      const args = ['compare', '--base', 'HEAD', '--head', 'HEAD', 'eager-tasks', '--runtime', 'node'];
      const run = startMarked(args, env, oneCommitRepo(dir));
      await waitFor('npm ci to start', () => existsSync(pidFile));
      expect(await leftAfterSigkill(run)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});

describe('runtimes add: the harness killed with SIGKILL while npm fetches the version', () => {
  it.skipIf(setpriv() === undefined)(
    'takes npm with it',
    async () => {
      const dir = tempDir('fault-provision');
      const pidFile = join(dir, 'npm.pid');
      const env = {
        PATH: `${slowNpm(dir, pidFile)}:${process.env.PATH}`,
        ASYNCBENCH_RUNTIMES_DIR: join(dir, 'runtimes'),
      };
      const run = startMarked(['runtimes', 'add', 'node@22'], env);
      await waitFor('npm to start', () => existsSync(pidFile));
      expect(await leftAfterSigkill(run)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});
