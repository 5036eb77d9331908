/**
 * The scripts the CI workflow calls (docs/github-workflow.yml) and the other scripts that read
 * result files or take arguments: bad input is one line on stderr and exit 2, with nothing written;
 * and the workflow's commit-and-push step fails when the push does.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { buildOptions } from '../../src/build-options.js';
import type { ResultFile } from '../../src/result/schema.js';
import { type CellSpec, makeResult, standardCells } from '../fixtures/make-result.js';
import { writeResult } from '../fixtures/result-files.js';
import { ROOT, tempDir } from '../support/cli.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** exit 2 and exactly one line on stderr, `<prefix>: ...` matching `message`: no stack trace */
function expectRefused(r: Run, prefix: string, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith(`${prefix}: `), lines[0]).toBe(true);
  expect(lines[0]).toMatch(message);
}

const EAGER = standardCells(['node'], ['eager-tasks']);
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** a valid full run of COMMIT, changed by `edit` */
function result(edit: (r: ResultFile) => void = () => {}, cells: CellSpec[] = EAGER): ResultFile {
  const r = makeResult({ cells, noise: { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 3, samplesPerFork: 5 } });
  edit(r);
  return r;
}

const files = tempDir('scripts-ci');
const write = (name: string, content: ResultFile | string) => writeResult(files, name, content);

