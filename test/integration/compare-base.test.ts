/**
 * `compare --base` for real, the way the acceptance check meets it: a git repository holding this
 * project (the working copy, as it is now) and a busy-wait scenario file committed twice, 50 µs
 * then 150 µs: a head three times slower, so no noise on a busy machine can flip the verdict. The
 * revisions are put in the cache the way a build leaves them (extracted tree, node_modules, dist/,
 * the ready marker), with node_modules linked to this project's instead of a fresh `npm ci`, so
 * the test takes a minute or two; a failing `npm ci` is tested for real.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { READY_MARKER } from '../../src/harness/revision.js';
import { validateResultFile } from '../../src/result/schema.js';
import { ROOT, readResult, runCli, tempDir } from '../support/cli.js';
import { silentServer } from '../support/silent-server.js';

const repo = join(tempDir('ab-repo'), 'project');
const cache = tempDir('ab-cache');
const env = { ASYNCBENCH_REVISIONS_DIR: cache, ASYNCBENCH_AB_DESIGN: '4,4,12' };

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=a@b.c', '-c', 'user.name=test', ...args], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();
}

function spin(us: number): void {
  mkdirSync(join(repo, 'bench'), { recursive: true });
  writeFileSync(
    join(repo, 'bench', 'spin.ts'),
    `import { defineScenario } from 'asyncbench';
export default defineScenario({
  id: 'ab-spin', title: 'A/B probe', pattern: 'calibration', kind: 'micro', params: {},
  cases: { spin: () => () => { const end = performance.now() + ${us} / 1000; while (performance.now() < end) { /* spin */ } } },
});
`,
  );
  git('add', 'bench/spin.ts');
  git('commit', '-qm', `spin ${us}`);
}

/** What a successful build leaves in the cache for `ref`, built from its own source. */
function cached(ref: string, child?: string): string {
  const sha = git('rev-parse', `${ref}^{commit}`);
  const tree = join(cache, sha);
  if (existsSync(join(tree, READY_MARKER))) return sha;
  mkdirSync(tree, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${repo}" archive --format=tar ${sha} | tar -x -C "${tree}"`]);
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: tree });
  if (child) writeFileSync(join(tree, 'dist', 'child.js'), child);
  writeFileSync(join(tree, READY_MARKER), '');
  return sha;
}

