/**
 * compare --base, the parts that need no measuring process: the A/B schedule, the design's looks,
 * shards cut by cell, suites, refs, the revision cache, durations, and the session design that two
 * result files carry into a later `compare`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import compare from '../../src/cli/compare.js';
import { parseDuration } from '../../src/cli/compare-base.js';
import run from '../../src/cli/run.js';
import {
  AB_DESIGN,
  type AbCell,
  pairCells,
  plannedLooks,
  runAbSession,
  runsAsDuet,
  scheduleAbPairs,
} from '../../src/harness/ab.js';
import type { ScenarioInfo } from '../../src/harness/catalog.js';
import { type ChildJob, JOB_ENV } from '../../src/harness/job.js';
import type { Budgets } from '../../src/harness/orchestrator.js';
import { type Cell, planCells } from '../../src/harness/plan.js';
import { prune, READY_MARKER, repositoryOf, resolveCommit, revisionsDir } from '../../src/harness/revision.js';
import { loadSuite, parseSuite, planSuite } from '../../src/harness/suite.js';
import { compareResults } from '../../src/report/compare.js';
import { mergeShards } from '../../src/report/merge.js';
import { UsageError } from '../../src/result/errors.js';
import type { ResultJournal } from '../../src/result/io.js';
import type { AbConfig, ResultFile } from '../../src/result/schema.js';
import { seededRandom } from '../../src/result/stats.js';
import { currentRuntime } from '../../src/runtimes/current.js';
import { hostTag, ownSuffix } from '../../src/runtimes/debris.js';
import type { RuntimeExecutable } from '../../src/runtimes/discover.js';
import type { ChildHandle, RuntimeAdapter, SpawnOptions } from '../../src/runtimes/types.js';
import { makeResult, standardCells } from '../fixtures/make-result.js';
import { tempDir } from '../support/cli.js';

const runtime = (name: 'node' | 'deno' | 'bun'): RuntimeExecutable => ({
  label: name,
  name,
  executable: `/bin/${name}`,
  version: '1',
  engine: { name: name === 'bun' ? 'jsc' : 'v8', version: '1' },
  flags: [],
  notes: [],
  env: {},
  default: true,
});
const RUNTIMES = [runtime('node'), runtime('deno'), runtime('bun')];

const scenario = (id: string, module: string): ScenarioInfo => ({
  id,
  title: id,
  pattern: 'x',
  kind: 'micro',
  params: { tasks: [100, 1000], mode: ['a', 'b'] },
  defaults: {},
  quick: { tasks: [100] },
  cases: ['eager', 'lazy'],
  requires: [],
  metric: { name: 'time per op', unit: 'ns', better: 'lower' },
  module,
});

/**
 * The real runtime, but a measuring child is answered by `answer` (its outcome written where the job
 * says, at once): what the orchestrator makes of a child's outcome, without starting one
 */
async function fakeChildRuntime(answer: (job: ChildJob) => object): Promise<RuntimeAdapter> {
  const real = await currentRuntime();
  return Object.assign(Object.create(real), {
    spawn(command: string, args: string[], options: SpawnOptions): ChildHandle {
      const raw = options.env?.[JOB_ENV];
      if (raw === undefined) return real.spawn(command, args, options);
      const job = JSON.parse(raw) as ChildJob;
      writeFileSync(job.outcomePath, `${JSON.stringify(answer(job))}\n`);
      const exit = { code: 0, signal: null };
      return {
        pid: 0,
        exited: Promise.resolve(exit),
        kill() {},
        stdout: () => '',
        stderr: () => '',
        waitForLine: () => new Promise(() => {}),
      };
    },
  }) as RuntimeAdapter;
}

const DUET_BUDGETS: Budgets = {
  engine: 'mitata',
  quick: true,
  microBudgetMs: 1,
  microWarmupMs: 1,
  microMaxWarmupMs: 1,
  warmupMs: 1,
  durationMs: 1,
  repetitions: 1,
  timeoutMs: 60_000,
};

const plan = (module: string, s = 'demo'): Cell[] =>
  planCells([scenario(s, module)], RUNTIMES, { cases: [], params: {}, quick: false });

const ROOTS = { base: '/cache/base', head: '/work/head' };

