/**
 * The statistical test of `compare`, on result entries made for the purpose with realistic noise
 * (between-fork spread larger than within-fork, PITFALLS 15). Seeded, so every rate is reproducible.
 */
import { describe, expect, test } from 'vitest';
import { parsePercent, parseThreshold } from '../../src/cli/compare-emit.js';
import {
  type Comparison,
  compareEntryPairs,
  compareOutcome,
  compareResults,
  DEFAULT_COMPARE_OPTIONS,
  type EntryComparison,
  type Verdict,
} from '../../src/report/compare.js';
import { ROUND_TEST, WELCH_TEST } from '../../src/result/estimator.js';
import { type AbDecision, type ResultEntry, type ResultFile, validateResultFile } from '../../src/result/schema.js';
import { seededRandom } from '../../src/result/stats.js';
import { type CellSpec, makeEntry, makeResult, type Noise, standardCells } from '../fixtures/make-result.js';

const micro: CellSpec = {
  scenario: 's',
  kind: 'micro',
  case: 'c',
  params: {},
  runtime: 'node',
  metric: { name: 'time per op', unit: 'ns', better: 'lower' },
  value: 1000,
};
const throughput: CellSpec = {
  ...micro,
  kind: 'throughput',
  metric: { name: 'throughput', unit: 'ops/s', better: 'higher' },
};

function compareOne(base: ResultEntry, head: ResultEntry): EntryComparison {
  return compareEntryPairs([{ base, head }], DEFAULT_COMPARE_OPTIONS)[0];
}

interface Rates {
  verdicts: Partial<Record<Verdict, number>>;
  /** share of trials whose 95% interval excluded 0 (the test's two-sided level is 5%) */
  significant: number;
}

function trials(cell: CellSpec, noise: Noise, factor: number, count: number, seed: number): Rates {
  const random = seededRandom(seed);
  const verdicts: Rates['verdicts'] = {};
  let significant = 0;
  for (let i = 0; i < count; i++) {
    const base = makeEntry(cell, noise, random);
    const head = makeEntry({ ...cell, value: cell.value * factor }, noise, random);
    // steadiness is judged separately; here the interval alone is under test
    base.steady = true;
    head.steady = true;
    const c = compareOne(base, head);
    verdicts[c.verdict] = (verdicts[c.verdict] ?? 0) + 1;
    if (c.ci && (c.ci.low > 0 || c.ci.high < 0)) significant++;
  }
  return { verdicts, significant: significant / count };
}

describe('false alarms over seeded A/A trials stay at or under the 5% level', () => {
  const cases: [string, Noise][] = [
    ['CI-like noise, 5 forks', { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 5, samplesPerFork: 20 }],
    [
      'PITFALLS 15 micro noise (between-fork CV 25%), 5 forks',
      { betweenForkCv: 0.25, withinForkCv: 0.05, forks: 5, samplesPerFork: 20 },
    ],
    ['few forks (3)', { betweenForkCv: 0.03, withinForkCv: 0.02, forks: 3, samplesPerFork: 20 }],
  ];
  for (const [name, noise] of cases)
    test(name, () => {
      const rates = trials(micro, noise, 1, 400, 11);
      console.info(
        `A/A ${name}: interval excluded 0 in ${(rates.significant * 100).toFixed(1)}%, verdicts`,
        rates.verdicts,
      );
      // nominal 5% two-sided (2.5% a side); 400 trials have a binomial sd of 1.1 points
      expect(rates.significant).toBeLessThanOrEqual(0.075);
      expect((rates.verdicts.slower ?? 0) / 400).toBeLessThanOrEqual(0.04);
    });
});

describe('a real change is found', () => {
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 10, samplesPerFork: 30 };
  test('a 10% slowdown of a time per op is called slower, never faster', () => {
    const rates = trials(micro, noise, 1.1, 40, 5);
    expect(rates.verdicts.slower ?? 0).toBeGreaterThanOrEqual(32);
    expect(rates.verdicts.faster).toBeUndefined();
  });
  test('respects metric.better: 10% fewer ops/s is slower, 10% more is faster', () => {
    expect(trials(throughput, noise, 0.9, 20, 6).verdicts.slower ?? 0).toBeGreaterThanOrEqual(16);
    expect(trials(throughput, noise, 1.1, 20, 7).verdicts.faster ?? 0).toBeGreaterThanOrEqual(16);
  });
  test('a significant change below the threshold is unchanged', () => {
    const rates = trials(
      micro,
      { betweenForkCv: 0.005, withinForkCv: 0.005, forks: 10, samplesPerFork: 30 },
      1.02,
      10,
      8,
    );
    expect(rates.significant).toBeGreaterThan(0.5);
    expect(rates.verdicts.unchanged).toBe(10);
  });
});

