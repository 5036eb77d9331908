import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadResume } from '../../src/harness/resume.js';
import { UsageError } from '../../src/result/errors.js';
import { findJournals, ResultJournal, readJournal, resultPathOfJournal, writeResultFile } from '../../src/result/io.js';
import {
  JOURNAL_FORMAT,
  type JournalHeader,
  newRunId,
  planDifference,
  RUN_ID,
  type RunPlan,
} from '../../src/result/journal.js';
import { makeResult } from '../fixtures/make-result.js';
import { tempDir } from '../support/temp.js';

const plan: RunPlan = {
  scenarios: ['eager-tasks'],
  cases: [],
  params: {},
  runtimes: [
    { label: 'node', version: '24.1.0' },
    { label: 'bun', version: '1.4.5' },
  ],
  forks: 2,
  engine: 'mitata',
  quick: true,
  durationS: 1,
  timeoutS: 120,
  shard: null,
  serverRuntime: 'node',
  cells: ['s/a//node', 's/a//bun'],
};
const header = (runId: string): JournalHeader => ({
  journal: JOURNAL_FORMAT,
  runId,
  startedAt: `${runId.slice(0, 10)}T00:00:00Z`,
  plan,
});
const record = (x: number) => ({ status: 'ok' as const, samples: [x, x + 1], wallMs: 5, seed: 7 });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

/** Two runs to the same result file: the second may not take the first one's journal. */
function twoJournals() {
  const dir = tempDir('journal');
  const result = join(dir, 'r.json');
  const a = new ResultJournal(result, header('2026-01-01T00-00-00-000Z-aaaa'));
  a.append({ key: 's/a//node', fork: 0, record: record(1) });
  const b = new ResultJournal(result, header('2026-01-02T00-00-00-000Z-bbbb'));
  return { dir, result, a, b };
}

