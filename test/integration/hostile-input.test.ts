// Hostile input to the CLI: broken scenario files, bad flag values, broken result files. Each is
// one line on stderr naming the problem, exit 2, and no stack trace.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ResultFile } from '../../src/result/schema.js';
import { FIXTURES, leftAfter, startMarked } from '../faults/support.js';
import { makeResult } from '../fixtures/make-result.js';
import { ROOT, runCli, tempDir } from '../support/cli.js';

const dir = tempDir('hostile');
mkdirSync(join(dir, 's'));

/** a plain file, where a directory is expected */
const AFILE = join(dir, 'a-file');
writeFileSync(AFILE, 'not a directory\n');

const VALID = `{ id: 'x', title: 't', pattern: 'p', kind: 'micro', params: { n: [1] }, cases: { a: () => () => 1 } }`;

/** a scenario file with this body; `asyncbench` resolves to the built API */
function scenario(name: string, body: string): string {
  const path = join(dir, 's', `${name}.ts`);
  writeFileSync(path, `import { defineScenario } from 'asyncbench';\n${body}\n`);
  return path;
}

const SCENARIO_FILES: [string, string, RegExp][] = [
  [
    'does not parse',
    scenario('syntax', 'export default defineScenario({ id: "x", cases: {'),
    /cannot build .*syntax\.ts:\d+:\d+: /,
  ],
  ['throws at import', scenario('throws', 'throw new Error("no config");'), /throws at import: Error: no config/],
  [
    'exits the process at import',
    scenario(
      'exits',
      `import process from 'node:process';\nprocess.exit(0);\nexport default defineScenario(${VALID});`,
    ),
    /exits\.ts exited the process while it was loading/,
  ],
  [
    'throws in defineScenario',
    scenario('bad-id', `export default defineScenario({ ...${VALID}, id: 'Bad Id' });`),
    /throws at import: .*kebab-case/,
  ],
  ['exports something else', scenario('number', 'export default 42;'), /does not export default defineScenario/],
  [
    'has no default export',
    scenario('named', `export const s = defineScenario(${VALID});`),
    /does not export default defineScenario/,
  ],
  [
    'an empty param list',
    scenario('empty', `export default defineScenario({ ...${VALID}, params: { n: [] } });`),
    /params\.n is not a non-empty array/,
  ],
  [
    'an object param value',
    scenario('object', `export default defineScenario({ ...${VALID}, params: { n: [{ a: 1 }] } });`),
    /params\.n holds \{"a":1\}/,
  ],
  [
    'a NaN param value',
    scenario('nan', `export default defineScenario({ ...${VALID}, params: { n: [1, NaN] } });`),
    /params\.n holds null/,
  ],
  [
    'a param that is not a list',
    scenario('scalar', `export default defineScenario({ ...${VALID}, params: { n: 5 } });`),
    /params\.n is not a non-empty array/,
  ],
  [
    'a param value twice',
    scenario('twice', `export default defineScenario({ ...${VALID}, params: { n: [1, 1] } });`),
    /params\.n lists a value twice/,
  ],
  [
    'an empty quick list',
    scenario('quick', `export default { ...defineScenario(${VALID}), quick: { n: [] } };`),
    /quick\.n is not a non-empty array/,
  ],
  [
    'a case that is not a function',
    scenario('case', `export default { ...defineScenario(${VALID}), cases: { a: 1 } };`),
    /case 'a' is not a function/,
  ],
  ['no cases', scenario('nocase', `export default { ...defineScenario(${VALID}), cases: {} };`), /it has no cases/],
  [
    'an unknown requirement',
    scenario('req', `export default defineScenario({ ...${VALID}, requires: ['redis'] });`),
    /requires 'redis'/,
  ],
  ['a bad kind', scenario('kind', `export default defineScenario({ ...${VALID}, kind: 'macro' });`), /kind "macro"/],
  [
    'requires as a word, not a list',
    scenario('reqword', `export default defineScenario({ ...${VALID}, requires: 'http' });`),
    /requires is not a list/,
  ],
  [
    'a metric that is a unit only',
    scenario('metric', `export default defineScenario({ ...${VALID}, metric: 'ns' });`),
    /metric is not a metric/,
  ],
  // what a reader of its result file would refuse: its run would write a file no report could read
  [
    'a unit on two lines',
    scenario(
      'unit2',
      `export default defineScenario({ ...${VALID}, metric: { name: 't', unit: 'ns\\n(per op)', better: 'lower' } });`,
    ),
    /metric is not a metric .*on one line/,
  ],
  [
    'a headline without a name',
    scenario('headline', `export default defineScenario({ ...${VALID}, headline: { figure: 'x', better: 'lower' } });`),
    /headline is not \{ figure, name, better/,
  ],
  [
    'a case named on two lines',
    scenario('case2', `export default { ...defineScenario(${VALID}), cases: { 'a\\nb': () => () => 1 } };`),
    /case name "a\\nb" is not one line/,
  ],
  [
    'a case named with a comma',
    scenario('comma', `export default { ...defineScenario(${VALID}), cases: { 'a,b': () => () => 1 } };`),
    /case name "a,b" holds a comma, which --case splits names at/,
  ],
];

const FLAGS: [string[], RegExp][] = [
  [['--duration', '0'], /--duration takes a positive number/],
  [['--duration', 'abc'], /--duration takes a positive number/],
  [['--duration=-1'], /--duration takes a positive number/],
  [['--forks', '0'], /--forks takes a whole number >= 1/],
  [['--forks', '1.5'], /--forks takes a whole number/],
  [['--forks', '0x3'], /--forks takes a whole number/],
  [['--forks', '1e1'], /--forks takes a whole number/],
  // a job per fork was planned for minutes before the first one ran
  [['--forks', '100000000'], /--forks takes at most 10000, got '100000000'/],
  [['--timeout', '-1'], /--timeout is followed by '-1', which reads as an option: .* --timeout=-1$/],
  [['--duration', '-1'], /--duration is followed by '-1', which reads as an option/],
  [['--timeout', '0'], /--timeout takes a positive number/],
  [['--timeout', '99999999'], /--timeout takes at most 2147483 seconds/],
  [['--out', ''], /--out needs a path, got ''/],
  [['--json', ''], /--json needs a path, got ''/],
  // a path under a file: statSync threw ENOTDIR, an internal error with a stack trace (exit 1)
  [['--out', AFILE], /cannot create .*a-file: ENOTDIR \(.*a-file is not a directory\)/],
  [['--json', join(AFILE, 'r.json')], /cannot create .*a-file: ENOTDIR/],
  [['--param', 'x='], /--param takes KEY=V1,V2/],
  [['--param', 'tasks='], /--param takes KEY=V1,V2/],
  [['--param', 'tasks=1,,2'], /--param tasks has an empty value/],
  [['--param', '=5'], /--param takes KEY=V1,V2/],
  [['--param', 'tasks=many'], /tasks=many: eager-tasks takes numbers/],
  [['--param', 'nope=1'], /unknown param 'nope'/],
  [['--case', 'nope'], /unknown case 'nope'/],
  // names after a comma and a space are trimmed, as --runtime's are: ' nope', not ' microtask', is unknown
  [['--case', 'microtask, nope'], /unknown case 'nope'/],
  [['--shard', '3/2'], /--shard takes K\/N with 1 <= K <= N/],
  [['--shard', '0/2'], /--shard takes K\/N/],
  [['--shard', 'x'], /--shard takes K\/N/],
  // read as 1e20, it ran and wrote a result file whose config.shard report and merge refuse
  [['--shard', '1/99999999999999999999'], /--shard takes an N of at most 9007199254740991/],
  [['--engine', 'bogus'], /--engine takes mitata or tinybench/],
  // Number('') is 0: an empty --pin-cpu pinned every micro cell to CPU 0
  [['--pin-cpu', ''], /--pin-cpu takes a CPU number or off, got ''/],
  [['--pin-cpu', '0x1'], /--pin-cpu takes a CPU number or off, got '0x1'/],
  [['--runtime', 'nod'], /unknown runtime 'nod'/],
  [['--runtime', 'node', '--runtime', 'bun'], /--runtime is given twice: give it once/],
  [['--bogus'], /Unknown option '--bogus'/],
  [['--resume', join(dir, 'nothing.json')], /no result file and no journal/],
  [['--sessions', 'none', '--sessions', dir], /--sessions none takes no paths beside it/],
];

function resultFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const good = JSON.stringify(makeResult({ seed: 1 }));
const withSample = (value: string) => good.replace(/"samples":\[[-\d.e]+/, `"samples":[${value}`);
const edited = (edit: (result: ResultFile) => void) => {
  const result = JSON.parse(good);
  edit(result);
  return JSON.stringify(result);
};

const RESULT_FILES: [string, string, RegExp][] = [
  ['cut short', resultFile('truncated.json', good.slice(0, good.length / 2)), /not valid JSON \(truncated\?\)/],
  ['empty', resultFile('empty.json', ''), /not valid JSON \(truncated\?\)/],
  ['foreign', resultFile('foreign.json', '{"name":"some other tool","results":[]}'), /not an asyncbench result file/],
  ['an array', resultFile('array.json', '[1,2]'), /not a JSON object/],
  [
    'from a newer schema',
    resultFile('newer.json', good.replace('asyncbench/result@1', 'asyncbench/result@2')),
    /written by a newer asyncbench/,
  ],
  ['a NaN sample', resultFile('nan.json', withSample('null')), /samples\[0\] is null, not a finite number/],
  ['a negative sample', resultFile('negative.json', withSample('-5')), /samples\[0\] is -5, not a finite number >= 0/],
  ['an infinite sample', resultFile('infinite.json', withSample('1e999')), /samples\[0\] is null, not a finite number/],
  [
    'a corrupt placement',
    resultFile(
      'placement.json',
      edited((r) => Object.assign(r.config, { earlierRuns: { files: ['a.json'], ratio: 'fast', cells: 3 } })),
    ),
    /config\.earlierRuns: needs a ratio > 0 and a whole number of cells/,
  ],
  [
    'a runtime with no engine',
    resultFile(
      'engine.json',
      edited((r) => Reflect.deleteProperty(r.runtimes[0], 'engine')),
    ),
    /runtimes\[0\]: needs an engine with a name and version/,
  ],
  [
    'a git with no commit',
    resultFile(
      'git.json',
      edited((r) => Object.assign(r, { git: { dirty: false } })),
    ),
    /'git' needs a commit, or is null/,
  ],
  ['missing', join(dir, 'missing.json'), /cannot read .*ENOENT/],
  // the path is quoted in the message: its line break is written as \n, so the message stays one line
  ['missing, named with a line break', join(dir, 'no\nsuch.json'), /cannot read .*no\\nsuch\.json: ENOENT$/],
];

function expectOneLine(run: { code: number | null; stderr: string }, message: RegExp): void {
  const lines = run.stderr.trim().split('\n');
  expect(run.code, run.stderr).toBe(2);
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^asyncbench: /);
  expect(lines[0]).toMatch(message);
  expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+/m);
}