describe('cannot judge', () => {
  // each test draws from its own seeded sequence: the same entries whichever tests run, in any order
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 5, samplesPerFork: 30 };
  test('with one fork (no between-process spread to test)', () => {
    const random = seededRandom(3);
    const one = { ...noise, forks: 1 };
    const c = compareOne(makeEntry(micro, one, random), makeEntry({ ...micro, value: 2000 }, one, random));
    expect(c).toMatchObject({ verdict: 'cannot judge', note: expect.stringMatching(/one fork/) });
  });
  test('with a fork median of 0 (a throughput fork with no op), and says so, not "one fork"', () => {
    const random = seededRandom(4);
    const base = makeEntry(throughput, noise, random);
    const head = makeEntry(throughput, noise, random);
    head.forks[0].samples = head.forks[0].samples.map(() => 0);
    const c = compareOne(base, head);
    expect(c).toMatchObject({ verdict: 'cannot judge', note: expect.stringMatching(/a fork median of 0 or less/) });
  });
  test('with a fork median of 0 in A/B pairs: the collapsed pairs are not left out of the test', () => {
    const random = seededRandom(5);
    const paired = (entry: ResultEntry) => ({ ...entry, forks: entry.forks.map((f, pair) => ({ ...f, pair })) });
    const base = paired(makeEntry(throughput, noise, random));
    const head = paired(makeEntry(throughput, noise, random));
    head.forks[3].samples = head.forks[3].samples.map(() => 0);
    head.forks[4].samples = head.forks[4].samples.map(() => 0);
    const c = compareOne(base, head);
    expect(c).toMatchObject({ verdict: 'cannot judge', note: expect.stringMatching(/a fork median of 0 or less/) });
  });
  test('when the interval reaches past the threshold', () => {
    // head = base's forks in reverse order: the differences cancel exactly, so there is nothing to
    // find whatever the seed (two independent draws differ "significantly" in 5% of seeds, as any
    // A/A does), and forks 40% apart leave an interval far wider than the 5% threshold
    for (let seed = 1; seed <= 50; seed++) {
      const base = makeEntry(micro, { ...noise, betweenForkCv: 0.4 }, seededRandom(seed));
      const c = compareOne(base, { ...base, forks: [...base.forks].reverse() });
      expect(c.verdict, `seed ${seed}`).toBe('cannot judge');
      expect(c.note).toMatch(/±\d+%/);
    }
  });
});

test('an interval wholly past the threshold that Holm keeps from significance says so, with its p', () => {
  const noise: Noise = { betweenForkCv: 0.02, withinForkCv: 0.01, forks: 3, samplesPerFork: 5 };
  /** an entry of case `c` whose forks' samples all sit at their fork's median */
  const entry = (c: string, medians: number[]): ResultEntry => {
    const e = makeEntry({ ...micro, case: c }, noise, seededRandom(1));
    return {
      ...e,
      key: `s/${c}//node`,
      forks: e.forks.map((f, i) => ({ ...f, samples: f.samples.map(() => medians[i]) })),
    };
  };
  // about +20% [+10%, +31%], p about 0.007: slower alone, not once 11 entries share the 5%
  const slowed = { base: entry('slowed', [100, 102, 98]), head: entry('slowed', [115, 125, 120]) };
  const alone = compareEntryPairs([slowed])[0];
  expect(alone.verdict).toBe('slower');
  const nulls = Array.from({ length: 10 }, (_, i) => ({
    base: entry(`null${i}`, [100, 102, 98]),
    head: entry(`null${i}`, [98, 100, 102]),
  }));
  const row = compareEntryPairs([slowed, ...nulls])[0];
  expect(row.ci?.low).toBeGreaterThan(0.05);
  expect(row.verdict).toBe('cannot judge');
  expect(row.note).toMatch(
    /^p = 0\.00\d+: past the threshold in its own 95% interval, not significant at 5% family-wise \(Holm over 11 entries\)$/,
  );
});