describe('the A/B schedule', () => {
  const cells = pairCells(plan('file:///base/demo.js'), plan('file:///head/demo.js'));
  const jobs = scheduleAbPairs(cells, 0, 4, seededRandom(7), ROOTS);

  it('runs base and head of a cell back to back, as one pair, with one seed', () => {
    expect(jobs).toHaveLength(cells.length * 4 * 2);
    for (let i = 0; i < jobs.length; i += 2) {
      const [a, b] = [jobs[i], jobs[i + 1]];
      expect(a.cell.key).toBe(b.cell.key);
      expect(new Set([a.side, b.side])).toEqual(new Set(['base', 'head']));
      expect(a.pair).toBe(b.pair);
      expect(a.seed).toBe(b.seed);
      expect([a.first, b.first]).toEqual([true, false]);
      // each side runs its own tree: its child and its build of the scenario
      for (const job of [a, b]) {
        expect(job.root).toBe(ROOTS[job.side]);
        expect(job.cell.scenario.module).toContain(`/${job.side}/`);
      }
    }
  });

  it('runs a micro pair as a duet only when both sides have one runtime, version and flags', () => {
    const [a, b, c] = [jobs[0], jobs[1], jobs[2]];
    expect(runsAsDuet(a, b)).toBe(true);
    expect(runsAsDuet(b, c)).toBe(false); // two pairs, or two cells
    const bumped = { ...b, cell: { ...b.cell, runtime: { ...b.cell.runtime, version: '99.0.0' } } };
    expect(runsAsDuet(a, bumped)).toBe(false);
    const flagged = { ...b, cell: { ...b.cell, runtime: { ...b.cell.runtime, flags: ['--jitless'] } } };
    expect(runsAsDuet(a, flagged)).toBe(false);
    const throughput = { ...b.cell.scenario, kind: 'throughput' as const };
    expect(runsAsDuet({ ...a, cell: { ...a.cell, scenario: throughput } }, b)).toBe(false);
    // a side skipped on its runtime: the duet would measure it anyway, or skip the other side too
    const skipped = { ...b, cell: { ...b.cell, skip: 'needs a newer runtime' } };
    expect(runsAsDuet(a, skipped)).toBe(false);
    expect(runsAsDuet(skipped, a)).toBe(false);
  });

  it("a duet that failed as a whole runs its sides apart, and so do the cell's later pairs: head fails beside an ok base", async () => {
    const ran: string[] = [];
    // a child that fails whenever head's module is loaded, in a duet or alone
    const runtime = await fakeChildRuntime((job) => {
      const modules = [job.module, ...(job.duet ? [job.duet.module] : [])];
      ran.push(job.duet ? 'duet' : job.module.includes('/head/') ? 'head' : 'base');
      return modules.some((m) => m.includes('/head/'))
        ? { status: 'failed', reason: 'TypeError in head', samples: [] }
        : { status: 'ok', samples: [100, 101, 99], measurement: { engine: 'mitata', batch: 1, warmupCalls: 1 } };
    });
    const dir = tempDir('duet-apart');
    const journal = { append() {} } as unknown as ResultJournal;
    const session = runAbSession(runtime, {
      cells: [cells[0] as AbCell],
      roots: ROOTS,
      budgets: DUET_BUDGETS,
      services: { services: {}, unavailable: {} },
      design: { n0: 3, step: 1, nMax: 3 },
      budgetMs: 3_600_000,
      startedAt: runtime.now(),
      orderSeed: 7,
      tmpDir: dir,
      journals: { base: journal, head: journal },
      pairs: 'duet',
      events: { jobStarted() {}, jobFinished() {} },
      look: () => [],
    });
    const { entries } = await session.done;
    // one duet, then each side alone in every pair, the first pair's included
    expect(ran[0]).toBe('duet');
    expect(ran.slice(1).sort()).toEqual(['base', 'base', 'base', 'head', 'head', 'head']);
    expect(entries.base.map((e) => [e.status, e.forks.length])).toEqual([['ok', 3]]);
    expect(entries.head.map((e) => [e.status, e.reason])).toEqual([
      ['failed', expect.stringContaining('TypeError in head')],
    ]);
  });

  it('rotates seeds across pairs and goes pair by pair', () => {
    expect([...new Set(jobs.map((j) => j.seed))]).toEqual([1, 2, 3, 4]);
    expect(jobs.map((j) => j.pair)).toEqual([...jobs.map((j) => j.pair)].sort((x, y) => (x ?? 0) - (y ?? 0)));
  });

  it('draws the A/B order at random per pair, reproducibly from its seed', () => {
    const firsts = jobs.filter((j) => j.first).map((j) => j.side);
    expect(firsts).toContain('base');
    expect(firsts).toContain('head');
    const again = scheduleAbPairs(cells, 0, 4, seededRandom(7), ROOTS);
    expect(again.map((j) => `${j.side} ${j.cell.key} ${j.pair}`)).toEqual(
      jobs.map((j) => `${j.side} ${j.cell.key} ${j.pair}`),
    );
    const other = scheduleAbPairs(cells, 0, 4, seededRandom(8), ROOTS);
    expect(other.map((j) => j.side)).not.toEqual(jobs.map((j) => j.side));
  });

  it('keeps a cell group and its runtimes together within a pair', () => {
    const pair0 = jobs.filter((j) => j.pair === 0).map((j) => j.cell.group);
    const groups = pair0.filter((g, i) => i === 0 || pair0[i - 1] !== g);
    expect(new Set(groups).size).toBe(groups.length);
  });

  it('schedules later pairs for the cells that ask for them only', () => {
    const undecided = cells.slice(0, 3);
    const more = scheduleAbPairs(undecided, 4, 8, seededRandom(1), ROOTS);
    expect(more).toHaveLength(3 * 4 * 2);
    expect(new Set(more.map((j) => j.pair))).toEqual(new Set([4, 5, 6, 7]));
    expect(new Set(more.map((j) => j.seed))).toEqual(new Set([5, 6, 7, 8]));
  });

  it('runs a cell on one side only without a pair', () => {
    const oneSided: AbCell[] = pairCells(plan('file:///base/old.js', 'old'), plan('file:///head/new.js', 'new'));
    const onlyJobs = scheduleAbPairs(oneSided, 0, 2, seededRandom(3), ROOTS);
    expect(onlyJobs.every((j) => j.pair === undefined && j.first)).toBe(true);
    expect(onlyJobs.filter((j) => j.side === 'base').every((j) => j.cell.scenario.id === 'old')).toBe(true);
  });

  it('plans one look after n0 pairs, then one per step up to nMax', () => {
    expect(plannedLooks(AB_DESIGN)).toBe(6);
    expect(plannedLooks({ n0: 4, step: 4, nMax: 4 })).toBe(1);
    expect(plannedLooks({ n0: 3, step: 4, nMax: 12 })).toBe(4);
  });
});