// Each case is a CLI process of its own: a few run at once (describe.concurrent), each with its own timeout.
describe.concurrent('hostile input exits 2 with one line and no stack trace', () => {
  it.each(SCENARIO_FILES)('a scenario file that %s', async (_what, path, message) => {
    const run = await runCli(['run', path, '--quick', '--runtime', 'node']);
    expectOneLine(run, message);
    expect(run.stderr).toContain(path.split('/').pop());
  });

  it('a scenario file whose top level awaits for ever is one line after 30 s, not a hang', async () => {
    // the interval keeps the event loop alive, as a pending connection would: a real hang
    const path = scenario(
      'hangs',
      `await new Promise(() => setInterval(() => {}, 1000));\nexport default defineScenario(${VALID});`,
    );
    expectOneLine(
      await runCli(['run', path, '--quick', '--runtime', 'node']),
      /hangs\.ts did not finish loading within 30 s/,
    );
  }, 120_000);

  it('a scenario file whose top level spins synchronously is one line after 30 s, and no process is left', async () => {
    // loaded in the harness's own process, it would block the harness's timers and signals for good
    const run = startMarked(['run', join(FIXTURES, 'spins-at-load.ts'), '--quick', '--runtime', 'node']);
    expectOneLine(await run.done, /spins-at-load\.ts did not finish loading within 30 s/);
    expect(await leftAfter(run.marker)).toEqual([]);
  }, 120_000);

  it.each(FLAGS)('run eager-tasks --quick %j', async (flags, message) => {
    expectOneLine(await runCli(['run', 'eager-tasks', '--quick', ...flags]), message);
  });

  it('a word a string param does not declare (it would be measured as whichever branch it falls into)', async () => {
    const run = await runCli(['run', 'producer-consumer', '--quick', '--param', 'consumer=slow,Slow']);
    expectOneLine(run, /--param consumer=Slow: not a value of producer-consumer's consumer; valid: slow, fast/);
  });

  it.each([
    [
      'of another scheme',
      'mysql://app:hunter2@db.example/app',
      /DATABASE_URL is not a PostgreSQL URL \(its scheme is mysql:\)/,
    ],
    ['that is no URL', 'host=db password=hunter2', /DATABASE_URL is not a PostgreSQL URL \(it is no URL\)/],
    // a review: the parser ended the password at '#' and the error quoted the rest as the host
    [
      "whose password holds a '#' and an '@' unencoded",
      'postgres://admin:hunter2@S3cretPart#9@127.0.0.1:55432/postgres',
      /DATABASE_URL holds a '#', or an '@' besides the one before the host: percent-encode them/,
    ],
  ])(
    'a DATABASE_URL %s, for a scenario that needs PostgreSQL (every db cell failed with Invalid URL)',
    async (_, url, message) => {
      const run = await runCli(['run', 'db-pool', '--quick', '--runtime', 'node'], { env: { DATABASE_URL: url } });
      expectOneLine(run, message);
      expect(run.stderr + run.stdout).not.toMatch(/hunter2|S3cretPart/);
      // the hint names the URL's parts in words, not as a URL the masking would cut
      expect(run.stderr).not.toContain('postgres://user@');
    },
  );

  it('a count below 1 (it would fail its cell in setup, where it is a mistake on the command line)', async () => {
    const run = await runCli(['run', 'eager-tasks', '--quick', '--param', 'tasks=-5']);
    expectOneLine(run, /--param tasks=-5: eager-tasks takes whole numbers from 1 up for tasks/);
  });

  const goodPath = resultFile('good.json', good);
  const emptyDir = () => {
    const empty = join(dir, 'no-results');
    mkdirSync(empty, { recursive: true });
    return empty;
  };
  it.each([
    ['a path that is not there', join(dir, 'nowhere'), /--sessions .*nowhere: no such file or directory/],
    ['a directory with no result file', emptyDir(), /--sessions .*no-results: a directory with no result file/],
    ['a file cut short', join(dir, 'truncated.json'), /not valid JSON \(truncated\?\)/],
    ['a file of another machine', goodPath, /good\.json: measured on another machine \(Test CPU/],
  ])('run --sessions with %s', async (_what, path, message) => {
    expectOneLine(await runCli(['run', 'eager-tasks', '--quick', '--sessions', path]), message);
  });
  it('runtimes with an unknown word names the word as unknown, with --json too', async () => {
    for (const args of [
      ['runtimes', 'foo'],
      ['runtimes', 'foo', '--json'],
    ])
      expectOneLine(await runCli(args), /^asyncbench: unknown runtimes command 'foo'; valid: add, remove$/);
  });
  it.each(RESULT_FILES)('a result file that is %s, to report and to compare', async (_what, path, message) => {
    expectOneLine(await runCli(['report', path]), message);
    expectOneLine(await runCli(['compare', goodPath, path]), message);
  });

  it('report outputs that cannot be written: a directory, a path under a file, under /proc (no hang)', async () => {
    expectOneLine(await runCli(['report', goodPath, '--md', dir]), /^asyncbench: cannot write .*: EISDIR$/);
    expectOneLine(
      await runCli(['report', goodPath, '--md', join(goodPath, 'r.md')]),
      /cannot (create|write) .*ENOTDIR/,
    );
    // mkdirSync's `recursive` retries for ever there (node 20 and 24)
    if (existsSync('/proc/self'))
      expectOneLine(
        await runCli(['report', goodPath, '--html', '/proc/no-such/site']),
        /cannot create \/proc\/no-such: ENOENT/,
      );
  });

  it('report outputs with an empty path, or the path of a result file it reads, which is kept', async () => {
    // an empty path wrote nothing and printed nothing, exit 0
    for (const flag of ['--md', '--html', '--svg', '--bencher'])
      expectOneLine(
        await runCli(['report', goodPath, flag, '']),
        new RegExp(`^asyncbench: ${flag} needs a path, got ''$`),
      );
    // the report replaced the result file it was made from
    const input = resultFile('input.json', good);
    for (const flag of ['--md', '--gab-smaller', '--bencher'])
      expectOneLine(
        await runCli(['report', goodPath, input, flag, input]),
        new RegExp(`^asyncbench: ${flag} .*input\\.json is a result file this report reads`),
      );
    expect(readFileSync(input, 'utf8')).toBe(good);
  });

  it('report writes no output when a later one cannot be written: an earlier --md is neither written nor replaced', async () => {
    const md = join(dir, 'kept.md');
    const site = join(dir, 'site-taken');
    mkdirSync(join(site, 'index.html'), { recursive: true }); // the page's own name is a directory
    for (const bad of [
      ['--html', AFILE],
      ['--html', site],
      ['--svg', join(AFILE, 'charts')],
      ['--bencher', dir],
    ]) {
      expectOneLine(await runCli(['report', goodPath, '--md', md, ...bad]), /cannot (create|write) /);
      expect(existsSync(md), bad.join(' ')).toBe(false);
    }
    writeFileSync(md, 'an earlier report\n');
    expectOneLine(await runCli(['report', goodPath, '--md', md, '--html', AFILE]), /ENOTDIR/);
    expect(readFileSync(md, 'utf8')).toBe('an earlier report\n');
  });

  it('an output that is a pipe or a link is written into, not replaced by a file; run --json refuses a pipe', async () => {
    const fifo = join(dir, 'a-pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (chunk: Buffer) => {
      read += chunk;
    });
    const closed = once(reader, 'close');
    const report = await runCli(['report', goodPath, '--md', fifo]);
    // the report closed the pipe, so cat ends; were the pipe replaced, cat would wait on it for ever
    const timedOut = await Promise.race([closed.then(() => false), delay(10_000).then(() => true)]);
    reader.kill();
    expect(report.code, report.stderr).toBe(0);
    expect(timedOut).toBe(false);
    expect(read).toMatch(/^# /);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(report.stdout).not.toContain('wrote'); // nothing appended to a stream (--md /dev/stdout)
    // a symbolic link is written through, as the shell's > does, not replaced by a file
    const target = join(dir, 'linked.md');
    writeFileSync(target, '');
    const link = join(dir, 'a-link.md');
    symlinkSync(target, link);
    const inode = statSync(target).ino;
    expect((await runCli(['report', goodPath, '--md', link])).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(target).ino).not.toBe(inode); // replaced by a rename: atomic, as a file of its own is
    expect(readFileSync(target, 'utf8')).toMatch(/^# /);
    // /dev/stdout of a shell's `>>`: written at the descriptor's end, between the shell's own lines
    const log = join(dir, 'appended.log');
    writeFileSync(log, 'earlier\n');
    const cli = `"${process.execPath}" bin/asyncbench.js report "${goodPath}" --md /dev/stdout`;
    execFileSync('sh', ['-c', `{ echo before; ${cli}; echo after; } >> "${log}"`], { cwd: ROOT });
    expect(readFileSync(log, 'utf8')).toMatch(/^earlier\nbefore\n# [\s\S]*\nafter\n$/);
    expectOneLine(
      await runCli(['run', 'eager-tasks', '--quick', '--runtime', 'node', '--case', 'eager', '--json', fifo]),
      /^asyncbench: .*a-pipe is a device or a pipe, not a file: the result needs a file name \(--json FILE\)$/,
    );
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it('a file output that ends in / is refused before anything is written: run --json, report --md etc., merge --out', async () => {
    // resolve() dropped the '/': run --json out/ wrote a file named out; report wrote its --md,
    // then failed on --bencher out/ with ENOENT
    const md = join(dir, 'before.md');
    const slash = join(dir, 'meant-a-dir/');
    expectOneLine(
      await runCli(['run', 'eager-tasks', '--quick', '--runtime', 'node', '--case', 'eager', '--json', slash]),
      /^asyncbench: --json .*meant-a-dir\/ names a directory \(it ends in \/\): --json takes a file's path$/,
    );
    expectOneLine(await runCli(['report', goodPath, '--md', md, '--bencher', slash]), /--bencher .* names a directory/);
    expectOneLine(await runCli(['merge', goodPath, '--out', slash]), /--out .* names a directory/);
    expect(existsSync(md)).toBe(false);
    expect(existsSync(slash.slice(0, -1))).toBe(false);
  });

  it('report refuses two outputs at one path, before writing either; --html DIR and --svg DIR may share one', async () => {
    // the later replaced the earlier ('wrote r, r', exit 0), or a page stood where --svg made its directory
    for (const [a, b, path] of [
      ['--md', '--bencher', join(dir, 'same.txt')],
      ['--gab-smaller', '--gab-bigger', join(dir, 'gab.json')],
      ['--html', '--svg', join(dir, 'page.html')],
    ]) {
      expectOneLine(
        await runCli(['report', goodPath, a, path, b, path]),
        new RegExp(`^asyncbench: ${a} and ${b} both name .*: give each output a path of its own$`),
      );
      expect(existsSync(path), `${a} ${b}`).toBe(false);
    }
    const site = join(dir, 'site');
    const both = await runCli(['report', goodPath, '--html', site, '--svg', site]);
    expect(both.code, both.stderr).toBe(0);
    expect(existsSync(join(site, 'index.html'))).toBe(true);
  });

  it('compare --base with ASYNCBENCH_REVISIONS_DIR naming a file: one line, exit 2, before any build', async () => {
    // mkdirSync's EEXIST was an internal error with a stack trace (exit 1)
    const run = await runCli(['compare', '--base', 'HEAD', 'eager-tasks', '--quick', '--runtime', 'node'], {
      env: { ASYNCBENCH_REVISIONS_DIR: AFILE },
    });
    expectOneLine(run, /^asyncbench: cannot create .*a-file: ENOTDIR \(.*a-file is not a directory\)$/);
  });

  it('compare --base checks --server-runtime before any build, as run does', async () => {
    // it went unchecked to the services after both builds (a spec such as node@22 was 'not found'
    // there); the revisions directory under a file makes a missed check fail at once, not build
    const run = await runCli(
      ['compare', '--base', 'HEAD', 'eager-tasks', '--quick', '--runtime', 'node', '--server-runtime', 'nope'],
      { env: { ASYNCBENCH_REVISIONS_DIR: AFILE } },
    );
    expectOneLine(run, /^asyncbench: unknown runtime 'nope'/);
  });

  it('compare --base --engine says the engine times only process pairs where duets are the default', async () => {
    // head.json recorded the engine asked for while every duet measured with its own loop, unsaid
    const args = ['compare', '--base', 'HEAD', 'eager-tasks', '--quick', '--runtime', 'nope'];
    const env = { ASYNCBENCH_REVISIONS_DIR: AFILE };
    const duet = await runCli([...args, '--engine', 'tinybench'], { env });
    expect(duet.code).toBe(2);
    expect(duet.stderr).toMatch(
      /^asyncbench: note: --engine tinybench times only the micro pairs that run as two processes/,
    );
    const apart = await runCli([...args, '--engine', 'tinybench', '--pairs', 'process'], { env });
    expect(apart.code).toBe(2);
    expect(apart.stderr).not.toContain('note: --engine');
  });

  it("a GITHUB_STEP_SUMMARY that cannot be written is a warning: compare's verdict and exit code stand", async () => {
    const run = await runCli(['compare', goodPath, goodPath], {
      env: { GITHUB_STEP_SUMMARY: join(dir, 'no', 'such', 'x.md') },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.trim()).toMatch(
      /^asyncbench: warning: cannot append the table to GITHUB_STEP_SUMMARY .*: ENOENT$/,
    );
  });

  it.skipIf(!existsSync('/dev/full'))(
    'a stdout that cannot be written (a full disk) is one line and exit 2, not exit 0',
    async () => {
      const full = openSync('/dev/full', 'w');
      const child = spawn(process.execPath, [join(ROOT, 'bin/asyncbench.js'), 'list'], {
        stdio: ['ignore', full, 'pipe'],
      });
      closeSync(full);
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      const [code] = await once(child, 'close');
      expect(code, stderr).toBe(2);
      expect(stderr.trim()).toMatch(/^asyncbench: the output could not be written to stdout: ENOSPC[^\n]*$/);
    },
  );
});

it('a scenario file whose top level prints 150 MB loads and runs: its output is not kept whole or searched again per chunk', async () => {
  // describing it once took more than the 30 s a file gets to load, holding a GiB in the orchestrator
  const path = scenario(
    'floods',
    `import process from 'node:process';\nconst line = 'x'.repeat((1 << 19) - 1) + '\\n';\nfor (let i = 0; i < 300; i++) process.stdout.write(line);\nexport default defineScenario(${VALID});`,
  );
  const json = join(dir, 'floods.json');
  const run = await runCli(['run', path, '--quick', '--runtime', 'node', '--forks', '1', '--json', json]);
  expect(run.code, run.stderr).toBe(0);
  const result = JSON.parse(readFileSync(json, 'utf8')) as ResultFile;
  expect(result.results.map((entry) => entry.status)).toEqual(['ok']);
}, 120_000);

it('an internal error (a bug, not bad input) exits 4 with its stack, never 1, which a CI job reads as a regression', async () => {
  // a planted bug: console.log throws, so `list` fails as no command expects
  const planted = join(dir, 'planted-bug.mjs');
  writeFileSync(planted, "console.log = () => { throw new TypeError('planted bug'); };\n");
  const run = await runCli(['list'], { env: { NODE_OPTIONS: `--import=${planted}` } });
  expect(run.code, run.stderr).toBe(4);
  expect(run.stderr).toMatch(/^asyncbench: internal error: TypeError: planted bug\n\s+at /);
});