describe('not slower', () => {
  // a 4% improvement measured with a wide interval: it may be 5% better or more, never 5% worse
  const noise: Noise = { betweenForkCv: 0.04, withinForkCv: 0.01, forks: 5, samplesPerFork: 30 };
  test.each([
    ['lower is better', micro, 0.96],
    ['higher is better', throughput, 1.04],
  ])('%s: the interval reaches past the threshold on the better side only', (_, cell, factor) => {
    const random = seededRandom(8);
    const rows = Array.from({ length: 40 }, () =>
      compareOne(makeEntry(cell, noise, random), makeEntry({ ...cell, value: cell.value * factor }, noise, random)),
    );
    const notSlower = rows.filter((r) => r.verdict === 'not slower');
    expect(notSlower.length).toBeGreaterThan(0);
    const lower = cell.metric.better === 'lower';
    for (const r of notSlower) {
      const ci = r.ci as { low: number; high: number };
      expect(lower ? ci.high : -ci.low).toBeLessThan(0.05);
      expect(lower ? -ci.low : ci.high).toBeGreaterThanOrEqual(0.05);
    }
    expect(compareOutcome({ rows: notSlower } as Comparison, 0).code).toBe(0);
  });
});

test('drift adds a note but never hides a real slowdown', () => {
  const random = seededRandom(12);
  const noise: Noise = { betweenForkCv: 0.02, withinForkCv: 0.01, forks: 5, samplesPerFork: 30 };
  const base = { ...makeEntry(micro, noise, random), steady: false };
  const head = { ...makeEntry({ ...micro, value: 1150 }, noise, random), steady: false };
  expect(compareOne(base, head)).toMatchObject({ verdict: 'slower', note: expect.stringMatching(/drift/) });
});

test('forks that ran as A/B pairs get the paired test', () => {
  const random = seededRandom(13);
  const noise: Noise = { betweenForkCv: 0.2, withinForkCv: 0.01, forks: 6, samplesPerFork: 20 };
  const base = makeEntry(micro, noise, random);
  // head = base fork by fork, 10% slower: the between-fork spread is shared by each pair
  const head: ResultEntry = {
    ...base,
    forks: base.forks.map((f, i) => ({ ...f, pair: i, samples: f.samples.map((x) => x * 1.1) })),
  };
  const paired = compareOne({ ...base, forks: base.forks.map((f, i) => ({ ...f, pair: i })) }, head);
  expect(paired).toMatchObject({ verdict: 'slower', test: expect.stringMatching(/paired/) });
  expect(paired.change).toBeCloseTo(0.1, 5);
  expect(compareOne(base, { ...head, forks: head.forks.map(({ pair: _, ...f }) => f) }).test).toMatch(/Welch/);
});

/** One side of a compare --base session's result files, its forks paired by index. */
function inSession(seed: number, session: string, role: 'base' | 'head', decided?: AbDecision[]): ResultFile {
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.01, forks: 4, samplesPerFork: 10 };
  const result = makeResult({ seed, cells: standardCells(['node'], ['eager-tasks']), noise });
  const ab = { session, role, ref: role, looks: 1, n0: 4, step: 0, nMax: 4, alpha: 0.05, threshold: 0.05 };
  result.config.ab = {
    ...ab,
    orderSeed: 1,
    budgetS: 60,
    looksTaken: 1,
    stopped: 'decided',
    ...(decided && { decided }),
  };
  for (const e of result.results) e.forks = e.forks.map((f, pair) => ({ ...f, pair }));
  return result;
}

test('pair indices pair forks only within one compare --base session', () => {
  const tests = (head: ResultFile) =>
    compareResults(inSession(1, 'x', 'base'), head).rows.flatMap((r) => (r.test ? [r.test] : []));
  const [same, other] = [tests(inSession(2, 'x', 'head')), tests(inSession(2, 'y', 'head'))];
  expect(same.length).toBeGreaterThan(0);
  expect(same.every((t) => /paired/.test(t))).toBe(true);
  expect(other.length).toBe(same.length);
  expect(other.every((t) => /Welch/.test(t))).toBe(true);
});