describe('shards', () => {
  it('keep every runtime of a cell on one shard and cover the matrix', () => {
    const all = plan('file:///demo.js');
    const shards = [1, 2, 3].map((index) =>
      planCells([scenario('demo', 'file:///demo.js')], RUNTIMES, {
        cases: [],
        params: {},
        quick: false,
        shard: { index, count: 3 },
      }),
    );
    expect(
      shards
        .flat()
        .map((c) => c.key)
        .sort(),
    ).toEqual(all.map((c) => c.key).sort());
    for (const shard of shards)
      for (const cell of shard)
        expect(shard.filter((c) => c.group === cell.group).map((c) => c.runtime.label)).toEqual([
          'node',
          'deno',
          'bun',
        ]);
    expect(shards.every((s) => s.length > 0)).toBe(true);
  });
});

describe('suites', () => {
  const scenarios = [scenario('demo', 'file:///demo.js'), scenario('other', 'file:///other.js')];

  it('parse selections with cases and params, a description and a duration', () => {
    const suite = parseSuite(
      {
        description: 'd',
        duration: 1,
        selections: [{ scenario: 'demo', cases: ['eager'], params: { tasks: 100 } }, { scenario: 'other' }],
      },
      'x',
    );
    expect(suite).toMatchObject({ name: 'x', description: 'd', duration: 1 });
    expect(suite.selections[0]).toEqual({ scenario: 'demo', cases: ['eager'], params: { tasks: [100] } });
    const { cells, missing } = planSuite(suite, scenarios, RUNTIMES.slice(0, 1), { quick: false });
    expect(missing).toEqual([]);
    expect(cells.map((c) => c.key)).toEqual([
      'demo/eager/mode=a,tasks=100/node',
      'demo/eager/mode=b,tasks=100/node',
      ...plan('file:///other.js', 'other')
        .filter((c) => c.runtime.label === 'node')
        .map((c) => c.key),
    ]);
  });

  it('keep, for a param a selection does not name, the values a run would: the defaults, or all with --full', () => {
    const narrow = { ...scenario('narrow', 'file:///narrow.js'), defaults: { mode: ['a'] } };
    const suite = parseSuite([{ scenario: 'narrow', cases: ['eager'], params: { tasks: [100] } }], 's');
    const keys = (full: boolean) =>
      planSuite(suite, [narrow], RUNTIMES.slice(0, 1), { quick: false, full }).cells.map((c) => c.key);
    expect(keys(false)).toEqual(['narrow/eager/mode=a,tasks=100/node']);
    expect(keys(true)).toEqual(['narrow/eager/mode=a,tasks=100/node', 'narrow/eager/mode=b,tasks=100/node']);
  });

  it('report scenarios they cannot find, and refuse bad documents and filters in one line', () => {
    const suite = parseSuite([{ scenario: 'gone' }, { scenario: 'demo', params: { tasks: [100] } }], 's');
    expect(planSuite(suite, scenarios, RUNTIMES, { quick: false }).missing).toEqual(['gone']);
    for (const bad of [{}, { selections: [] }, { selections: [{ cases: ['x'] }] }, [{ scenario: 'a', cases: 'x' }]])
      expect(() => parseSuite(bad, 'bad')).toThrow(UsageError);
    expect(() => parseSuite([{ scenario: 'a', params: { n: [] } }], 'bad')).toThrow(/param "n"/);
    // ignored, a misspelt key ran every case (or the default duration), an unknown runtime nowhere
    expect(() => parseSuite([{ scenario: 'a', case: ['x'] }], 's')).toThrow(
      /^suite s: selections\[0\]: unknown key "case"; valid: cases, /,
    );
    expect(() => parseSuite({ selections: [{ scenario: 'a' }], durations: 1 }, 's')).toThrow(
      /^suite s: unknown key "durations"; valid: duration, /,
    );
    expect(() => parseSuite([{ scenario: 'a', runtimes: ['nope'] }], 's')).toThrow(
      /^suite s: selections\[0\]: unknown runtime 'nope'/,
    );
    expect(parseSuite([{ scenario: 'a', runtimes: ['node', 'node@22.1.0'] }], 's').selections).toHaveLength(1);
    // the key or the name, any string, is quoted on the one line: a newline in it made two
    for (const bad of [[{ scenario: 'a', 'ca\nse': [] }], [{ scenario: 'a', runtimes: ['no\r\npe'] }]])
      expect(() => parseSuite(bad, 's')).toThrow(/^[^\r\n]*(ca\\nse|no\\r\\npe)[^\r\n]*$/);
    // a version spec takes the run's runtimes of that version (labelled with exact versions): it ran nowhere
    const node22 = { ...runtime('node'), label: 'node@22.1.0', version: '22.1.0', default: false };
    const node20 = { ...node22, label: 'node@20.2.0', version: '20.2.0' };
    const bySpec = parseSuite(
      [{ scenario: 'demo', cases: ['eager'], params: { tasks: [100] }, runtimes: ['node@22'] }],
      's',
    );
    expect(planSuite(bySpec, scenarios, [node20, node22], { quick: true }).cells.map((c) => c.runtime.label)).toEqual([
      'node@22.1.0',
      'node@22.1.0',
    ]);
    const wrongCase = parseSuite([{ scenario: 'demo', cases: ['nope'] }], 'w');
    expect(() => planSuite(wrongCase, scenarios, RUNTIMES, { quick: false })).toThrow(/suite w, demo: unknown case/);
  });

  it('load by name from suites/ or by path, and name the valid ones for an unknown name', () => {
    const root = tempDir('suites');
    mkdirSync(join(root, 'suites'));
    writeFileSync(join(root, 'suites', 'ci.json'), JSON.stringify({ selections: [{ scenario: 'demo' }] }));
    expect(loadSuite('ci', root).selections).toHaveLength(1);
    expect(loadSuite(join(root, 'suites', 'ci.json'), '/nowhere').name).toContain('ci.json');
    expect(() => loadSuite('cj', root)).toThrow(/unknown suite 'cj'; valid: ci/);
    writeFileSync(join(root, 'suites', 'broken.json'), '{');
    expect(() => loadSuite('broken', root)).toThrow(/not valid JSON/);
    // JSON.parse quotes the text up to its newline: the message stays one line
    writeFileSync(join(root, 'suites', 'text.json'), 'not json\nat all\n');
    expect(() => loadSuite('text', root)).toThrow(/^suite text is not valid JSON: [^\n]*$/);
    mkdirSync(join(root, 'suites', 'dir.json'));
    expect(() => loadSuite('dir', root)).toThrow(/^cannot read suite dir: EISDIR$/);
  });

  it('select their own cells: run and compare --base refuse scenarios, --case or --param beside --suite', async () => {
    for (const argv of [
      ['eager-tasks', '--suite', 'ci'],
      ['--suite', 'ci', '--case', 'eager'],
      ['--base', 'HEAD', '--suite', 'ci', '--param', 'tasks=1'],
    ])
      await expect((argv[0] === '--base' ? compare : run).run(argv)).rejects.toThrow(/^--suite selects its own cells/);
    await expect(run.run(['--suite', 'no-such-suite'])).rejects.toThrow(/^unknown suite 'no-such-suite'/);
  });

  it('run and compare --base refuse a --duration not below --timeout (every throughput fork timed out)', async () => {
    // a scenario and a ref that are not there: without the check, nothing is measured or built either
    for (const argv of [
      ['no-such-scenario', '--duration', '3', '--timeout', '2'],
      ['--base', 'no-such-ref', '--duration', '3', '--timeout', '2'],
    ])
      await expect((argv[0] === '--base' ? compare : run).run(argv)).rejects.toThrow(
        /^the measuring time, 3 s \(--duration\), is not below --timeout 2 s/,
      );
  });

  it('--pairs takes duet or process only', async () => {
    await expect(compare.run(['--base', 'HEAD', '--pairs', 'both'])).rejects.toThrow(
      /^--pairs takes duet or process, got 'both'$/,
    );
  });

  it('--out and --head refuse an empty value, and --out a file, before any revision is built', async () => {
    // a ref that names no commit is refused next: each of these came after it, or never (an empty
    // --out wrote base.json, head.json and compare.* into the current directory; an empty --head
    // measured the working tree; --out FILE failed with a stack trace after both builds)
    const file = join(tempDir('out-file'), 'a-file');
    writeFileSync(file, 'not a directory\n');
    const refused = (...flags: string[]) => compare.run(['--base', 'no-such-ref', 'eager-tasks', ...flags]);
    await expect(refused('--out', '')).rejects.toThrow(/^--out needs a path, got ''$/);
    await expect(refused('--head', '')).rejects.toThrow(/^--head takes a git revision, got ''/);
    await expect(refused('--out', file)).rejects.toThrow(
      /^cannot create .*a-file: ENOTDIR \(.*a-file is not a directory\)$/,
    );
    await expect(refused('--out', join(file, 'sub'))).rejects.toThrow(/ENOTDIR \(.*a-file is not a directory\)$/);
  });

  it('split by cell group when sharded', () => {
    const suite = parseSuite([{ scenario: 'demo' }], 's');
    const one = planSuite(suite, scenarios, RUNTIMES, { quick: false, shard: { index: 1, count: 2 } }).cells;
    const two = planSuite(suite, scenarios, RUNTIMES, { quick: false, shard: { index: 2, count: 2 } }).cells;
    expect(one.length + two.length).toBe(plan('file:///demo.js').length);
    expect(new Set(one.map((c) => c.group)).size * 3).toBe(one.length);
  });
});