describe('the journal', () => {
  it('round-trips its header and fork records, unknown fields included', () => {
    const dir = tempDir('journal');
    const journal = new ResultJournal(join(dir, 'r.json'), header('2026-01-01T00-00-00-000Z-aaaa'));
    journal.append({ key: 's/a//node', fork: 0, record: record(1) });
    journal.appendAll([{ key: 's/a//bun', fork: 0, record: record(2) }]);
    const read = readJournal(journal.path);
    expect(read.header.plan).toEqual(plan);
    expect(read.lines.map((l) => l.record)).toEqual([record(1), record(2)]);
    expect(read.torn).toBe(0);
  });

  it('a journal that can no longer be written (a full disk) is one line naming it and --resume, and keeps its forks', () => {
    const dir = tempDir('journal-full');
    const journal = new ResultJournal(join(dir, 'r.json'), header('2026-01-01T00-00-00-000Z-aaaa'));
    journal.append({ key: 'k', fork: 0, record: record(1) });
    const kept = readFileSync(journal.path, 'utf8');
    // a path that cannot be appended to, as ENOSPC cannot be made here: the journal moved aside, a directory in its place
    const aside = `${journal.path}.kept`;
    renameSync(journal.path, aside);
    mkdirSync(journal.path);
    let error: unknown;
    try {
      journal.append({ key: 'k', fork: 1, record: record(2) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /^cannot write the journal .*: EISDIR; the forks it holds are kept \(run --resume/,
    );
    expect(readFileSync(aside, 'utf8')).toBe(kept);
  });

  it('a new run never truncates an existing journal: it gets its own', () => {
    const { result, a: first, b: second } = twoJournals();
    expect(second.path).not.toBe(first.path);
    expect(readJournal(first.path).lines).toHaveLength(1);
    expect(findJournals(result)).toEqual([first.path, second.path].sort());
    expect(resultPathOfJournal(second.path)).toBe(result);
    expect(resultPathOfJournal(first.path)).toBe(result);
  });

  it('a result path that is a directory, or under a file, is one line before anything is measured', () => {
    const dir = tempDir('journal');
    mkdirSync(join(dir, 'taken'));
    const directory = thrown(() => new ResultJournal(join(dir, 'taken'), header('2026-01-01T00-00-00-000Z-aaaa')));
    expect(directory).toBeInstanceOf(UsageError);
    expect(directory.message).toMatch(/taken is a directory: the result needs a file name/);
    writeFileSync(join(dir, 'plain'), '');
    const underFile = thrown(
      () => new ResultJournal(join(dir, 'plain', 'r.json'), header('2026-01-01T00-00-00-000Z-aaaa')),
    );
    expect(underFile).toBeInstanceOf(UsageError);
    expect(underFile.message).toMatch(/^cannot create .*plain: (ENOTDIR|EEXIST)/);
  });

  it('a result file that cannot be written is one line, and leaves no temporary file', () => {
    const dir = tempDir('journal');
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'inside'), 'kept');
    const error = thrown(() => writeResultFile(join(dir, 'taken'), makeResult({ seed: 1 })));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/^cannot write .*taken: (EISDIR|ENOTEMPTY|EEXIST)/);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('a result file named with a date of its own is not taken for a run id', () => {
    const dir = tempDir('journal');
    for (const name of ['nightly.2026-12-01T03', 'r.2026-12-01T03-00-00-000Z-ab']) {
      const result = join(dir, name);
      const first = new ResultJournal(result, header('2026-01-01T00-00-00-000Z-aaaa'));
      const second = new ResultJournal(result, header('2026-01-02T00-00-00-000Z-bbbb'));
      expect(resultPathOfJournal(first.path)).toBe(result);
      expect(resultPathOfJournal(second.path)).toBe(result);
      expect(findJournals(result)).toEqual([first.path, second.path].sort());
    }
    expect(newRunId(new Date(0))).toMatch(new RegExp(`^${RUN_ID.source}$`));
  });

  it('ignores a torn last line; a broken line elsewhere, a missing header or an empty file is one line', () => {
    const dir = tempDir('journal');
    const path = join(dir, 'r.json.partial.jsonl');
    const head = JSON.stringify(header('2026-01-01T00-00-00-000Z-aaaa'));
    const line = JSON.stringify({ key: 's/a//node', fork: 0, record: record(1) });
    writeFileSync(path, `${head}\n${line}\n{"key":"s/a//bun","fo`);
    expect(readJournal(path)).toMatchObject({ lines: [{ key: 's/a//node' }], torn: 1 });
    for (const [text, message] of [
      [`${head}\nnot json\n${line}\n`, /line 2 is not JSON/],
      [`${line}\n`, /line 1 is not a header/],
      ['', /empty/],
      [`${head}\n{"key":"k"}\n`, /line 2 is not a finished fork/],
      // a header whose plan lacks what a resume compares, and a fork with no status
      [`${JSON.stringify({ ...header('2026-01-01T00-00-00-000Z-aaaa'), plan: {} })}\n`, /line 1 is not a header/],
      [`${head}\n${JSON.stringify({ key: 'k', fork: 0, record: { samples: [1] } })}\n`, /line 2 is not a finished/],
    ] as const) {
      writeFileSync(path, text);
      const error = thrown(() => readJournal(path));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    }
  });

  it('loadResume refuses a journal whose writer still runs as asyncbench; a dead one, or a pid now of another program, is resumed', async () => {
    const dir = tempDir('journal-live');
    const result = join(dir, 'r.json');
    // `; :` keeps the shell, whose command line is the one looked at, where sh is bash (it execs a lone command)
    const start = (...argv: string[]) => spawn('sh', ['-c', 'sleep 30; :', ...argv], { stdio: 'ignore' });
    const writer = start('asyncbench', 'run'); // what `ps` shows of a run: its command line names asyncbench
    const other = start('not-the-benchmark');
    // until exec, a child's command line is its parent's
    const execd = (pid = 0) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sleep 30; :');
    for (let i = 0; i < 250 && !(execd(writer.pid) && execd(other.pid)); i++)
      await new Promise((r) => setTimeout(r, 20));
    const journalOf = (pid: number) =>
      new ResultJournal(result, { ...header('2026-01-01T00-00-00-000Z-aaaa'), writer: { pid, host: hostname() } });
    try {
      const live = journalOf(writer.pid as number);
      live.append({ key: 's/a//node', fork: 0, record: record(1) });
      expect(thrown(() => loadResume(result, plan)).message).toMatch(
        new RegExp(`^--resume .*: the run writing .* still runs \\(pid ${writer.pid}\\): let it finish, or stop it`),
      );
      rmSync(live.path);
      journalOf(other.pid as number).append({ key: 's/a//node', fork: 0, record: record(1) });
      expect(loadResume(result, plan).kept.size).toBe(1);
      // a writer no process can be: kill(0) and kill(-1) reach groups, node throws past 2^31
      for (const pid of [0, -1, 1, 2 ** 31, 1.5]) {
        for (const j of findJournals(result)) rmSync(j);
        journalOf(pid).append({ key: 's/a//node', fork: 0, record: record(1) });
        expect(loadResume(result, plan).kept.size, String(pid)).toBe(1);
      }
    } finally {
      writer.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });

  it('loadResume continues the run written last: all its journals, no older run', () => {
    const { dir, result, a, b } = twoJournals();
    b.append({ key: 's/a//node', fork: 0, record: record(9) });
    // b's run resumed and killed again: a third journal, b's run id in its header
    const c = new ResultJournal(result, header('2026-01-02T00-00-00-000Z-bbbb'), '2026-01-03T00-00-00-000Z-cccc');
    c.append({ key: 's/a//bun', fork: 0, record: record(2) });
    const resumed = loadResume(result, plan);
    expect(resumed.runId).toBe('2026-01-02T00-00-00-000Z-bbbb');
    expect([...resumed.kept.entries()]).toEqual([
      ['0/s/a//node', record(9)],
      ['0/s/a//bun', record(2)],
    ]);
    expect(resumed.journals.sort()).toEqual([b.path, c.path].sort());
    expect(existsSync(a.path)).toBe(true);
    expect(thrown(() => loadResume(join(dir, 'none.json'), plan)).message).toMatch(/no result file and no journal/);
    expect(thrown(() => loadResume(result, { ...plan, forks: 3 })).message).toMatch(/--forks: 2 vs 3/);
    expect(readFileSync(c.path, 'utf8').split('\n')).toHaveLength(3);
  });
});

describe('planDifference', () => {
  it('names the first difference, or none', () => {
    expect(planDifference(plan, plan)).toBeUndefined();
    expect(planDifference(plan, { ...plan, runtimes: [plan.runtimes[0]] })).toBe(
      'runtimes: node 24.1.0, bun 1.4.5 vs node 24.1.0',
    );
    expect(planDifference(plan, { ...plan, params: { tasks: ['10'] } })).toBe('--param: (all) vs tasks=10');
    expect(planDifference(plan, { ...plan, quick: false })).toBe('--quick: true vs false');
    expect(planDifference(plan, { ...plan, cells: ['s/a//node', 's/b//node'] })).toMatch(/cell s\/a\/\/bun is not/);
    // a partial result file lists only the cells that finished
    expect(planDifference({ ...plan, cells: ['s/a//node'] }, plan, false)).toBeUndefined();
  });

  it('takes --param values the run read as one number as the same plan', () => {
    const typed = (...tasks: string[]) => ({ ...plan, params: { tasks } });
    expect(planDifference(typed('100.0', '1000'), typed('100', '1000'))).toBeUndefined();
    expect(planDifference(typed(' 100', '100', '-0'), typed('100', '0'))).toBeUndefined();
    expect(planDifference(typed('100'), typed('1000'))).toBe('--param: tasks=100 vs tasks=1000');
    expect(planDifference(typed('100', '1000'), typed('1000', '100'))).toBe(
      '--param: tasks=100,1000 vs tasks=1000,100',
    );
    expect(
      planDifference({ ...plan, params: { failAt: ['middle'] } }, { ...plan, params: { failAt: ['Middle'] } }),
    ).toBe('--param: failAt=middle vs failAt=Middle');
  });

  it('refuses another CPU pinning, and takes a journal from before pinning was planned as it is', () => {
    const pinned = { ...plan, pinCpu: 1 };
    expect(planDifference(pinned, { ...plan, pinCpu: null })).toBe('--pin-cpu: 1 vs off');
    expect(planDifference({ ...plan, pinCpu: null }, { ...plan, pinCpu: 0 })).toBe('--pin-cpu: off vs 0');
    expect(planDifference(pinned, pinned)).toBeUndefined();
    expect(planDifference(plan, pinned)).toBeUndefined();
  });

  it('refuses another revision of the code, a changed tree included', () => {
    const at = { ...plan, code: 'abc' };
    expect(planDifference(at, { ...plan, code: 'abc+dirty' })).toBe('the code measured: abc vs abc+dirty');
    expect(planDifference(at, { ...plan, code: 'def' })).toBe('the code measured: abc vs def');
    expect(planDifference(at, at)).toBeUndefined();
    expect(planDifference(plan, at)).toBeUndefined();
  });
});