test('a failed side is not comparable', () => {
  const random = seededRandom(4);
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 3, samplesPerFork: 10 };
  const c = compareOne(
    makeEntry(micro, noise, random),
    makeEntry({ ...micro, status: 'failed', reason: 'boom' }, noise, random),
  );
  expect(c).toMatchObject({ verdict: 'not comparable', note: 'head failed: boom' });
});

test('a changed metric is not comparable, its name included: the same unit can measure another thing', () => {
  const random = seededRandom(6);
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 3, samplesPerFork: 10 };
  const base = makeEntry(micro, noise, random);
  const renamed = { ...makeEntry(micro, noise, random), metric: { ...base.metric, name: 'time per worker start' } };
  expect(compareOne(base, renamed)).toMatchObject({
    verdict: 'not comparable',
    note: expect.stringMatching(/^metric changed from .* to time per worker start in /),
  });
  const flipped = { ...makeEntry(micro, noise, random), metric: { ...base.metric, better: 'higher' as const } };
  expect(compareOne(base, flipped).verdict).toBe('not comparable');
});

test('entries measured on different machines are not comparable unless allowed', () => {
  const random = seededRandom(5);
  const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 3, samplesPerFork: 10 };
  const base = { ...makeEntry(micro, noise, random), machine: 'a' };
  const head = { ...makeEntry(micro, noise, random), machine: 'b' };
  expect(compareOne(base, head)).toMatchObject({
    verdict: 'not comparable',
    note: expect.stringMatching(/different machines/),
  });
  const allowed = compareEntryPairs([{ base, head }], { ...DEFAULT_COMPARE_OPTIONS, allowCrossMachine: true })[0];
  expect(allowed.verdict).not.toBe('not comparable');
});

test("a file from before entries named their machine is on its file's machine: not comparable across machines", () => {
  const cells = standardCells(['node'], ['eager-tasks']);
  const [base, head] = [1, 2].map((seed) => makeResult({ seed, cells }));
  Object.assign(base.machine, { id: 'machine-a' });
  Object.assign(head.machine, { id: 'machine-b' });
  for (const e of [...base.results, ...head.results]) delete e.machine;
  const { rows } = compareResults(base, head);
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows)
    expect(r).toMatchObject({ verdict: 'not comparable', note: expect.stringMatching(/different machines/) });
});

test('a case base measured and head skips is named in a warning: within --max-unjudged it passes', () => {
  const cells = standardCells(['node'], ['eager-tasks']);
  const [base, head] = [1, 2].map((seed) => makeResult({ seed, cells }));
  const skipped = head.results[0] as ResultEntry;
  Object.assign(skipped, { status: 'skipped', reason: 'ctx.skip: not on this runtime' });
  const { warnings } = compareResults(base, head);
  expect(warnings).toContain(
    `measured in base, skipped in head, so not judged: ${skipped.key} (ctx.skip: not on this runtime)`,
  );
  expect(compareResults(base, base).warnings.join('\n')).not.toMatch(/skipped in head/);
});

test('a verdict a look of the session reached stands, though the files judged at the end rank it otherwise', () => {
  const base = inSession(1, 'x', 'base');
  const plain = compareResults(base, inSession(2, 'x', 'head'));
  const key = plain.rows[0].key;
  expect(plain.rows[0].verdict).not.toBe('slower');
  const decided: AbDecision[] = [{ key, verdict: 'slower', look: 1 }];
  const kept = compareResults(base, inSession(2, 'x', 'head', decided));
  expect(kept.rows[0]).toMatchObject({
    key,
    verdict: 'slower',
    note: expect.stringMatching(/^slower at look 1, which ended its pairs/),
  });
  expect(kept.rows.slice(1).map((r) => r.verdict)).toEqual(plain.rows.slice(1).map((r) => r.verdict));
  expect(compareOutcome(kept, 1).code).toBe(1);
  // judged with a threshold of its own, it is another question than the session's
  const asked = compareResults(base, inSession(2, 'x', 'head', decided), { threshold: 0.2 });
  expect(asked.rows[0].verdict).not.toBe('slower');
  // another session's decisions are not this pair's
  expect(compareResults(inSession(1, 'y', 'base'), inSession(2, 'x', 'head', decided)).rows[0].verdict).not.toBe(
    'slower',
  );
});

