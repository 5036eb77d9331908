import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import report from '../../src/cli/report.js';
import { toBencher } from '../../src/report/bencher.js';
import { toGithubActionBenchmark } from '../../src/report/github-action-benchmark.js';
import { renderSite, type Site } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { readResultFile } from '../../src/result/io.js';
import type { ResultEntry, ResultFile } from '../../src/result/schema.js';
import { makeResult, standardCells } from '../fixtures/make-result.js';
import { writeResult } from '../fixtures/result-files.js';
import { tempDir } from '../support/temp.js';

const EVIL = '<img src=x onerror=alert(1)>|*x*';

function withEvilNames(): ResultFile {
  const cells = standardCells(['node', 'bun'], ['eager-tasks', 'workers']);
  cells.push({ ...cells[0], case: EVIL, scenario: 'eager-tasks' });
  cells.push({
    ...cells[0],
    scenario: 'evil</section><script>x()</script>',
    case: 'a"b',
    status: 'failed',
    reason: `threw ${EVIL}`,
  });
  return makeResult({ seed: 5, cells });
}

describe('markdown', () => {
  const md = renderMarkdown([makeResult({ seed: 1 })]);
  test('has a table per scenario with runtimes as columns and a best cell', () => {
    for (const s of ['eager-tasks', 'workers', 'db-pool', 'http-pool']) expect(md).toContain(`## ${s}`);
    expect(md).toMatch(/\| case \| params \| node \| deno \| bun \|/);
    expect(md).toMatch(/±\d+\.\d% · \*\*best\*\*/);
  });
  test('lists failures and skips with their reasons, and the metadata', () => {
    expect(md).toMatch(/## Failures and skips/);
    expect(md).toMatch(
      /\| db-pool \| bun-sql \| concurrency=64, max=5 \| bun \| failed \| Error: connection \\<reset\\> & closed \|/,
    );
    expect(md).toMatch(/tinypool needs node:worker\\_threads resourceLimits/);
    expect(md).toMatch(/Test CPU @ 3\.0GHz, 2 logical cores/);
    expect(md).toMatch(/\| node \| 24\.1\.0 \| v8 13\.6 \|/);
  });
  test('latency percentiles and the reference figure where recorded', () => {
    expect(md).toMatch(/\| p50 \| p90 \| p99 \| p99\.9 \| also recorded \|/);
    expect(md).toMatch(/pgbench \d/);
  });
  test('escapes names', () => {
    const evil = renderMarkdown([withEvilNames()]);
    expect(evil).not.toMatch(/(?<!\\)<(img|script|\/section)/);
    expect(evil).toContain('\\<img src=x onerror=alert(1)\\>\\|\\*x\\*');
  });
  test('redacts a password in the connection string of a file written by hand or by an older version', () => {
    const result = makeResult({ seed: 1 });
    result.config.database = 'postgres://bench:hunter2@127.0.0.1:5432/db';
    // as `report` reads it: readResultFile redacts every string of a file
    const md = renderMarkdown([readResultFile(writeResult(tempDir('redact'), 'by-hand.json', result))]);
    expect(md).not.toContain('hunter2');
    expect(md).toContain('127.0.0.1:5432/db');
  });
  test('keeps a failure reason with any line ending, a lone CR included, on its table row', () => {
    const result = withEvilNames();
    const failed = result.results.find((e) => e.status === 'failed') as (typeof result.results)[number];
    failed.reason = 'first\rsecond\r\nthird\nfourth';
    const md = renderMarkdown([result]);
    expect(md).toContain('first second third fourth');
    expect(md).not.toMatch(/\r/);
  });
});

describe('terminal', () => {
  test('cuts a long failure reason in its cell with …, and lists it whole below the tables', () => {
    const result = withEvilNames();
    const failed = result.results.find((e) => e.status === 'failed') as (typeof result.results)[number];
    failed.reason = 'postgres unavailable: connect ECONNREFUSED 127.0.0.1:1 (after 3 tries)';
    const out = renderTerminal(result, { color: false });
    expect(out).toContain('failed: postgres unavailable: connect ECONNREFUSED 127.…');
    expect(out).toMatch(/^Reasons cut short above, whole:$/m);
    expect(out).toMatch(
      /^ {2}evil<\/section><script>x\(\)<\/script>\/a"b .*\[node\] failed: postgres unavailable: connect ECONNREFUSED 127\.0\.0\.1:1 \(after 3 tries\)$/m,
    );
  });

  test('keeps a case or param value with a line break on its row, and in the reasons below', () => {
    const result = withEvilNames();
    const failed = result.results.find((e) => e.status === 'failed') as (typeof result.results)[number];
    Object.assign(failed, { case: 'two\nlines', params: { sep: 'a\r\nb' }, reason: 'x'.repeat(60) });
    const out = renderTerminal(result, { color: false });
    expect(out).toMatch(/^two lines +sep=a b +failed: x+…/m);
    expect(out).toMatch(/^ {2}evil.*\/two lines sep=a b \[node\] failed: x{60}$/m);
    expect(out).not.toMatch(/\r|^lines|^b /m);
  });

  test('a shard with no cells prints one line saying so, and no legend', () => {
    const result = makeResult({ seed: 1 });
    result.results = [];
    result.config.shard = { index: 3, count: 4 };
    expect(renderTerminal(result, { color: false })).toBe('shard 3/4 has no cells: nothing measured');
  });

  test('a reason that fits is shown whole, and not listed again below', () => {
    const out = renderTerminal(withEvilNames(), { color: false });
    expect(out).toContain(`failed: threw ${EVIL}`);
    expect(out).not.toMatch(/^ {2}evil.*failed: threw/m);
  });
});

describe('a cell near an empty op (!)', () => {
  /** the first ok micro entry, its forks' op `factor` times an empty op timed beside it */
  const withFloor = (...factors: number[]) => {
    const result = makeResult({ seed: 1 });
    const entry = result.results.find((e) => e.kind === 'micro' && e.status === 'ok') as ResultEntry;
    for (const [i, fork] of entry.forks.entries())
      fork.measurement = {
        engine: 'mitata',
        batch: 4,
        calibrated: false,
        async: false,
        warmupCalls: 1,
        warmupMs: 1,
        emptyOp: { opNs: 0.3 * factors[i % factors.length], emptyNs: 0.3 },
      };
    return { result, entry };
  };

  test('is marked in every report where the median fork has it under 1.42x the empty op, with the legend', async () => {
    // one fork whose empty op read high does not decide it
    const { result, entry } = withFloor(1.2, 1.1, 30);
    const terminal = renderTerminal(result, { color: false });
    expect(terminal).toMatch(/^! = under 1\.42× an empty op timed beside it/m);
    const row = terminal.split('\n').find((line) => line.startsWith(`${entry.case} `) && line.includes('tasks=')) ?? '';
    expect(row).toMatch(/ !( |$)/);
    expect(renderMarkdown([result])).toMatch(/ !( ~)? \|/);
    expect((await renderSite([result])).html).toContain('! near an empty op');
  });

  test('is not marked past 1.42x, nor without a measured empty op', () => {
    for (const result of [withFloor(2).result, withFloor(1.2, 30, 3).result, makeResult({ seed: 1 })]) {
      const terminal = renderTerminal(result, { color: false });
      expect(terminal).not.toMatch(/^! = /m);
      expect(terminal).not.toMatch(/ !( |$)/m);
      expect(renderMarkdown([result])).not.toMatch(/ !( ~)? \|/);
    }
  });
});

describe('html site', () => {
  let site: Site;
  let evil: Site;
  beforeAll(async () => {
    site = await renderSite([makeResult({ seed: 1 })]);
    evil = await renderSite([withEvilNames()]);
  });
  test('opens with the headline charts, each with marks', () => {
    const headline = site.html.slice(site.html.indexOf('<section id="headline">'), site.html.indexOf('</section>'));
    for (const id of [
      'headline-eager-speedup',
      'headline-worker-scaling',
      'headline-db-pool-throughput',
      'headline-http-pool-throughput',
    ])
      expect(headline).toMatch(new RegExp(`<figure id="${id}" class="chart">.*?<svg[^>]*>.*?role-mark.*?</svg>`, 's'));
  });
  test('is self-contained: no script, no external resource', () => {
    expect(site.html).not.toMatch(/<script|src="http|href="http|@import|url\(/i);
    expect([...site.html.matchAll(/<link[^>]*>/g)].map((m) => m[0])).toEqual(['<link rel="icon" href="data:,">']);
  });
  test('has a section per scenario with whiskered bars, latency where measured, and the steady flag', () => {
    expect(site.html).toMatch(/<section id="s-db-pool">[\s\S]*id="scenario-db-pool-latency"/);
    expect(site.html).toMatch(/id="scenario-eager-tasks-medians"/);
    expect(site.html).not.toMatch(/scenario-eager-tasks-latency/);
  });
  test('omits a chart whose data is absent with a note', async () => {
    const only = await renderSite([makeResult({ seed: 2, cells: standardCells(['node'], ['workers']) })]);
    expect(only.html).toMatch(/<p class="omitted" id="headline-eager-speedup">.*No eager-tasks results/);
    expect(only.html).toMatch(/<figure id="headline-worker-scaling"/);
  });
  test('adds trend charts given a history', async () => {
    const cells = standardCells(['node'], ['eager-tasks']);
    const history = [1, 2, 3].map((i) =>
      makeResult({ seed: i, cells, commit: `${i}`.repeat(40), startedAt: `2025-01-0${i}T00:00:00Z` }),
    );
    const trended = await renderSite(history);
    expect(trended.html).toMatch(/<section id="trends"><h2>Trends over 3 runs/);
    expect(trended.charts.map((c) => c.id)).toContain('trend-eager-tasks');
  });
  test('says of the run what the Markdown says: version, servers, database, interruption', async () => {
    const result = makeResult({ seed: 1 });
    Object.assign(result.config, { serverRuntime: 'deno', database: 'postgres://bench@127.0.0.1:5432/bench' });
    Object.assign(result.run, { asyncbenchVersion: '9.8.7', complete: false });
    const { html } = await renderSite([result]);
    const md = renderMarkdown([result]);
    for (const said of ['asyncbench 9.8.7', 'servers on deno', 'database postgres://bench@127.0.0.1:5432/bench']) {
      expect(md).toContain(said);
      expect(html).toContain(said);
    }
    expect(md).toMatch(/- \*\*Run:\*\* .* \(\*\*interrupted\*\*\)$/m);
    expect(html).toMatch(/<li>Run: [^<]* <b class="bad">\(interrupted\)<\/b><\/li>/);
  });
  test('escapes every name from the result file, in the page and in the SVG', () => {
    expect(evil.html).not.toMatch(/<img|<script/);
    expect(evil.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(evil.html).toContain('evil&lt;/section&gt;&lt;script&gt;x()&lt;/script&gt;');
  });
});

describe('exporters', () => {
  const result = makeResult({ seed: 1 });
  test('github-action-benchmark: one direction per file', () => {
    const smaller = toGithubActionBenchmark(result, 'smaller');
    const bigger = toGithubActionBenchmark(result, 'bigger');
    expect(smaller.every((e) => e.unit === 'ns')).toBe(true);
    expect(bigger.every((e) => e.unit.endsWith('/s'))).toBe(true);
    expect(smaller[0]).toMatchObject({
      name: 'eager-tasks/eager (hitRatio=0, tasks=1000) [node]',
      value: expect.any(Number),
      range: expect.stringMatching(/^± /),
    });
    expect(smaller.length + bigger.length).toBe(result.results.filter((e) => e.status === 'ok').length);
    // the centre the reports show, and the half-width of its interval
    const stats = result.results.find((e) => e.key === 'eager-tasks/eager/hitRatio=0,tasks=1000/node')?.stats;
    if (!stats) throw new Error('no eager-tasks/eager entry');
    expect(smaller[0].value).toBe(stats.median);
    // three significant digits of it, written out (toPrecision alone wrote 3.42e+4)
    expect(smaller[0].range).toBe('± 34200');
    expect(Number(smaller[0].range.slice(2))).toBe(Number(((stats.ci.high - stats.ci.low) / 2).toPrecision(3)));
  });
  test('github-action-benchmark: no number in exponent form, however small or large', () => {
    const odd = makeResult({ seed: 1 });
    const [time, rate] = ['eager-tasks/eager/hitRatio=0,tasks=1000/node', 'workers/piscina/workers=4/node'].map(
      (key) => odd.results.find((e) => e.key === key)?.stats,
    );
    if (!time || !rate) throw new Error('no entries');
    // a sub-ns op whose interval is as narrow as a double tells apart, and a rate of millions
    Object.assign(time, { median: 0.2207, ci: { ...time.ci, low: 0.2207, high: 0.2207 + 3.4e-11 } });
    Object.assign(rate, { median: 2.5e9, ci: { ...rate.ci, low: 2.4e9, high: 2.6e9 } });
    const [smaller, bigger] = [toGithubActionBenchmark(odd, 'smaller'), toGithubActionBenchmark(odd, 'bigger')];
    const texts = [...smaller, ...bigger].flatMap((e) => [e.range, e.extra]);
    expect(texts.filter((t) => /\de[-+]?\d/.test(t))).toEqual([]);
    expect(smaller[0].range).toBe('± 0.0000000000170');
    expect(bigger.find((e) => e.name === 'workers/piscina (workers=4) [node]')?.extra).toMatch(
      /^95% CI \[2400000000, 2600000000\]/,
    );
  });
  test("github-action-benchmark: one fork is 'fork', not 'forks'", () => {
    const one = makeResult({
      seed: 1,
      noise: { betweenForkCv: 0.05, withinForkCv: 0.01, forks: 1, samplesPerFork: 10 },
    });
    expect(toGithubActionBenchmark(one, 'smaller')[0].extra).toMatch(/; 1 fork, 10 samples/);
  });
  test('bencher metric format: latency and throughput measures with bounds', () => {
    const bmf = toBencher(result);
    const eager = bmf['eager-tasks/eager (hitRatio=0, tasks=1000) [node]'];
    expect(eager.latency.lower_value).toBeLessThanOrEqual(eager.latency.value);
    expect(eager.latency.upper_value).toBeGreaterThanOrEqual(eager.latency.value);
    const entry = (key: string) => result.results.find((e) => e.key === key) as ResultEntry;
    const { stats } = entry('eager-tasks/eager/hitRatio=0,tasks=1000/node');
    expect(eager.latency).toEqual({ value: stats?.median, lower_value: stats?.ci.low, upper_value: stats?.ci.high });
    const pool = bmf['db-pool/pg (concurrency=64, max=5) [bun]'];
    expect(Object.keys(pool)).toEqual(['throughput', 'latency-p50', 'latency-p99']);
    const { stats: poolStats, latency } = entry('db-pool/pg/concurrency=64,max=5/bun');
    expect(pool).toEqual({
      throughput: { value: poolStats?.median, lower_value: poolStats?.ci.low, upper_value: poolStats?.ci.high },
      'latency-p50': { value: latency?.p50 },
      'latency-p99': { value: latency?.p99 },
    });
  });
});

describe('rounds: whether the machine ran every round at one speed', () => {
  /** the same run with fork 2 of every cell measured while the machine was 1.5x slower */
  function slowSecondRound(): ResultFile {
    const result = makeResult({ seed: 3 });
    for (const entry of result.results)
      if (entry.status === 'ok' && entry.forks.length > 1) {
        const fork = entry.forks[1];
        fork.samples = fork.samples.map((s) => (entry.metric.better === 'lower' ? s * 1.5 : s / 1.5));
      }
    return result;
  }

  test('a slow round is named in the terminal, Markdown and HTML reports, with its test', async () => {
    const result = slowSecondRound();
    const said = /the machine's speed changed during the run \(.*round 2 1\.[2-9]\d×.*Friedman's test/;
    expect(renderTerminal(result, { color: false })).toMatch(new RegExp(`Rounds: ${said.source}`));
    expect(renderMarkdown([result])).toMatch(new RegExp(`\\*\\*Rounds:\\*\\* ${said.source}`));
    expect((await renderSite([result])).html).toMatch(
      new RegExp(`<li>Rounds: ${said.source.replaceAll("'", '&#39;')}`),
    );
  });

  test('rounds at one speed are said to be so', () => {
    expect(renderMarkdown([makeResult({ seed: 3 })])).toMatch(
      /\*\*Rounds:\*\* no round ran faster or slower than chance allows \(.*p = 0\.\d+\)/,
    );
  });
});

describe('page faults: what one cost on the machine of the run', () => {
  const withFault = (pageFaultUs: number): ResultFile => {
    const result = makeResult({ seed: 3 });
    return { ...result, machine: { ...result.machine, pageFaultUs } };
  };
  const said = /A page fault cost 13\.2 µs on this machine \(well under 1 µs on bare metal\)/;

  test('a costly fault is stated with the machine and warned of in the terminal, Markdown and HTML reports', async () => {
    const result = withFault(13.2);
    expect(renderTerminal(result, { color: false })).toMatch(said);
    const md = renderMarkdown([result]);
    expect(md).toMatch(said);
    expect(md).toMatch(/\*\*Machine:\*\* .*8\.0 GiB, a page fault 13\.2 µs/);
    const html = (await renderSite([result])).html;
    expect(html).toMatch(said);
    expect(html).toMatch(/<li>Machine: .*a page fault 13\.2 µs<\/li>/);
  });

  test('a cheap fault, or none recorded, gives no warning', () => {
    expect(renderMarkdown([withFault(0.4)])).not.toMatch(/A page fault cost/);
    expect(renderMarkdown([withFault(0.4)])).toMatch(/a page fault 400 ns/);
    expect(renderTerminal(makeResult({ seed: 3 }), { color: false })).not.toMatch(/page fault/);
  });
});

describe('where the run sat against earlier runs of its code', () => {
  const placed = (config: Partial<ResultFile['config']>): ResultFile => {
    const result = makeResult({ seed: 3 });
    return { ...result, config: { ...result.config, ...config } };
  };

  test('with no spread to judge it by, the ratio is stated as such in the terminal, Markdown and HTML reports', async () => {
    const result = placed({ earlierRuns: { files: ['a.json'], ratio: 1.437, cells: 24 } });
    // (HTML escapes the apostrophe of "run's")
    const said =
      /This run(?:'|&#39;)s times are 1\.44x those of the one earlier run of this code beside it \(median over 24 cells; rates inverted\), with no run-to-run spread yet to judge that by\./;
    expect(renderTerminal(result, { color: false })).toMatch(said);
    expect(renderMarkdown([result])).toMatch(said);
    expect((await renderSite([result])).html).toMatch(said);
    const two = placed({ earlierRuns: { files: ['a.json', 'b.json'], ratio: 0.9, cells: 3 } });
    expect(renderMarkdown([two])).toMatch(/0\.90x those of the 2 earlier runs of this code/);
    const one = placed({ earlierRuns: { files: ['a.json'], ratio: 0.9, cells: 1 } });
    expect(renderMarkdown([one])).toMatch(/\(median over 1 cell; rates inverted\)/);
  });

  test('a judged shift is said with its verdict, and a run with neither says nothing', () => {
    const spread = { variance: 0.0004, df: 4, runs: 5, cells: 24 };
    const beyond = placed({ sessions: { files: ['a.json'], spread, shift: { ratio: 1.5, cells: 24, beyond: true } } });
    expect(renderMarkdown([beyond])).toMatch(
      /1\.50x the earlier runs' \(median over 24 cells; rates inverted\): beyond their run-to-run spread/,
    );
    const lone = placed({ sessions: { files: ['a.json'], spread, shift: { ratio: 1.5, cells: 1, beyond: false } } });
    expect(renderMarkdown([lone])).toMatch(/\(median over 1 cell; rates inverted\): within their run-to-run spread/);
    expect(renderMarkdown([placed({})])).not.toMatch(/This run's centres/);
  });
});

test('report CLI writes every output', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const dir = tempDir();
  const file = writeResult(dir, 'r.json', makeResult({ seed: 1 }));
  const out = (name: string) => join(dir, name);
  const code = await report.run([
    file,
    '--md',
    out('r.md'),
    '--html',
    out('site'),
    '--svg',
    out('svg'),
    '--gab-smaller',
    out('s.json'),
    '--gab-bigger',
    out('b.json'),
    '--bencher',
    out('bmf.json'),
  ]);
  expect(code).toBe(0);
  expect(readFileSync(out('r.md'), 'utf8')).toMatch(/^# asyncbench results/);
  expect(readFileSync(out('site/index.html'), 'utf8')).toMatch(/^<!doctype html>/);
  const svgs = readdirSync(out('svg'));
  expect(svgs).toContain('headline-eager-speedup.svg');
  for (const svg of svgs)
    expect(readFileSync(join(out('svg'), svg), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  // a standalone chart carries its title and caption: what it leaves out travels with it
  const medians = readFileSync(join(out('svg'), 'scenario-db-pool-medians.svg'), 'utf8');
  expect(medians).toContain('db-pool: median by case and runtime');
  expect(medians).toMatch(/not drawn, no figure: bun-sql/);
  expect(JSON.parse(readFileSync(out('bmf.json'), 'utf8'))).toBeTypeOf('object');
  vi.restoreAllMocks();
});

test('report says which cells the exports leave out, having no figure, and says nothing without exports', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  const dir = tempDir();
  const file = writeResult(dir, 'r.json', makeResult({ seed: 1 }));
  expect(await report.run([file, '--gab-bigger', join(dir, 'b.json'), '--bencher', join(dir, 'bmf.json')])).toBe(0);
  // the fixture's bun-sql failed on bun and was skipped on node and deno; tinypool was skipped on bun
  expect(errors.mock.calls.map((c) => c.join(' '))).toEqual([
    'asyncbench: note: 4 cells with no figure (3 skipped, 1 failed) left out of --gab-bigger, --bencher: those formats hold figures only; the Markdown and HTML reports list them',
  ]);
  errors.mockClear();
  expect(await report.run([file, '--md', join(dir, 'r.md')])).toBe(0);
  expect(errors).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

test('report --html FILE.html writes the page itself, the same page as DIR/index.html', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const dir = tempDir();
  const file = writeResult(dir, 'r.json', makeResult({ seed: 1 }));
  expect(await report.run([file, '--html', join(dir, 'site')])).toBe(0);
  expect(await report.run([file, '--html', join(dir, 'out', 'Report.HTML')])).toBe(0);
  expect(statSync(join(dir, 'out', 'Report.HTML')).isFile()).toBe(true);
  expect(readFileSync(join(dir, 'out', 'Report.HTML'), 'utf8')).toBe(
    readFileSync(join(dir, 'site', 'index.html'), 'utf8'),
  );
  // a directory of that name (where an earlier version put the site) stays the site's directory
  mkdirSync(join(dir, 'old.html'));
  expect(await report.run([file, '--html', join(dir, 'old.html')])).toBe(0);
  expect(readFileSync(join(dir, 'old.html', 'index.html'), 'utf8')).toBe(
    readFileSync(join(dir, 'site', 'index.html'), 'utf8'),
  );
  vi.restoreAllMocks();
});