beforeAll(() => {
  mkdirSync(repo, { recursive: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(repo, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  git('init', '-q');
  writeFileSync(join(repo, '.git', 'info', 'exclude'), 'node_modules\n');
  git('add', '-A');
  git('commit', '-qm', 'the project');
  spin(50);
  git('tag', 'ab-base');
  spin(150);
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: repo });
}, 180_000);

describe('compare --base', () => {
  it('refuses a ref that names no commit: one line, exit 2', async () => {
    const run = await runCli(['compare', '--base', 'no-such-ref', 'bench/spin.ts'], { root: repo, env });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^asyncbench: unknown revision 'no-such-ref': not a commit in /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('calls a 3x slower busy-wait slower (exit 1), with interleaved pairs on one seed and batch', async () => {
    cached('ab-base');
    // a file in the working tree only is head's alone: listed as added, not failed
    mkdirSync(join(repo, 'bench', 'new'), { recursive: true });
    writeFileSync(
      join(repo, 'bench', 'new', 'only-head.ts'),
      readFileSync(join(repo, 'bench', 'spin.ts'), 'utf8').replace("'ab-spin'", "'ab-new'"),
    );
    const out = join(tempDir('ab-out'), 'session');
    const summary = join(tempDir('ab-summary'), 'summary.md');
    const run = await runCli(
      // the default budget (8m) would outlast this test's 400 s timeout
      [
        'compare',
        '--base',
        'ab-base',
        'bench/spin.ts',
        'bench/new/only-head.ts',
        '--runtime',
        'node',
        '--budget',
        '4m',
        '--out',
        out,
      ],
      { root: repo, env: { ...env, GITHUB_STEP_SUMMARY: summary } },
    );
    expect(run.stderr).toMatch(/look 1\/3 after 4 pairs/);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^slower\s+ab-spin\/spin \[node\]/m);
    expect(run.stdout).toMatch(/added:\s+ab-new\/spin \[node\]/);
    expect(run.stdout).toMatch(
      /sequential: up to 3 looks, alpha 5% split evenly over looks \(Bonferroni\), Holm over entries/,
    );
    expect(readFileSync(summary, 'utf8')).toMatch(/🔴 slower/);
    for (const f of ['compare.txt', 'compare.md', 'compare.json']) expect(existsSync(join(out, f))).toBe(true);

    const base = validateResultFile(readResult(join(out, 'base.json')));
    const head = validateResultFile(readResult(join(out, 'head.json')));
    expect(base.git?.commit).toBe(git('rev-parse', 'ab-base'));
    expect(head.git?.commit).toBe(git('rev-parse', 'HEAD'));
    expect(base.config.ab).toMatchObject({ role: 'base', ref: 'ab-base', looks: 3, n0: 4 });
    expect(head.config.ab).toMatchObject({ role: 'head', ref: 'working tree', session: base.config.ab?.session });
    const [b, h] = [base, head].map((f) => f.results.find((e) => e.scenario === 'ab-spin'));
    if (!b || !h) throw new Error('no ab-spin entry');
    expect(b.machine).toBe(base.machine.id);
    expect(b.forks.length).toBe(h.forks.length);
    expect(b.forks.length).toBeGreaterThanOrEqual(4);
    for (const fb of b.forks) {
      const fh = h.forks.find((f) => f.pair === fb.pair);
      expect(fh, `pair ${fb.pair}`).toBeDefined();
      expect(fh?.seed).toBe(fb.seed);
      expect(fh?.measurement?.batch).toBe(fb.measurement?.batch);
      expect([fb.pairFirst, fh?.pairFirst].filter(Boolean)).toHaveLength(1);
      // a micro pair is a duet by default: one process measured both sides
      expect([fb.duet, fh?.duet]).toEqual([true, true]);
      expect(fh?.wallMs).toBe(fb.wallMs);
    }
    expect(base.config.ab?.pairs).toBe('duet');
    // the regression was found at a look, and the files say so
    expect(head.config.ab?.decided).toContainEqual(expect.objectContaining({ key: h.key, verdict: 'slower' }));
    expect(new Set(b.forks.map((f) => f.seed)).size).toBe(b.forks.length);
    expect(head.results.some((e) => e.scenario === 'ab-new')).toBe(true);
    expect(base.results.some((e) => e.scenario === 'ab-new')).toBe(false);

    // the files alone give the same verdicts later: the design travels in them
    const again = await runCli(['compare', join(out, 'base.json'), join(out, 'head.json')], { env });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/up to 3 looks/);
  }, 400_000);

  it('finds no change when a commit is compared with itself (exit 0, or 3 if undecided), in process pairs too', async () => {
    cached('HEAD');
    const out = join(tempDir('ab-aa'), 'session');
    const run = await runCli(
      [
        'compare',
        '--base',
        'HEAD',
        'bench/spin.ts',
        '--runtime',
        'node',
        '--budget',
        '4m',
        '--pairs',
        'process',
        '--out',
        out,
      ],
      { root: repo, env: { ...env, ASYNCBENCH_AB_DESIGN: '4,4,24' } },
    );
    // Real timings of one commit against itself: the pipeline must never see a change, but how
    // sure it gets depends on the machine. 'unchanged' or 'not slower' (an interval from few pairs
    // on a busy machine can still reach past the threshold on the faster side, seen once as
    // [-7.4%, +4.9%]) exit 0; 'cannot judge' (the interval reaches past it on the slower side at
    // the last look, or the budget ran out) exits 3. 'slower' or 'faster' would be a false change.
    expect([0, 3], run.stdout + run.stderr).toContain(run.code);
    const verdict = /^(.*?)\s+ab-spin\/spin \[node\]/m.exec(run.stdout)?.[1];
    expect(verdict, run.stdout).toMatch(/^(unchanged|not slower|cannot judge \(.*\))$/);
    expect(verdict).not.toMatch(/^(slower|faster)$/);
    expect(run.code === 3, run.stdout + run.stderr).toBe(verdict?.startsWith('cannot judge'));
    const base = validateResultFile(readResult(join(out, 'base.json')));
    expect(base.config.ab?.pairs).toBe('process');
    const forks = base.results.flatMap((e) => e.forks);
    expect(forks.length).toBeGreaterThanOrEqual(4);
    expect(forks.filter((f) => f.duet)).toEqual([]);
  }, 400_000);

  it("fails the gate (exit 1) when head breaks a micro case that a duet measured: the failure is head's, base stays ok", async () => {
    cached('HEAD');
    const spinFile = join(repo, 'bench', 'spin.ts');
    const committed = readFileSync(spinFile, 'utf8');
    // head is the working tree: its case now throws
    writeFileSync(
      spinFile,
      committed.replace(
        'cases: { spin: () => () => {',
        "cases: { spin: () => () => { throw new Error('head broke spin');",
      ),
    );
    try {
      const out = join(tempDir('ab-broken'), 'session');
      const run = await runCli(
        ['compare', '--base', 'HEAD', 'bench/spin.ts', '--runtime', 'node', '--budget', '4m', '--out', out],
        { root: repo, env },
      );
      expect(run.code, run.stdout + run.stderr).toBe(1);
      const base = validateResultFile(readResult(join(out, 'base.json')));
      const head = validateResultFile(readResult(join(out, 'head.json')));
      expect(base.results.map((e) => e.status)).toEqual(['ok']);
      expect(head.results.map((e) => [e.status, e.reason])).toEqual([
        ['failed', expect.stringContaining('head broke spin')],
      ]);
    } finally {
      writeFileSync(spinFile, committed);
    }
  }, 400_000);

  it('refuses a scenario neither revision has, and a base too old for the child protocol', async () => {
    for (const arg of ['no-such-scenario', 'bench/nowhere.ts']) {
      const run = await runCli(['compare', '--base', 'HEAD', arg, '--runtime', 'node'], { root: repo, env });
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n').at(-1)).toMatch(/neither revision|in both revisions/);
    }
    git('commit', '-q', '--allow-empty', '-m', 'an old child');
    git('tag', 'old-child');
    cached('old-child', 'process.exit(1);\n');
    const run = await runCli(['compare', '--base', 'old-child', 'bench/spin.ts', '--runtime', 'node'], {
      root: repo,
      env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/base old-child is too old .* protocol none/);
  }, 120_000);

  it('refuses a DATABASE_URL that is no PostgreSQL URL before measuring either side, as run does', async () => {
    cached('ab-base');
    const run = await runCli(['compare', '--base', 'ab-base', 'db-pool', '--runtime', 'node'], {
      root: repo,
      env: { ...env, DATABASE_URL: 'mysql://app:hunter2@db.example/app' },
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /DATABASE_URL is not a PostgreSQL URL \(its scheme is mysql:\)/,
    );
    expect(run.stderr + run.stdout).not.toContain('hunter2');
  }, 120_000);

  it('ends at once on Ctrl-C while a DATABASE_URL that never answers is set up: exit 130, both sides written incomplete', async () => {
    cached('ab-base');
    const silent = await silentServer();
    try {
      const out = tempDir('ab-sigint-services');
      let pid = 0;
      const running = runCli(['compare', '--base', 'ab-base', 'db-pool', '--runtime', 'node', '--out', out], {
        root: repo,
        env: { ...env, DATABASE_URL: `postgres://bench:hunter2@127.0.0.1:${silent.port}/db` },
        onSpawn: (p) => (pid = p),
      });
      await silent.connected;
      process.kill(pid, 'SIGINT');
      const run = await running;
      expect(run.code, run.stderr).toBe(130);
      for (const side of ['base', 'head']) {
        const file = readResult(join(out, `${side}.json`));
        expect(file.run.complete).toBe(false);
        // a start that waited out its own 10 s setup timeout records that timeout here, not the interrupt
        expect(file.config.unavailable?.postgres).toMatch(/interrupted/);
      }
    } finally {
      silent.server.close();
    }
  }, 120_000);

  it('names the log of a base that fails to build (exit 2)', async () => {
    git('checkout', '-q', '-b', 'broken');
    writeFileSync(join(repo, 'package.json'), '{ not json');
    git('commit', '-qam', 'break package.json');
    git('checkout', '-q', '-');
    const run = await runCli(['compare', '--base', 'broken', 'bench/spin.ts', '--runtime', 'node'], {
      root: repo,
      env,
    });
    expect(run.code).toBe(2);
    const sha = git('rev-parse', 'broken');
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      `asyncbench: base broken (${sha.slice(0, 10)}) failed to build: npm ci exited with 1; see ${join(cache, `${sha}.log`)}`,
    );
    expect(existsSync(join(cache, sha, READY_MARKER))).toBe(false);
  }, 180_000);

  it("refuses a working tree not the running asyncbench's own, and a runtime typo, before building; warns that --head leaves out uncommitted changes", async () => {
    // this project's CLI, run in another checkout: it would measure its own code under that one's commit
    const other = await runCli(['compare', '--base', 'ab-base', 'bench/spin.ts', '--runtime', 'node'], {
      cwd: repo,
      env,
    });
    expect(other.code).toBe(2);
    expect(other.stderr.trim()).toMatch(/^asyncbench: the asyncbench running this \(.*\) is not .*'s own/);
    // a runtime that is neither a name nor a spec fails before either side is built or reused
    const typo = await runCli(['compare', '--base', 'ab-base', 'bench/spin.ts', '--runtime', 'nodee'], {
      root: repo,
      env,
    });
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim()).toMatch(/^asyncbench: unknown runtime 'nodee'; valid: node, /);
    git('commit', '-q', '--allow-empty', '-m', 'a head to name');
    cached('HEAD');
    const spinFile = join(repo, 'bench', 'spin.ts');
    writeFileSync(spinFile, `${readFileSync(spinFile, 'utf8')}// an edit not committed\n`);
    try {
      const run = await runCli(['compare', '--base', 'HEAD', '--head', 'HEAD', 'no-such-scenario'], {
        root: repo,
        env,
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        "--head HEAD measures that commit: the working tree's uncommitted changes are not in it",
      );
    } finally {
      git('checkout', '--', 'bench/spin.ts');
    }
  }, 120_000);
});