test("a session's decisions stand for its base against its head only: not a file against itself, nor head against base", () => {
  const base = inSession(1, 'x', 'base');
  const key = base.results[0].key;
  const decided: AbDecision[] = [{ key, verdict: 'slower', look: 1 }];
  const head = inSession(2, 'x', 'head', decided);
  for (const f of [base, head]) f.config.ab = { ...f.config.ab, decided } as NonNullable<ResultFile['config']['ab']>;
  for (const file of [base, head]) {
    const aa = compareResults(file, file);
    expect(aa.rows[0]).toMatchObject({ key, verdict: 'unchanged', note: 'identical samples' });
    expect(compareOutcome(aa, 0.1).code).toBe(0);
  }
  const swapped = compareResults(head, base).rows[0];
  expect(swapped.key).toBe(key);
  expect(swapped.verdict).not.toBe('slower');
  expect(swapped.note ?? '').not.toMatch(/at look/);
});

test("a session's design states its threshold as given: 0.05% is not '0.1%'", () => {
  const [base, head] = [inSession(1, 'x', 'base'), inSession(2, 'x', 'head')];
  for (const f of [base, head]) if (f.config.ab) f.config.ab.threshold = 0.0005;
  expect(compareResults(base, head).design).toMatch(/threshold 0\.05%$/);
});

test("a session's decisions that are not {key, verdict, look} refuse the file", () => {
  const file = inSession(2, 'x', 'head');
  for (const decided of [{}, [{ key: 'k', verdict: 'worse', look: 1 }], [{ key: 'k', verdict: 'slower', look: 0 }]]) {
    const hostile = JSON.parse(JSON.stringify(file));
    hostile.config.ab.decided = decided;
    expect(() => validateResultFile(hostile)).toThrow(/config\.ab\.decided/);
  }
  const looks = JSON.parse(JSON.stringify(file));
  looks.config.ab.looks = -1;
  expect(() => validateResultFile(looks)).toThrow(/config\.ab\.looks is -1/);
});

test("a session's design that is not whole refuses the file: compare states it", () => {
  const file = inSession(2, 'x', 'head');
  expect(() => validateResultFile(JSON.parse(JSON.stringify(file)))).not.toThrow();
  const hostile: [string, unknown, RegExp][] = [
    ['role', 'other', /config\.ab\.role is "other", not 'base' or 'head'/],
    ['pairs', 'both', /config\.ab\.pairs is "both"/],
    ['n0', 0, /config\.ab\.n0 is 0, not a whole number >= 1/],
    ['nMax', undefined, /config\.ab\.nMax is undefined/],
    ['step', 1.5, /config\.ab\.step is 1\.5/],
    ['looksTaken', -1, /config\.ab\.looksTaken is -1/],
    ['stopped', 3, /config\.ab\.stopped is 3, not a string/],
    ['budgetS', 'long', /config\.ab\.budgetS is "long"/],
  ];
  for (const [field, value, message] of hostile) {
    const copy = JSON.parse(JSON.stringify(file));
    copy.config.ab[field] = value;
    expect(() => validateResultFile(copy), field).toThrow(message);
  }
});

