import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import compare from '../../src/cli/compare.js';
import { UsageError } from '../../src/result/errors.js';
import { entryKey, type ResultFile } from '../../src/result/schema.js';
import { makeResult, standardCells } from '../fixtures/make-result.js';
import { writeResult } from '../fixtures/result-files.js';
import { tempDir } from '../support/temp.js';

const cells = standardCells(['node', 'bun'], ['eager-tasks', 'db-pool']);
// the spread of a quiet machine with pinned seeds: ten forks resolve a 5% threshold
const noise = { betweenForkCv: 0.02, withinForkCv: 0.01, forks: 10, samplesPerFork: 40 };
let dir: string;
let base: string;
let same: string;
let slowed: string;

beforeAll(() => {
  dir = tempDir();
  base = writeResult(dir, 'base.json', makeResult({ seed: 1, cells, noise }));
  same = writeResult(dir, 'same.json', makeResult({ seed: 2, cells, noise }));
  // the macrotask case on node deliberately 20% slower
  slowed = writeResult(
    dir,
    'slowed.json',
    makeResult({ seed: 3, cells, noise, change: (c) => (c.case === 'macrotask' && c.runtime === 'node' ? 1.2 : 1) }),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/**
 * The fields of the compare@1 section's tables in docs/result-schema.md, each with whether its row
 * says it may be absent: the first cell's code spans name them (`base.path`, `rows[].key`).
 */
function documentedCompareFields(): Map<string, boolean> {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'result-schema.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## `compare --format json`'));
  const fields = new Map<string, boolean>();
  for (const line of section.split('\n').filter((l) => l.startsWith('|'))) {
    const [, first, ...rest] = line.split('|');
    for (const [, name] of first.matchAll(/`([^`]+)`/g)) fields.set(name, /\babsent\b/.test(rest.join('|')));
  }
  return fields;
}

/** The file's node as another `--runtime` spec labels it: `label`, at `version`. */
function nodeAs(file: ResultFile, label: string, version: string): ResultFile {
  const relabel = (l: string) => (l === 'node' ? label : l);
  return {
    ...file,
    runtimes: file.runtimes.map((r) => (r.label === 'node' ? { ...r, label, version } : r)),
    results: file.results.map((e) => ({
      ...e,
      runtime: relabel(e.runtime),
      key: entryKey(e.scenario, e.case, e.params, relabel(e.runtime)),
    })),
  };
}

function capture(): () => string {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args) => void lines.push(args.join(' ')));
  return () => lines.join('\n');
}

describe('asyncbench compare', () => {
  test('a file with itself exits 0 with nothing slower', async () => {
    const out = capture();
    expect(await compare.run([base, base])).toBe(0);
    expect(out()).toMatch(/0 slower/);
  });

  test('two runs of the same code exit 0', async () => {
    const out = capture();
    expect(await compare.run([base, same, '--format', 'md'])).toBe(0);
    expect(out()).toMatch(/^## asyncbench compare/);
  });

  test('a param or a reason with a line break keeps its row of the text table on one line', async () => {
    const odd = [
      { ...cells[0], params: { mode: 'a\nb' } },
      { ...cells[1], status: 'failed' as const, reason: 'Error: boom\n    at x' },
    ];
    const [a, b] = [1, 2].map((seed) => writeResult(dir, `odd-${seed}.json`, makeResult({ seed, cells: odd, noise })));
    const out = capture();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await compare.run([a, b]);
    const rows = out()
      .split('\n')
      .filter((line) => /^(unchanged|not slower|cannot judge|not comparable|slower|faster)\b/.test(line));
    expect(rows).toHaveLength(2);
    expect(rows.join('\n')).toMatch(/eager-tasks\/\S+ \(mode=a b\) \[node\] /);
    expect(rows.join('\n')).toMatch(/base failed: Error: boom {5}at x$/m);
  });

  test('too many entries that cannot be judged exit 3, not 0', async () => {
    const noisy = makeResult({ seed: 5, cells, noise: { ...noise, betweenForkCv: 0.3, forks: 3 } });
    capture();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await compare.run([base, writeResult(dir, 'noisy.json', noisy)])).toBe(3);
    // noisy entries: some measured 5% slower or more too, which is no verdict by itself
    expect(err.mock.calls.join('\n')).toMatch(/could not be judged|not significantly: no verdict/);
  });

  test('a deliberately slowed case is called slower and exits 1', async () => {
    const out = capture();
    expect(await compare.run([base, slowed, '--format', 'json'])).toBe(1);
    const json = JSON.parse(out());
    const slower = json.rows
      .filter((r: { verdict: string }) => r.verdict === 'slower')
      .map((r: { key: string }) => r.key);
    expect(slower.length).toBeGreaterThan(0);
    expect(slower.every((k: string) => k.includes('/macrotask/') && k.endsWith('/node'))).toBe(true);
  });

  test('--format json emits the fields docs/result-schema.md documents, and only those', async () => {
    const out = capture();
    await compare.run([base, slowed, '--format', 'json']);
    const json = JSON.parse(out());
    const emitted = new Set<string>();
    for (const [key, value] of Object.entries(json)) {
      if (key === 'base' || key === 'head') for (const k of Object.keys(value as object)) emitted.add(`${key}.${k}`);
      else if (key === 'rows')
        for (const row of value as object[]) for (const k of Object.keys(row)) emitted.add(`rows[].${k}`);
      else emitted.add(key);
    }
    const documented = documentedCompareFields();
    expect([...emitted].filter((f) => !documented.has(f))).toEqual([]);
    const always = [...documented].filter(([f, optional]) => !optional && !f.endsWith('[]')).map(([f]) => f);
    expect(always.filter((f) => !emitted.has(f))).toEqual([]);
  });

  test('a threshold above the slowdown lets it pass', async () => {
    capture();
    expect(await compare.run([base, slowed, '--threshold', '30'])).toBe(0);
  });

  test('the legend states the threshold given: 0.05 (percent) is not printed as 0.1%', async () => {
    for (const [given, shown] of [
      ['0.05', '0.05%'],
      ['5%', '5%'],
      ['12.5', '12.5%'],
    ]) {
      const out = capture();
      await compare.run([base, base, '--threshold', given]);
      expect(out()).toContain(`Threshold ${shown}: `);
      vi.restoreAllMocks();
    }
  });

  test('appends the Markdown table to GITHUB_STEP_SUMMARY', async () => {
    capture();
    const summary = join(dir, 'summary.md');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summary);
    await compare.run([base, slowed]);
    expect(readFileSync(summary, 'utf8')).toMatch(/\| 🔴 slower \| eager-tasks\/macrotask/);
  });

  test('added and removed entries are listed, and machine differences warned about', async () => {
    const head = makeResult({ seed: 4, cells: standardCells(['node', 'deno'], ['eager-tasks']) });
    head.machine = { ...head.machine, cores: 16 };
    const out = capture();
    await compare.run([base, writeResult(dir, 'other.json', head)]);
    expect(out()).toMatch(/warning: different machines/);
    expect(out()).toMatch(/added: {3}eager-tasks\/eager \(hitRatio=0, tasks=1000\) \[deno\]/);
    expect(out()).toMatch(/removed: db-pool/);
  });

  test('a config that moves the figures is warned about: a pinned CPU, another engine', async () => {
    const head = makeResult({ seed: 2, cells, noise });
    head.config.pinCpu = 1;
    head.config.engine = 'tinybench';
    const out = capture();
    await compare.run([base, writeResult(dir, 'other-config.json', head)]);
    expect(out()).toMatch(/warning: config 'pinCpu' differs: base none, head 1/);
    expect(out()).toMatch(/warning: config 'engine' differs: base mitata, head tinybench/);
  });

  test('two separate runs without a run-to-run spread are warned about; with one, not', async () => {
    let out = capture();
    await compare.run([base, same]);
    expect(out()).toMatch(
      /warning: two separate runs, neither with a run-to-run spread \(earlier runs .*run --sessions\)/,
    );
    const head = makeResult({ seed: 2, cells, noise });
    head.config.sessions = { files: ['a.json', 'b.json'], spread: { variance: 0.001, df: 1, runs: 2, cells: 8 } };
    out = capture();
    await compare.run([base, writeResult(dir, 'with-spread.json', head)]);
    expect(out()).not.toMatch(/neither with a run-to-run spread/);
  });

  test('one build under two labels (--runtime node, then node@24) is matched, and said so', async () => {
    const head = nodeAs(JSON.parse(readFileSync(slowed, 'utf8')), 'node@24.1.0', '24.1.0');
    const out = capture();
    expect(await compare.run([base, writeResult(dir, 'node-by-spec.json', head)])).toBe(1);
    expect(out()).toMatch(/warning: runtime 'node' in base matched 'node@24.1.0' in head: same node 24.1.0/);
    expect(out()).toMatch(/slower .*eager-tasks\/macrotask .*\[node@24\.1\.0\]/);
    expect(out()).not.toMatch(/added:|removed:/);
  });

  test('another version under another label stays unmatched: added and removed, no note', async () => {
    const head = nodeAs(makeResult({ seed: 2, cells, noise }), 'node@22.23.3', '22.23.3');
    const out = capture();
    await compare.run([base, writeResult(dir, 'node-22.json', head)]);
    expect(out()).not.toMatch(/matched/);
    expect(out()).toMatch(/added: {3}eager-tasks\/eager \(hitRatio=0, tasks=1000\) \[node@22\.23\.3\]/);
    expect(out()).toMatch(/removed: eager-tasks\/eager \(hitRatio=0, tasks=1000\) \[node\]/);
  });

  test('bad input is a one-line UsageError (exit 2)', async () => {
    const broken = writeResult(dir, 'broken.json', '{"schema":"something/else"}');
    await expect(compare.run([base, broken])).rejects.toThrow(UsageError);
    await expect(compare.run([base, broken])).rejects.toThrow(/^[^\n]*schema is "something\/else"[^\n]*$/);
    await expect(compare.run([base, join(dir, 'missing.json')])).rejects.toThrow(/cannot read/);
    await expect(compare.run([base])).rejects.toThrow(/exactly two/);
    await expect(compare.run([base, base, '--format', 'xml'])).rejects.toThrow(/--format/);
    // a flag of compare --base without --base: where it belongs, not "Unknown option"
    await expect(compare.run([base, same, '--budget', '5m'])).rejects.toThrow(
      /^--budget goes with --base REF \(compare --base\); comparing result files does not take it$/,
    );
    await expect(compare.run(['--head=HEAD', base, same])).rejects.toThrow(/^--head goes with --base REF/);
    await expect(compare.run([base, same, '--bogus'])).rejects.toThrow(/Unknown option '--bogus'/);
    await expect(compare.run([base, base, '--threshold', 'lots'])).rejects.toThrow(/--threshold/);
  });
});