describe('revisions', () => {
  const repo = tempDir('repo');
  const sh = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  sh('init', '-q');
  sh('-c', 'user.email=a@b.c', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'one');
  sh('tag', 'v1');

  it('resolve a ref to its commit, and refuse one that names none in one line', async () => {
    const runtime = await currentRuntime();
    expect(await resolveCommit(runtime, repo, 'v1')).toBe(sh('rev-parse', 'HEAD'));
    await expect(resolveCommit(runtime, repo, 'no-such-branch')).rejects.toThrow(
      /^unknown revision 'no-such-branch': not a commit in /,
    );
    await expect(resolveCommit(runtime, repo, '--all')).rejects.toThrow(UsageError);
    expect(await repositoryOf(runtime, join(repo))).toBe(sh('rev-parse', '--show-toplevel'));
    await expect(repositoryOf(runtime, tempDir('nogit'))).rejects.toThrow(/needs a git repository/);
  });

  it('are cached where the environment says', () => {
    const env = (vars: Record<string, string>) => (name: string) => vars[name];
    expect(revisionsDir(env({ ASYNCBENCH_REVISIONS_DIR: '/x/r' }))).toBe('/x/r');
    expect(revisionsDir(env({ XDG_CACHE_HOME: '/c' }))).toBe('/c/asyncbench/revisions');
    expect(revisionsDir(env({}))).toMatch(/\.cache\/asyncbench\/revisions$/);
  });

  it('are pruned to the most recently used, failed builds first, the current one kept', () => {
    const cache = tempDir('cache');
    const sha = (i: number) => String(i).repeat(40);
    for (const i of [1, 2, 3, 4]) {
      mkdirSync(join(cache, sha(i)));
      if (i !== 4) writeFileSync(join(cache, sha(i), READY_MARKER), '');
    }
    utimesSync(join(cache, sha(1), READY_MARKER), new Date(1000), new Date(1000)); // used long ago
    // keep 2: the current one (3) and the most recently used other (2); 4 has no marker (a failed build)
    expect(prune(cache, 2, sha(3)).sort()).toEqual([sha(1), sha(4)]);
    expect(readdirSync(cache).sort()).toEqual([sha(2), sha(3)]);
  });

  it('take the archive an interrupted build left beside its tree with it (a harness killed during npm ci runs no finally)', () => {
    const cache = tempDir('cache');
    const sha = (i: number) => String(i).repeat(40);
    mkdirSync(join(cache, sha(1))); // extracted, never marked ready
    writeFileSync(join(cache, `${sha(1)}.tar`), '');
    writeFileSync(join(cache, `${sha(1)}.log`), '');
    expect(prune(cache, 1, sha(2))).toEqual([sha(1)]);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('leave a commit being built (its build lock held) alone, unmarked as it is', () => {
    const cache = tempDir('cache');
    const sha = (i: number) => String(i).repeat(40);
    for (const i of [1, 2]) mkdirSync(join(cache, sha(i))); // neither is marked ready yet
    writeFileSync(join(cache, `${sha(1)}.build-lock`), '{}');
    expect(prune(cache, 1, sha(3))).toEqual([sha(2)]);
    expect(readdirSync(cache).sort()).toEqual([sha(1), `${sha(1)}.build-lock`]);
  });

  it('never removes a tree a live session or another host claims (the base, at ASYNCBENCH_REVISIONS_KEEP=1); a dead claim lapses', () => {
    const cache = tempDir('cache');
    const sha = (i: number) => String(i).repeat(40);
    for (const i of [1, 2, 3]) {
      mkdirSync(join(cache, sha(i)));
      writeFileSync(join(cache, sha(i), READY_MARKER), '');
    }
    const gone = 2 ** 22 + 1; // above any pid (pid_max is at most 2^22)
    const mine = `${sha(1)}.use.${ownSuffix()}`;
    // another host's claim stands: its pid means nothing here
    const elsewhere = `${sha(4)}.use.${hostTag('another-host')}.${gone}.abc123`;
    mkdirSync(join(cache, sha(4)));
    writeFileSync(join(cache, sha(4), READY_MARKER), '');
    writeFileSync(join(cache, mine), '');
    writeFileSync(join(cache, `${sha(2)}.use.${hostTag()}.${gone}.abc123`), '');
    writeFileSync(join(cache, elsewhere), '');
    expect(prune(cache, 1, sha(3))).toEqual([sha(2)]);
    expect(readdirSync(cache).sort()).toEqual([sha(1), mine, sha(3), sha(4), elsewhere].sort());
  });
});

describe('prune, at the default ASYNCBENCH_REVISIONS_KEEP=3', () => {
  it('counts the claimed base among the trees it keeps: the new build, the base and one other, not two', () => {
    const cache = tempDir('cache');
    const sha = (i: number) => String(i).repeat(40);
    for (const i of [1, 2, 3, 4, 5]) {
      mkdirSync(join(cache, sha(i)));
      writeFileSync(join(cache, sha(i), READY_MARKER), '');
      // sha(1) used last, sha(4) first
      utimesSync(join(cache, sha(i), READY_MARKER), 1000 - i, 1000 - i);
    }
    const base = `${sha(2)}.use.${ownSuffix()}`;
    writeFileSync(join(cache, base), '');
    expect(prune(cache, 3, sha(5)).sort()).toEqual([sha(3), sha(4)]);
    expect(readdirSync(cache).sort()).toEqual([sha(1), sha(2), base, sha(5)].sort());
  });
});

describe('--budget', () => {
  it('takes durations', () => {
    expect(parseDuration('8m', '--budget', 0)).toBe(480_000);
    expect(parseDuration('90s', '--budget', 0)).toBe(90_000);
    expect(parseDuration('1m30s', '--budget', 0)).toBe(90_000);
    expect(parseDuration('120', '--budget', 0)).toBe(120_000);
    expect(parseDuration(undefined, '--budget', 5)).toBe(5);
    for (const bad of ['', 'soon', '5x', '-1m', '0s', '0', '0.0'])
      expect(() => parseDuration(bad, '--budget', 0)).toThrow(/--budget takes a duration/);
  });
});

describe('a session in the result files', () => {
  const design = (session: string, role: 'base' | 'head'): AbConfig => ({
    session,
    role,
    ref: role,
    looks: 6,
    n0: 4,
    step: 4,
    nMax: 24,
    alpha: 0.05,
    threshold: 0.1,
    orderSeed: 1,
    budgetS: 480,
    looksTaken: 2,
    stopped: 'no entry left undecided',
  });
  const files = (a: string, b: string): [ResultFile, ResultFile] => {
    const base = makeResult({ seed: 1, cells: standardCells(['node'], ['eager-tasks']), runId: 'a' });
    const head = makeResult({ seed: 2, cells: standardCells(['node'], ['eager-tasks']), runId: 'b' });
    base.config.ab = design(a, 'base');
    head.config.ab = design(b, 'head');
    return [base, head];
  };

  it('gives a later compare its looks, alpha and threshold, and says which design ran', () => {
    const c = compareResults(...files('s1', 's1'));
    expect(c.options).toMatchObject({ looks: 6, alpha: 0.05, threshold: 0.1 });
    expect(c.design).toMatch(/A\/B session s1.*4 pairs per cell.*up to 24; 2 of 6 looks taken/);
    expect(compareResults(...files('s1', 's1'), { threshold: 0.05 }).options.threshold).toBe(0.05);
  });

  it('is ignored across sessions', () => {
    const c = compareResults(...files('s1', 's2'));
    expect(c.options.looks).toBe(1);
    expect(c.design).toBeUndefined();
  });
});

describe('merge', () => {
  it('keeps the machine of every entry', () => {
    const shard = (index: number, id: string) => {
      const file = makeResult({
        seed: index,
        cells: standardCells(['node'], [index === 1 ? 'eager-tasks' : 'workers']),
        runId: 'r',
      });
      file.config.shard = { index, count: 2 };
      file.machine = { ...file.machine, id };
      return { path: `s${index}.json`, file };
    };
    const { result, notes } = mergeShards([shard(1, 'm1'), shard(2, 'm2')]);
    expect(new Set(result.results.map((e) => `${e.scenario} ${e.machine}`))).toEqual(
      new Set(['eager-tasks m1', 'workers m2']),
    );
    expect(notes.join()).toMatch(/each entry keeps its own/);
  });
});