test('exit codes: 1 for a regression, 3 when too much cannot be judged or nothing can, else 0', () => {
  const entry = (status: ResultEntry['status']) => ({ status }) as ResultEntry;
  const row = (verdict: Verdict, status: ResultEntry['status'] = 'ok') =>
    ({ verdict, base: entry(status), head: entry(status) }) as EntryComparison;
  const of = (...rows: EntryComparison[]) => ({ rows }) as Comparison;
  const code = (comparison: Comparison, maxUnjudged: number) => compareOutcome(comparison, maxUnjudged).code;
  expect(code(of(row('unchanged'), row('slower'), row('cannot judge')), 0.1)).toBe(1);
  expect(compareOutcome(of(row('unchanged'), row('unchanged'), row('cannot judge')), 0.1)).toEqual({
    code: 3,
    why: '1 of 3 entries could not be judged, more than --max-unjudged 10%: no verdict (exit 3)',
  });
  expect(code(of(row('unchanged'), row('faster'), row('cannot judge')), 0.5)).toBe(0);
  expect(code(of(...Array.from({ length: 10 }, () => row('unchanged')), row('not comparable')), 0.1)).toBe(0);
  // cells skipped on both sides were never to be measured: they do not count against the verdict
  const skipped = row('not comparable', 'skipped');
  expect(code(of(row('unchanged'), row('unchanged'), row('unchanged'), skipped), 0.1)).toBe(0);
  expect(code(of(row('unchanged'), { ...skipped, head: entry('ok') }), 0.1)).toBe(3);
  // nothing measured on both sides is no verdict, not a pass
  expect(compareOutcome(of(), 0.1)).toMatchObject({ code: 3, why: expect.stringMatching(/nothing to judge/) });
  expect(code(of(skipped), 0.1)).toBe(3);
  // --max-unjudged 100: entries that cannot be judged never make it exit 3 by themselves
  expect(code(of(row('cannot judge'), row('cannot judge')), parsePercent('100', '--max-unjudged', 0.1))).toBe(0);
  // ... unless one measured slower by the threshold or more: evidence, not noise the allowance covers
  // (a review found +13.6% [+5.9%, +21.9%], p = 0.0015 before Holm over 18 entries, passing with exit 0)
  const metric = (better: 'lower' | 'higher') => ({ name: 'm', unit: 'ns', better });
  const measured = (change: number, better: 'lower' | 'higher' = 'lower') =>
    ({
      ...row('cannot judge'),
      key: `k${change}`,
      change,
      head: { status: 'ok', metric: metric(better) },
    }) as EntryComparison;
  const judged = (...rows: EntryComparison[]) => ({ ...of(...rows), options: { threshold: 0.05 } }) as Comparison;
  const quiet = Array.from({ length: 17 }, () => row('unchanged'));
  expect(compareOutcome(judged(...quiet, measured(0.136)), 0.1)).toEqual({
    code: 3,
    why: 'k0.136: measured slower by the 5% threshold or more, not significantly: no verdict whatever --max-unjudged allows (exit 3)',
  });
  expect(code(judged(...quiet, measured(-0.2, 'higher')), 1)).toBe(3);
  expect(code(judged(...quiet, measured(0.04)), 0.1)).toBe(0);
  expect(code(judged(...quiet, measured(0.2, 'higher')), 0.1)).toBe(0);
  // no test (a throughput fork median of 0): its sides' centres tell how much worse it measured
  const centres = (base: number, head: number, forks: number) =>
    ({
      ...row('cannot judge'),
      key: `centres ${forks}`,
      base: { status: 'ok', stats: { median: base, forks } },
      head: { status: 'ok', stats: { median: head, forks }, metric: metric('higher') },
    }) as EntryComparison;
  expect(code(judged(...quiet, centres(1000, 0, 3)), 0.1)).toBe(3);
  // one fork a side is no evidence either way (`--quick`): the allowance covers it, as before
  expect(code(judged(...quiet, centres(1000, 900, 1)), 0.1)).toBe(0);
  // a case measured in base that fails or times out in head is broken by the change: exit 1
  const broken = (status: ResultEntry['status']) =>
    ({ ...row('not comparable'), key: 'k', head: entry(status) }) as EntryComparison;
  for (const status of ['failed', 'timeout'] as const)
    expect(compareOutcome(of(...Array.from({ length: 10 }, () => row('unchanged')), broken(status)), 0.1)).toEqual({
      code: 1,
      why: `k (head ${status}): measured in base, not in head (exit 1)`,
    });
  // ... but with nothing measured on both sides there is no verdict, whatever it allows
  expect(
    code(of(row('not comparable', 'failed'), { ...row('not comparable', 'timeout'), head: entry('failed') }), 1),
  ).toBe(3);
  for (const bad of ['100.5', '-1', 'x', '', '0x10', '1e1', '-0', 'Infinity'])
    expect(() => parsePercent(bad, '--max-unjudged', 0.1)).toThrow(/between 0 and 100/);
  for (const [good, fraction] of [
    ['5%', 0.05],
    ['5 %', 0.05],
    ['.5', 0.005],
    ['100', 1],
    ['0', 0],
  ] as const)
    expect(parsePercent(good, '--max-unjudged', 0.1)).toBe(fraction);
  expect(() => parseThreshold('0', 0.05)).toThrow(/--threshold takes a percentage above 0/);
});

