/** Versions of one runtime in one result file: side by side in every report, charts across versions, compare --runtime --vs. */
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import compare from '../../src/cli/compare.js';
import { acrossVersionsCharts } from '../../src/report/charts/versions.js';
import { renderSite } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { versionViews } from '../../src/report/runtime-views.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { UsageError } from '../../src/result/errors.js';
import type { ResultFile } from '../../src/result/schema.js';
import { makeResult, standardCells } from '../fixtures/make-result.js';
import { writeResult } from '../fixtures/result-files.js';
import { versionsResult } from '../fixtures/versions.js';
import { tempDir } from '../support/temp.js';

const GROUPED = ['bun@1.3.14', 'bun (1.4.5)', 'node@22.23.3', 'node (24.21.0)', 'node@26.10.0'];

describe('reports group the versions of a runtime side by side', () => {
  const result = versionsResult();

  test('terminal: columns by runtime, then version, the pinned one with its version', () => {
    const header = renderTerminal(result, { color: false })
      .split('\n')
      .find((l) => l.startsWith('case'));
    expect(header?.split(/\s{2,}/).slice(2)).toEqual(GROUPED);
  });

  test('markdown', () => {
    expect(renderMarkdown([result])).toContain(`| case | params | ${GROUPED.join(' | ')} |`);
  });

  test('html', async () => {
    const { html } = await renderSite([result]);
    expect(html).toContain(`<th>case</th><th>params</th>${GROUPED.map((t) => `<th>${t}</th>`).join('')}`);
  });

  test('the pinned build beside itself named by its version (--runtime node,node@24) shows its version', () => {
    const same = versionsResult([
      { label: 'node', name: 'node', version: '24.21.0', factor: 1 },
      { label: 'node@24.21.0', name: 'node', version: '24.21.0', factor: 1 },
    ]);
    expect(renderMarkdown([same])).toContain('| case | params | node (24.21.0) | node@24.21.0 |');
  });

  test('the latency and failure tables name a runtime as the columns do', async () => {
    const result = versionsResult(undefined, ['db-pool']);
    const pinned = result.results.filter((e) => e.runtime === 'node');
    expect(pinned.some((e) => e.latency)).toBe(true);
    Object.assign(pinned[0] as object, { status: 'failed', reason: 'it broke' });
    const md = renderMarkdown([result]);
    const rows = md.split('\n').filter((l) => /^\| \S.* \| (node|node \(24\.21\.0\)) \|/.test(l));
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.filter((l) => l.includes('| node |'))).toEqual([]);
    const { html } = await renderSite([result]);
    expect(html).toContain('on node (24.21.0):');
    expect(html).toContain('<td>node (24.21.0)</td><td class="num">');
    expect(html).not.toMatch(/<td>node<\/td><td class="num">|on node:/);
  });

  test('one version per runtime keeps the plain labels', () => {
    const md = renderMarkdown([makeResult({ seed: 1, cells: standardCells(['node', 'bun'], ['eager-tasks']) })]);
    expect(md).toContain('| case | params | node | bun |');
  });
});