describe('scripts/refresh-baseline.js', () => {
  /**
   * A checkout of its own for each run: the script writes to results/ beside itself, so it runs
   * from a copy whose src/ and node_modules/ are this project's.
   */
  function checkout(): string {
    const dir = tempDir('refresh');
    mkdirSync(join(dir, 'scripts'));
    for (const script of ['refresh-baseline.js', 'project-modules.js'])
      copyFileSync(join(ROOT, 'scripts', script), join(dir, 'scripts', script));
    symlinkSync(join(ROOT, 'src'), join(dir, 'src'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  }
  const refresh = (dir: string, ...args: string[]) =>
    run(process.execPath, [join(dir, 'scripts', 'refresh-baseline.js'), ...args]);

  it('files a valid run in the history and makes it the baseline; --history-only keeps the baseline', () => {
    const file = write('valid.json', result());
    const dir = checkout();
    const r = refresh(dir, file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const history = join(dir, 'results', 'history', `${COMMIT}.json`);
    expect(readFileSync(history, 'utf8')).toBe(readFileSync(file, 'utf8'));
    expect(readFileSync(join(dir, 'results', 'baseline.json'), 'utf8')).toBe(readFileSync(file, 'utf8'));

    const only = checkout();
    expect(refresh(only, file, '--history-only').code).toBe(0);
    expect(existsSync(join(only, 'results', 'history', `${COMMIT}.json`))).toBe(true);
    expect(existsSync(join(only, 'results', 'baseline.json'))).toBe(false);
  });

  it('refuses a place it cannot write in one line, writing neither file and leaving no temporary file', () => {
    const file = write('valid-unwritable.json', result());
    const dir = checkout();
    mkdirSync(join(dir, 'results', 'baseline.json'), { recursive: true });
    expectRefused(refresh(dir, file), 'refresh-baseline', /cannot write .*baseline\.json: not a file/);
    expect(existsSync(join(dir, 'results', 'history'))).toBe(false);
    const blocked = checkout();
    mkdirSync(join(blocked, 'results'));
    writeFileSync(join(blocked, 'results', 'history'), '');
    expectRefused(refresh(blocked, file), 'refresh-baseline', /cannot write .*history.*: E/);
    for (const d of [dir, blocked])
      expect(readdirSync(join(d, 'results'), { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual(
        [],
      );
  });

  it('accepts a SHA-256 commit id', () => {
    const commit = 'ab'.repeat(32);
    const dir = checkout();
    const r = refresh(
      dir,
      write(
        'sha256.json',
        result((x) => Object.assign(x.git ?? {}, { commit })),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'results', 'history', `${commit}.json`))).toBe(true);
  });

  const REFUSED: [string, ResultFile | string, RegExp][] = [
    [
      'a file that fails validation (no results)',
      JSON.stringify({ ...result(), results: undefined }),
      /'results' is not an array/,
    ],
    ['a file holding null', 'null', /not a JSON object/],
    ['a truncated file', JSON.stringify(result()).slice(0, 300), /is not valid JSON \(truncated\?\)/],
    [
      'a commit that escapes results/',
      result((x) => Object.assign(x.git ?? {}, { commit: '../../escaped' })),
      /names commit "\.\.\/\.\.\/escaped": not a full commit id/,
    ],
    [
      'a short commit',
      result((x) => Object.assign(x.git ?? {}, { commit: COMMIT.slice(0, 7) })),
      /names commit "0123456": not a full commit id/,
    ],
    [
      'an upper-case commit',
      result((x) => Object.assign(x.git ?? {}, { commit: COMMIT.toUpperCase() })),
      /not a full commit id \(40 or 64 lowercase hex digits\)/,
    ],
    [
      'a shard',
      result((x) => {
        x.config.shard = { index: 1, count: 4 };
      }),
      /is shard 1\/4 of a run: merge the shards first/,
    ],
    [
      'one side of a compare --base session',
      result((x) => {
        // the script reads only that it is there, and its role
        const design = { looks: 1, n0: 4, step: 0, nMax: 4, alpha: 0.05, threshold: 0.05, orderSeed: 1, budgetS: 60 };
        x.config.ab = { session: 's', role: 'head', ref: 'HEAD', ...design, looksTaken: 1, stopped: 'decided' };
      }),
      /is the head side of a compare --base session/,
    ],
    [
      'a run with no ok entry',
      result(
        () => {},
        EAGER.map((c) => ({ ...c, status: 'failed' as const })),
      ),
      /has no ok entry/,
    ],
    [
      'a run outside git',
      result((x) => {
        x.git = null;
      }),
      /was not made in a git checkout/,
    ],
    [
      'a dirty tree',
      result((x) => Object.assign(x.git ?? {}, { dirty: true })),
      /uncommitted changes \(--allow-dirty to accept\)/,
    ],
    [
      'an interrupted run',
      result((x) => {
        x.run.complete = false;
      }),
      /is of an interrupted run/,
    ],
  ];
  it.each(REFUSED)('refuses %s with one line, exit 2, and writes nothing', (name, content, message) => {
    const file = write(`${name.replaceAll(/\W+/g, '-')}.json`, content);
    const dir = checkout();
    expectRefused(refresh(dir, file), 'refresh-baseline', message);
    expect(existsSync(join(dir, 'results'))).toBe(false);
    expect(existsSync(join(dir, 'escaped.json'))).toBe(false);
  });

  it('files a run with failed and timed-out entries, with a warning naming them', () => {
    const cells = EAGER.map((c, i) =>
      i === 0 ? { ...c, status: 'failed' as const } : i === 1 ? { ...c, status: 'timeout' as const } : c,
    );
    const file = write(
      'some-failed.json',
      result(() => {}, cells),
    );
    const dir = checkout();
    const r = refresh(dir, file);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^refresh-baseline: warning: .*some-failed\\.json: 2 of ${cells.length} entries failed or timed out \\(.*: failed; .*: timeout\\); filed anyway`,
      ),
    );
    expect(existsSync(join(dir, 'results', 'history', `${COMMIT}.json`))).toBe(true);
    expect(existsSync(join(dir, 'results', 'baseline.json'))).toBe(true);
  });

  it('parses its arguments strictly: an unknown flag, no file or two files are refused; --help prints the usage', () => {
    const file = write('valid-args.json', result());
    const dir = checkout();
    expectRefused(refresh(dir, file, '--histroy-only'), 'refresh-baseline', /Unknown option '--histroy-only'/);
    expectRefused(refresh(dir), 'refresh-baseline', /takes one RESULT file, got 0/);
    expectRefused(refresh(dir, file, file), 'refresh-baseline', /takes one RESULT file, got 2/);
    expectRefused(refresh(dir, join(files, 'nosuch.json')), 'refresh-baseline', /cannot read .*nosuch\.json: ENOENT/);
    expect(existsSync(join(dir, 'results'))).toBe(false);
    const help = refresh(dir, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /^Usage: node scripts\/refresh-baseline\.js RESULT \[--history-only\] \[--allow-dirty\]/,
    );
  });
});

describe('scripts/publish-site.js (runs the built CLI)', () => {
  beforeAll(() => {
    expect(run(process.execPath, ['scripts/build.js']).code).toBe(0);
  }, 120_000);
  const publish = (...args: string[]) => run(process.execPath, [join(ROOT, 'scripts', 'publish-site.js'), ...args]);

  /** a history of two valid runs, plus `extra` files */
  function history(extra: Record<string, string> = {}): string {
    const dir = tempDir('history');
    const runs = [
      ['1111111111111111111111111111111111111111', '2025-01-01T10:00:00.000Z', 'run-older'],
      ['2222222222222222222222222222222222222222', '2025-02-01T10:00:00.000Z', 'run-newer'],
    ];
    for (const [commit, startedAt, id] of runs)
      writeResult(
        dir,
        `${commit}.json`,
        result((x) => {
          Object.assign(x.git ?? {}, { commit });
          x.run.startedAt = startedAt;
          x.run.id = id;
        }),
      );
    for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it('builds the site from a valid history; --last 1 keeps the newest run', () => {
    const out = join(tempDir('site'), 'site');
    const r = publish('--history', history(), '--out', out, '--last', '1');
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('run-newer');
    expect(html).not.toContain('run-older');
    expect(existsSync(join(out, 'results.md'))).toBe(true);
  });

  it.each([
    [
      'a truncated file',
      '{"schema": "asyncbench/result@1", "run": {"id": "x',
      /3333\.json is not valid JSON \(truncated\?\)/,
    ],
    ['a file holding null', 'null', /3333\.json: not a JSON object/],
    ['an invalid file', JSON.stringify({ ...result(), results: 5 }), /3333\.json: 'results' is not an array/],
  ])('stops at %s in the history with one line naming it, exit 2, and no site', (_name, text, message) => {
    const out = join(tempDir('site'), 'site');
    expectRefused(publish('--history', history({ '3333.json': text }), '--out', out), 'publish-site', message);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['--last', '0'], /--last takes a whole number >= 1, got '0'/],
    [['--last', 'abc'], /--last takes a whole number >= 1, got 'abc'/],
    [['--last', '1.5'], /--last takes a whole number >= 1, got '1\.5'/],
    [['--last=-1'], /--last takes a whole number >= 1, got '-1'/],
    [['--last', '-1'], /--last is followed by '-1', which reads as an option/],
    [['--out'], /Option '--out <value>' argument missing/],
    [['--out', '--last', '3'], /--out is followed by '--last', which reads as an option/],
    [['--out='], /--out needs a directory/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['site'], /Unexpected argument 'site'/],
  ])('refuses %j with one line and exit 2', (args, message) => {
    const out = join(tempDir('site'), 'site');
    expectRefused(publish('--history', history(), ...args), 'publish-site', message);
    expect(existsSync(out)).toBe(false);
  });

  it('--help prints the usage', () => {
    const r = publish('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: node scripts\/publish-site\.js \[--out DIR\] \[--history DIR\] \[--last N\]/);
  });
});

describe('scripts/worker-scaling.js', () => {
  const scaling = (...args: string[]) => run(process.execPath, [join(ROOT, 'scripts', 'worker-scaling.js'), ...args]);

  it('prints the table of an earlier run (--from)', () => {
    const file = write(
      'workers.json',
      result(() => {}, standardCells(['node', 'bun'], ['workers'])),
    );
    const r = scaling('--from', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/worker scaling on 2 cores/);
    expect(r.stdout).toMatch(/node\s+adapter-pool\s+2\s+\d+\s+[\d.]+x\s+\d+%/);
    // a cell that did not run says so in its row, and its reason in full below the table
    expect(r.stdout).toMatch(/^bun\s+tinypool\s+1\s+skipped$/m);
    expect(r.stdout).toMatch(/^bun tinypool workers=1: skipped: tinypool needs node:worker_threads resourceLimits$/m);
  });

  it.each([
    [['--from', join(files, 'nosuch.json')], /cannot read .*nosuch\.json: ENOENT/],
    [
      ['--from', write('w-nores.json', JSON.stringify({ ...result(), results: undefined }))],
      /'results' is not an array/,
    ],
    [['--from', write('w-null.json', 'null')], /not a JSON object/],
    [['--from', write('w-eager.json', result())], /w-eager\.json has no entry of the workers scenario/],
    [
      [
        '--from',
        write(
          'w-abc.json',
          result((r) => Object.assign(r.results[0], { scenario: 'workers', params: { workers: 'abc' } })),
        ),
      ],
      /a workers entry has workers="abc": not a worker count/,
    ],
    [['--from'], /Option '--from <value>' argument missing/],
    [['--from', 'x.json', '--forks', '2'], /Unknown option '--forks'/],
  ])('refuses %j with one line and exit 2', (args, message) => {
    expectRefused(scaling(...args), 'worker-scaling', message);
  });

  it("passes an unknown flag to asyncbench run, whose one line and exit 2 are the script's", () => {
    expectRefused(scaling('--bogus-flag'), 'asyncbench', /Unknown option '--bogus-flag'/);
  });

  it('--help prints the usage', () => {
    const r = scaling('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: node scripts\/worker-scaling\.js/);
  });
});

describe('scripts/cpu-ratios.ts (bundled as its header says)', () => {
  const dir = tempDir('cpu-ratios');
  const bundle = join(dir, 'cpu-ratios.mjs');
  beforeAll(async () => {
    // as in .tmp/ of the checkout: npm packages from its node_modules (deno: by its deno.json)
    for (const name of ['node_modules', 'package.json', 'deno.json']) symlinkSync(join(ROOT, name), join(dir, name));
    await build({
      ...buildOptions(join(ROOT, 'src', 'api.ts')),
      entryPoints: [join(ROOT, 'scripts', 'cpu-ratios.ts')],
      outfile: bundle,
    });
  });

  it.each([
    [['nosuch'], /unknown mode 'nosuch'; valid: all, taskgroup, pipeline, handles/],
    [['handles', '0'], /rounds takes a whole number >= 1, got '0'/],
    [['handles', 'abc'], /rounds takes a whole number >= 1, got 'abc'/],
    [['all', '3', 'x'], /takes a mode and a number of rounds, got 'all 3 x'/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with one line and exit 2, before measuring anything', (args, message) => {
    const r = run(process.execPath, [bundle, ...args]);
    expectRefused(r, 'cpu-ratios', message);
    expect(r.stdout).toBe('');
  });

  it.each([
    ['deno', ['run', '-A']],
    ['bun', []],
  ])('refuses an unknown mode on %s too', (runtime, flags) => {
    const r = run(join(ROOT, 'node_modules', '.bin', runtime), [...flags, bundle, 'nosuch'], {
      cwd: dir,
      env: { DENO_NO_UPDATE_CHECK: '1' },
    });
    expectRefused(r, 'cpu-ratios', /unknown mode 'nosuch'/);
  });

  it('--help prints the usage', () => {
    const r = run(process.execPath, [bundle, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: cpu-ratios \[all\|taskgroup\|pipeline\|handles\] \[rounds\]/);
  });
});

describe('docs/github-workflow.yml is a workflow GitHub can load', () => {
  type Step = { id?: string; name?: unknown; uses?: string; run?: string; if?: string };
  type Job = { needs?: string | string[]; steps: Step[] };
  const text = readFileSync(join(ROOT, 'docs', 'github-workflow.yml'), 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true });

  it('parses as YAML with no error or warning (a "name: a: b" is not a plain string)', () => {
    expect(doc.errors.map((e) => e.message)).toEqual([]);
    expect(doc.warnings.map((w) => w.message)).toEqual([]);
  });

  it('gives every step a string name if any, and uses or run; every steps.<id> and needs it names exists', () => {
    const jobs = (doc.toJS() as { jobs: Record<string, Job> }).jobs;
    for (const [name, job] of Object.entries(jobs)) {
      for (const needed of [job.needs ?? []].flat())
        expect(Object.keys(jobs), `${name} needs ${needed}`).toContain(needed);
      const ids: string[] = [];
      for (const step of job.steps) {
        if (step.name !== undefined) expect(typeof step.name, JSON.stringify(step.name)).toBe('string');
        expect(step.uses ?? step.run, `${name}: a step with neither uses nor run`).toBeDefined();
        const mentioned = `${step.if ?? ''} ${step.run ?? ''}`.matchAll(/steps\.([\w-]+)\./g);
        for (const [, id] of mentioned) expect(ids, `${name}: step '${step.name}' reads steps.${id}`).toContain(id);
        if (step.id) ids.push(step.id);
      }
    }
  });

  it("fails the gate on the verdict, not on a refused comment (a fork's pull request has a read-only token)", () => {
    const jobs = (doc.toJS() as { jobs: Record<string, { steps: (Step & { 'continue-on-error'?: boolean })[] }> }).jobs;
    const comment = jobs.gate.steps.find((s) => s.uses?.startsWith('actions/github-script'));
    expect(comment?.['continue-on-error'], String(comment?.name)).toBe(true);
  });

  it("cancels a run in progress for a pull request's newer push, never a history run on main", () => {
    const { concurrency } = doc.toJS() as { concurrency: { group: string; 'cancel-in-progress': unknown } };
    expect(concurrency.group).toContain('github.ref');
    expect(concurrency['cancel-in-progress']).toBe(`\${{ github.event_name == 'pull_request' }}`);
  });

  it('runs a job below one that runs after a failure (history after a failed shard) with a status function and its needs checked', () => {
    // GitHub: "If a run contains a series of jobs that need each other, a failure or skip applies to
    // all jobs in the dependency chain": a job whose `if` has no status function gets success(),
    // which is false when any job up its chain failed, though the job it needs ran and succeeded
    const jobs = (doc.toJS() as { jobs: Record<string, Job & { if?: string }> }).jobs;
    const needs = (name: string) => [jobs[name].needs ?? []].flat();
    const statusFunction = (name: string) => /\b(always|cancelled|failure|success)\(\)/.test(jobs[name].if ?? '');
    const afterFailure = (name: string): boolean => needs(name).some((n) => statusFunction(n) || afterFailure(n));
    const below = Object.keys(jobs).filter(afterFailure);
    expect(below).toContain('publish');
    for (const name of below) {
      expect(statusFunction(name), `${name}: if: ${jobs[name].if}`).toBe(true);
      for (const needed of needs(name))
        expect(jobs[name].if, `${name} runs only when ${needed} succeeded`).toContain(
          `needs.${needed}.result == 'success'`,
        );
    }
  });
});

/** the shell script of the workflow's step whose name starts with `name`, as GitHub runs it */
function stepScript(name: string): string {
  const lines = readFileSync(join(ROOT, 'docs', 'github-workflow.yml'), 'utf8').split('\n');
  const step = lines.findIndex((l) => l.includes(`- name: ${name}`));
  expect(step, name).toBeGreaterThan(0);
  const start = lines.findIndex((l, i) => i > step && /^\s+run: \|$/.test(l));
  const indent = /^\s*/.exec(lines[start + 1])?.[0] ?? '';
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && !line.startsWith(indent)) break;
    body.push(line.slice(indent.length));
  }
  return body.join('\n');
}

describe("docs/github-workflow.yml: the gate's revisions cache keeps the base's tree alone", () => {
  const base = 'b'.repeat(40);

  /** runs the step in a home of its own holding `trees` (name: marked ready?); returns what is left */
  function keep(trees: Record<string, boolean>): Run & { left: string[]; output: string } {
    const home = tempDir('workflow-home');
    const cache = join(home, '.cache', 'asyncbench', 'revisions');
    for (const [name, ready] of Object.entries(trees)) {
      mkdirSync(join(cache, name), { recursive: true });
      if (ready) writeFileSync(join(cache, name, '.asyncbench-ready'), '');
      writeFileSync(join(cache, `${name}.log`), '');
    }
    const output = join(home, 'github-output');
    writeFileSync(output, '');
    writeFileSync(join(home, 'step.sh'), stepScript("keep the base's tree alone"));
    const env = revisionsEnv(home);
    const r = run('/bin/bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(home, 'step.sh')], {
      cwd: home,
      env: { HOME: home, BASE: base, GITHUB_OUTPUT: output, ...env },
    });
    return { ...r, left: readdirSync(cache).sort(), output: readFileSync(output, 'utf8') };
  }

  /** runs the step that names the directory, on a runner that sets XDG_CACHE_HOME; returns what it set */
  function revisionsEnv(home: string): Record<string, string> {
    const githubEnv = join(home, 'github-env');
    writeFileSync(githubEnv, '');
    writeFileSync(join(home, 'dir-step.sh'), stepScript('where compare --base keeps built revisions'));
    const r = run('/bin/bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(home, 'dir-step.sh')], {
      cwd: home,
      env: { HOME: home, GITHUB_ENV: githubEnv, XDG_CACHE_HOME: join(home, 'xdg') },
    });
    expect(r.code, r.stderr).toBe(0);
    return Object.fromEntries(
      readFileSync(githubEnv, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string]),
    );
  }

  it('names one directory for asyncbench and both cache steps, whatever XDG_CACHE_HOME says', () => {
    const home = tempDir('workflow-home');
    expect(revisionsEnv(home)).toEqual({ ASYNCBENCH_REVISIONS_DIR: join(home, '.cache', 'asyncbench', 'revisions') });
    const gate = (
      parseDocument(readFileSync(join(ROOT, 'docs', 'github-workflow.yml'), 'utf8')).toJS() as {
        jobs: { gate: { steps: { uses?: string; with?: { path?: string } }[] } };
      }
    ).jobs.gate;
    const cachePaths = gate.steps
      .filter((step) => step.uses?.startsWith('actions/cache/'))
      .map((step) => step.with?.path);
    expect(cachePaths).toEqual([`\${{ env.ASYNCBENCH_REVISIONS_DIR }}`, `\${{ env.ASYNCBENCH_REVISIONS_DIR }}`]);
  });

  it("removes the head's tree, other commits and the logs, and says the base is worth saving", () => {
    const r = keep({ [base]: true, ['h'.repeat(40)]: true, ['c'.repeat(40)]: false });
    expect(r.code, r.stderr).toBe(0);
    expect(r.left).toEqual([base]);
    expect(r.output).toBe('ready=true\n');
  });

  it('saves nothing when the base failed to build (no marker)', () => {
    const r = keep({ [base]: false, ['h'.repeat(40)]: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.output).toBe('');
  });
});

describe("docs/github-workflow.yml: the publish job's commit-and-push step", () => {
  /**
   * Runs the step with `bash -eo pipefail` (GitHub's default shell) and stand-ins for node and git:
   * `staged` whether there is anything to commit, `failing` the git subcommand that fails.
   */
  function step(staged: boolean, failing?: 'push' | 'commit'): Run & { git: string[] } {
    const dir = tempDir('workflow');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const log = join(dir, 'git.log');
    writeFileSync(join(bin, 'node'), '#!/bin/sh\nexit 0\n');
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh
echo "$1" >> "${log}"
case "$1" in
  diff) [ "${staged ? 1 : 0}" = 0 ] && exit 0 || exit 1 ;;
  commit) [ "${staged ? 1 : 0}" = 1 ] || { echo "nothing added to commit"; exit 1; } ;;
esac
[ "$1" = "${failing ?? ''}" ] && { echo "git $1 failed" >&2; exit 1; }
exit 0
`,
    );
    for (const tool of ['node', 'git']) chmodSync(join(bin, tool), 0o755);
    writeFileSync(join(dir, 'step.sh'), stepScript('file the run in the history and make it the baseline'));
    const r = run('/bin/bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(dir, 'step.sh')], {
      cwd: dir,
      env: { PATH: `${bin}:${process.env.PATH}`, GITHUB_SHA: 'abcdef0123456789abcdef0123456789abcdef01' },
    });
    const git = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { ...r, git };
  }

  it('fails when the push fails', () => {
    const r = step(true, 'push');
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toMatch(/nothing to commit/);
  });

  it('fails when the commit fails', () => {
    expect(step(true, 'commit').code).not.toBe(0);
  });

  it('commits and pushes what is staged', () => {
    const r = step(true);
    expect(r.code, r.stderr).toBe(0);
    expect(r.git.slice(-2)).toEqual(['commit', 'push']);
  });

  it('with nothing staged, says so and succeeds without a commit or push', () => {
    const r = step(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing to commit/);
    expect(r.git).not.toContain('push');
  });
});