describe('whole-file A/A comparisons (family-wise: any faster/slower in the file counts)', () => {
  test('call nothing faster or slower in at most 5% of seeded trials', () => {
    const cells = standardCells(['node', 'bun'], ['eager-tasks', 'workers']);
    const noise: Noise = { betweenForkCv: 0.05, withinForkCv: 0.02, forks: 5, samplesPerFork: 20 };
    const trialsCount = 40;
    let alarms = 0;
    for (let i = 0; i < trialsCount; i++) {
      const base = makeResult({ seed: 100 + i, cells, noise });
      const head = makeResult({ seed: 900 + i, cells, noise });
      const { rows } = compareResults(base, head);
      if (rows.some((r) => r.verdict === 'slower' || r.verdict === 'faster')) alarms++;
    }
    console.info(
      `whole-file A/A (${cells.length} entries): ${alarms} of ${trialsCount} trials called anything faster or slower`,
    );
    expect(alarms / trialsCount).toBeLessThanOrEqual(0.05);
  });
});

describe('two runtimes of one run (compare FILE --runtime A --vs B)', () => {
  // fork k of both sides ran in round k: each round moves both by a shared factor (30% between
  // rounds), while each fork's own noise is 2%; both entries carry the run's large run-to-run spread
  const noise: Noise = { betweenForkCv: 0.02, withinForkCv: 0.01, forks: 8, samplesPerFork: 20 };
  const runSpread = { variance: 0.3 ** 2, df: 9, runs: 10, cells: 4 };
  function oneRun(random: () => number, factor: number): { base: ResultEntry; head: ResultEntry } {
    const rounds = Array.from({ length: noise.forks }, () => Math.exp(0.3 * (random() * 2 - 1) * Math.sqrt(3)));
    const [base, head] = [1, factor].map((f) => {
      const entry = makeEntry({ ...micro, value: micro.value * f }, noise, random);
      entry.forks = entry.forks.map((fork, k) => ({ ...fork, samples: fork.samples.map((s) => s * rounds[k]) }));
      entry.steady = true;
      if (entry.stats) entry.stats.ci.sessions = runSpread;
      return entry;
    });
    return { base, head };
  }
  const judged = (pair: { base: ResultEntry; head: ResultEntry }, one: boolean) =>
    compareEntryPairs([pair], { ...DEFAULT_COMPARE_OPTIONS, oneRun: one })[0];

  test('are paired by round: a 10% slowdown under 30% round-to-round swings is found', () => {
    const pair = oneRun(seededRandom(41), 1.1);
    const paired = judged(pair, true);
    expect(paired).toMatchObject({ verdict: 'slower', test: ROUND_TEST, n: noise.forks });
    // as two separate runs, the swings and the run-to-run spread hide it
    expect(judged(pair, false).verdict).toBe('cannot judge');
  });

  test('pair only forks that both sides ran: a failed fork drops its round', () => {
    const pair = oneRun(seededRandom(42), 1.1);
    pair.head.forks[3] = { status: 'failed', reason: 'crashed', samples: [], wallMs: 5 };
    expect(judged(pair, true)).toMatchObject({ test: ROUND_TEST, n: noise.forks - 1 });
  });

  test('unequal fork counts fall back to Welch without the run-to-run spread (both sides share it)', () => {
    const pair = oneRun(seededRandom(43), 1);
    pair.head.forks.pop();
    const welch = judged(pair, true);
    expect(welch.test).toBe(WELCH_TEST);
    expect(judged(pair, false).test).toMatch(/run-to-run|runs/);
  });

  test('call an A/A pair faster or slower in at most 5% of seeded trials', () => {
    const random = seededRandom(44);
    let alarms = 0;
    for (let i = 0; i < 400; i++) {
      const verdict = judged(oneRun(random, 1), true).verdict;
      if (verdict === 'slower' || verdict === 'faster') alarms++;
    }
    expect(alarms / 400).toBeLessThanOrEqual(0.05);
  });
});