describe('charts across versions', () => {
  test('one per headline figure when a runtime has several versions, versions in order', async () => {
    const charts = acrossVersionsCharts(versionsResult(undefined, ['eager-tasks', 'workers', 'db-pool']));
    expect(charts.map((c) => [c.id, c.spec !== undefined])).toEqual([
      ['versions-eager-speedup', true],
      ['versions-worker-scaling', true],
      ['versions-db-pool-throughput', true],
      ['versions-http-pool-throughput', false],
    ]);
    const eager = charts[0].spec as { data: { values: { runtime: string; version: string }[] } };
    const nodeVersions = [...new Set(eager.data.values.filter((r) => r.runtime === 'node').map((r) => r.version))];
    expect(nodeVersions.sort()).toEqual(['22.23.3', '24.21.0', '26.10.0']);
    const { html } = await renderSite([versionsResult()]);
    expect(html).toContain('id="versions-eager-speedup"');
    expect(html).toMatch(/<figure id="versions-worker-scaling" class="chart">[\s\S]*?<svg/);
  });

  test('pool throughput across versions states the unit the headline chart scaled its values to', () => {
    const result = versionsResult(undefined, ['db-pool']);
    const chart = acrossVersionsCharts(result).find((c) => c.id === 'versions-db-pool-throughput');
    type Spec = {
      data: { values: { label: string; series: string; value: number }[] };
      spec: { layer: { encoding: { y: { title: string } } }[] };
    };
    const spec = chart?.spec as Spec;
    const entry = result.results.find(
      (e) => e.runtime === 'bun@1.3.14' && e.case === 'postgres' && e.params.max === 20,
    );
    const point = spec.data.values.find((r) => r.label === 'bun@1.3.14' && r.series === 'postgres (size 20)');
    // 89 328 ops/s is drawn as 89.3: the axis must say k ops/s
    expect(point?.value).toBeCloseTo((entry?.stats?.median ?? 0) / 1000, 6);
    expect(spec.spec.layer.at(-1)?.encoding.y.title).toBe('median throughput (k ops/s)');
  });

  test('none when every runtime has one version', () => {
    expect(acrossVersionsCharts(makeResult({ seed: 1 }))).toEqual([]);
  });
});

describe('compare FILE --runtime A --vs B', () => {
  let path: string;
  beforeAll(() => {
    // eager-tasks only: time per op, so node@22's factor 1.3 is 30% slower
    path = writeResult(tempDir(), 'versions.json', versionsResult(undefined, ['eager-tasks']));
  });
  afterEach(() => vi.restoreAllMocks());

  function capture(): () => string {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args) => void lines.push(args.join(' ')));
    return () => lines.join('\n');
  }

  test('views of one file: the two runtimes relabelled to one name, the rest left out', () => {
    const file: ResultFile = versionsResult();
    const views = versionViews(file, 'node@22', 'node@24', 'f.json');
    expect(views.baseRuntime.label).toBe('node@22.23.3');
    expect(views.headRuntime.label).toBe('node');
    expect(new Set(views.base.results.map((e) => e.runtime))).toEqual(new Set(['node']));
    expect(views.base.results.map((e) => e.key)).toEqual(views.head.results.map((e) => e.key));
    expect(views.base.results).toHaveLength(file.results.filter((e) => e.runtime === 'node@22.23.3').length);
  });

  test('node@22 (30% slower in the fixture) against node 24: faster everywhere, exit 0', async () => {
    const out = capture();
    expect(await compare.run([path, '--runtime', 'node@22', '--vs', 'node@24', '--format', 'json'])).toBe(0);
    const json = JSON.parse(out()) as { rows: { verdict: string }[]; added: unknown[]; removed: unknown[] };
    expect(json.rows).toHaveLength(16);
    expect(json.rows.every((r) => r.verdict === 'faster')).toBe(true);
    expect(json.added).toEqual([]);
  });

  test('the other way round is a regression: exit 1', async () => {
    const out = capture();
    expect(await compare.run([path, '--runtime', 'node', '--vs', 'node@22.23.3'])).toBe(1);
    expect(out()).toContain(`${path} [node@22.23.3 22.23.3]`);
  });

  test('bad runtimes are one-line usage errors', async () => {
    capture();
    await expect(compare.run([path, '--runtime', 'node@20', '--vs', 'node'])).rejects.toThrow(
      /no runtime 'node@20' in .*versions\.json; it has: bun@1\.3\.14, node@26\.10\.0, node@22\.23\.3, node, bun/,
    );
    await expect(compare.run([path, '--runtime', 'node@2', '--vs', 'node'])).rejects.toThrow(UsageError);
    await expect(compare.run([path, '--runtime', 'node'])).rejects.toThrow(/go together/);
    await expect(compare.run([path, path, '--runtime', 'node', '--vs', 'bun'])).rejects.toThrow(/one result file/);
    await expect(compare.run([path, '--runtime', 'node', '--vs', 'node@24'])).rejects.toThrow(/the same runtime/);
  });
});
