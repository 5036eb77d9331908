/**
 * The verdicts of `asyncbench compare`: entries of two result files are matched by key
 * (scenario/case/params/runtime); each pair gets the change of its centre with an interval and a
 * p-value from the one estimator (src/result/estimator.ts), and a verdict. Forks that ran as A/B
 * pairs (`compare --base`) get the paired test; other files the unpaired one.
 */
import {
  forkMedians,
  holmRejects,
  PAIRED_TEST,
  pairedRatio,
  type RatioTest,
  ROUND_TEST,
  WELCH_TEST,
  welchRatio,
  YUEN_TEST,
} from '../result/estimator.js';
import {
  type AbConfig,
  type AbDecision,
  entriesOnMachine,
  entryKey,
  type ForkRecord,
  type ResultEntry,
  type ResultFile,
  type RuntimeInfo,
} from '../result/schema.js';
import { median } from '../result/stats.js';
import { describeMachine } from './format.js';

export type Verdict = 'slower' | 'faster' | 'unchanged' | 'not slower' | 'cannot judge' | 'not comparable';

export interface CompareOptions {
  /** smallest change that counts, as a fraction (0.05 = 5%) */
  threshold: number;
  /** family-wise chance of any false faster/slower over all entries */
  alpha: number;
  /** interim looks of a sequential design: each look spends alpha / looks (Bonferroni over looks) */
  looks: number;
  /** judge entries that ran on different machines anyway */
  allowCrossMachine: boolean;
  /**
   * base and head are two runtimes of one run (compare FILE --runtime A --vs B): fork k of each
   * cell ran in round k, back to back, and the run's shift is in both sides
   */
  oneRun: boolean;
  /**
   * forks with the same `pair` index ran as an A/B pair: true unless the two files are of different
   * compare --base sessions, whose pair indices name pairs of different sessions
   */
  abPairs: boolean;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = {
  threshold: 0.05,
  alpha: 0.05,
  looks: 1,
  allowCrossMachine: false,
  oneRun: false,
  abPairs: true,
};

/** Level of the interval printed beside each entry. */
const LEVEL = 0.95;

export interface EntryComparison {
  key: string;
  base: ResultEntry;
  head: ResultEntry;
  /** head centre / base centre - 1, in the metric's own terms (positive = the number grew) */
  change?: number;
  /** 95% interval of `change` */
  ci?: { low: number; high: number; level: number };
  /** two-sided p-value of "no change", before the correction over entries */
  p?: number;
  /** smallest change this entry could detect with 80% power at the corrected level */
  detectable?: number;
  /** A/B pairs behind a paired test; forks of the smaller side behind an unpaired one */
  n?: number;
  test?: string;
  verdict: Verdict;
  note?: string;
}

export interface Comparison {
  rows: EntryComparison[];
  added: ResultEntry[];
  removed: ResultEntry[];
  warnings: string[];
  options: CompareOptions;
  test: string;
  /** the A/B session both files came from (compare --base): its design and how it went */
  design?: string;
}

export const TEST_NAME = `${YUEN_TEST} where forks ran as pairs (the A/B pairs of compare --base; with --runtime A --vs B, fork k of each, both in round k), else ${WELCH_TEST}; Holm-corrected over all entries`;

const isOk = (f: ForkRecord | undefined): f is ForkRecord => f?.status === 'ok' && f.samples.length > 0;

function okForks(entry: ResultEntry): ForkRecord[] {
  return entry.forks.filter(isOk);
}

interface Pairing {
  pairs: { base: number; head: number }[];
  test: string;
}

/**
 * Forks that ran back to back: twins of one A/B session, matched by their pair index; or, with
 * `oneRun`, fork k of each side, which ran in round k of the run (a cell's runtimes run one after
 * the other within a round, src/harness/plan.ts, and a shard holds all of them).
 */
function pairsOf(base: ResultEntry, head: ResultEntry, oneRun: boolean, abPairs = true): Pairing | undefined {
  const headByPair = new Map(okForks(head).flatMap((f) => (f.pair === undefined ? [] : [[f.pair, f] as const])));
  const twins = okForks(base).flatMap((b) => {
    const h = b.pair === undefined || !abPairs ? undefined : headByPair.get(b.pair);
    return h ? [{ base: median(b.samples), head: median(h.samples) }] : [];
  });
  if (twins.length >= 2) return { pairs: twins, test: PAIRED_TEST };
  if (!oneRun || base.forks.length !== head.forks.length) return undefined;
  const rounds = base.forks.flatMap((b, k) => {
    const h = head.forks[k];
    return isOk(b) && isOk(h) ? [{ base: median(b.samples), head: median(h.samples) }] : [];
  });
  return rounds.length >= 2 ? { pairs: rounds, test: ROUND_TEST } : undefined;
}

/** The paired test when the forks are pairs, the unpaired one otherwise; undefined with one fork a side. */
export function testEntries(
  base: ResultEntry,
  head: ResultEntry,
  alpha: number,
  oneRun = false,
  abPairs = true,
): RatioTest | undefined {
  const paired = pairsOf(base, head, oneRun, abPairs);
  if (paired) return pairedRatio(paired.pairs, LEVEL, alpha, paired.test);
  // two runs: each moved with its machine, by the spread of earlier runs where one of them was told
  // it; two runtimes of one run share its shift, so the spread is not added to either
  return welchRatio(
    okForks(base).map((f) => f.samples),
    okForks(head).map((f) => f.samples),
    LEVEL,
    alpha,
    oneRun ? undefined : (head.stats?.ci.sessions ?? base.stats?.ci.sessions),
  );
}

function notComparable(base: ResultEntry, head: ResultEntry, options: CompareOptions): string | undefined {
  if (base.status !== 'ok' || !base.stats) return `base ${base.status}${base.reason ? `: ${base.reason}` : ''}`;
  if (head.status !== 'ok' || !head.stats) return `head ${head.status}${head.reason ? `: ${head.reason}` : ''}`;
  const [was, is] = [base.metric, head.metric];
  if (was.name !== is.name || was.unit !== is.unit || was.better !== is.better)
    return `metric changed from ${was.name} in ${was.unit} (${was.better} is better) to ${is.name} in ${is.unit} (${is.better} is better)`;
  if (!options.allowCrossMachine && base.machine && head.machine && base.machine !== head.machine)
    return 'different machines (--allow-cross-machine to judge anyway)';
  return undefined;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0)}%`;
}

/** A percentage the user gave (--threshold): as given, to 3 significant digits; 0.05% is not '0.1%'. */
export function givenPercent(x: number): string {
  return `${Number((x * 100).toPrecision(3))}%`;
}

/**
 * Verdict rules, for an entry whose test exists:
 * - slower/faster: significant after the correction over entries (Holm), and the change is at
 *   least the threshold; drift of either side adds a note but never hides the change;
 * - unchanged: the interval lies within ±threshold (a significant change below it says so);
 * - not slower: the interval reaches past the threshold on the better side only. The gate asks
 *   one question, "did it get slower by the threshold or more?", and this answers it: no;
 * - cannot judge: the interval still reaches past the threshold on the worse side, so more forks
 *   are needed; or it lies wholly past it, the entry's own 95%, but the change is not significant
 *   once corrected over the entries (and looks).
 */
function judge(
  test: RatioTest,
  significant: boolean,
  better: ResultEntry['metric']['better'],
  threshold: number,
  family: { entries: number; looks: number; alpha: number },
): Pick<EntryComparison, 'verdict' | 'note'> {
  if (significant && Math.abs(test.change) >= threshold) {
    const improved = test.change > 0 === (better === 'higher');
    return { verdict: improved ? 'faster' : 'slower' };
  }
  if (test.low > -threshold && test.high < threshold)
    return significant || test.low > 0 || test.high < 0
      ? { verdict: 'unchanged', note: `a change below the ${givenPercent(threshold)} threshold` }
      : { verdict: 'unchanged' };
  // the far end of the interval on the worse side, as a loss: -low where higher is better
  const worst = better === 'higher' ? -test.low : test.high;
  if (worst < threshold)
    return {
      verdict: 'not slower',
      note: `could be faster by up to ${percent(better === 'higher' ? test.high : -test.low)}, no slower than the threshold`,
    };
  // the near end of the interval on the worse side: past the threshold too, only the correction
  // over entries (and looks) keeps the change from being significant; the printed interval is the
  // entry's own 95%, uncorrected, so "it reaches past the threshold" would not be what it shows
  const nearest = better === 'higher' ? -test.high : test.low;
  if (nearest >= threshold) {
    const looks = family.looks > 1 ? `, alpha split over ${family.looks} looks` : '';
    return {
      verdict: 'cannot judge',
      note: `p = ${test.p.toPrecision(2)}: past the threshold in its own 95% interval, not significant at ${givenPercent(family.alpha)} family-wise (Holm over ${family.entries} entries${looks})`,
    };
  }
  const half = (test.high - test.low) / 2;
  return { verdict: 'cannot judge', note: `±${percent(half)}: the interval reaches past the threshold` };
}

/** A file compared with itself: the very same measurements are no change, whatever their forks. */
function sameSamples(base: ResultEntry, head: ResultEntry): boolean {
  const a = okForks(base);
  const b = okForks(head);
  return (
    a.length === b.length &&
    a.every((f, i) => f.samples.length === b[i].samples.length && f.samples.every((x, j) => x === b[i].samples[j]))
  );
}

function driftNote(base: ResultEntry, head: ResultEntry): string | undefined {
  const sides = [base.steady === false ? 'base' : '', head.steady === false ? 'head' : ''].filter(Boolean);
  return sides.length ? `${sides.join(' and ')} samples drift (not steady)` : undefined;
}

function joinNotes(...notes: (string | undefined)[]): string | undefined {
  const kept = notes.filter(Boolean);
  return kept.length ? kept.join('; ') : undefined;
}

/** Why two entries have no test: too few forks, or a fork median the log-scale test cannot take. */
function untestedBecause(base: ResultEntry, head: ResultEntry): string {
  const medians = [base, head].map((e) => forkMedians(okForks(e).map((f) => f.samples)));
  if (medians.some((m) => m.length < 2)) return 'one fork a side: no between-process spread to test';
  return 'a fork median of 0 or less: the test of ratios (on logs) cannot take it';
}

/** Compares matched entries together: the correction over entries needs every p-value at once. */
export function compareEntryPairs(
  matched: readonly { base: ResultEntry; head: ResultEntry }[],
  options: CompareOptions = DEFAULT_COMPARE_OPTIONS,
): EntryComparison[] {
  const alpha = options.alpha / options.looks;
  const tested = matched.map(({ base, head }) => {
    const reason = notComparable(base, head, options);
    const pairs = pairsOf(base, head, options.oneRun, options.abPairs)?.pairs.length;
    const n = pairs ?? Math.min(okForks(base).length, okForks(head).length);
    const test = reason ? undefined : testEntries(base, head, alpha / matched.length, options.oneRun, options.abPairs);
    return { base, head, reason, n, test };
  });
  const withTest = tested.filter((t) => t.test);
  const rejects = holmRejects(
    withTest.map((t) => t.test?.p ?? 1),
    alpha,
  );
  const significant = new Map(withTest.map((t, i) => [t, rejects[i]]));
  return tested.map((t) => {
    const row = { key: t.head.key, base: t.base, head: t.head };
    if (t.reason) return { ...row, verdict: 'not comparable', note: t.reason };
    if (sameSamples(t.base, t.head)) return { ...row, change: 0, verdict: 'unchanged', note: 'identical samples' };
    if (!t.test) return { ...row, verdict: 'cannot judge', note: untestedBecause(t.base, t.head) };
    const family = { entries: withTest.length, looks: options.looks, alpha: options.alpha };
    const { verdict, note } = judge(
      t.test,
      significant.get(t) ?? false,
      t.head.metric.better,
      options.threshold,
      family,
    );
    return {
      ...row,
      change: t.test.change,
      ci: { low: t.test.low, high: t.test.high, level: t.test.level },
      p: t.test.p,
      detectable: t.test.detectable,
      n: t.n,
      test: t.test.test,
      verdict,
      note: joinNotes(note, driftNote(t.base, t.head)),
    };
  });
}

/**
 * The session's verdicts: one a look reached stands. A rejection at any look is valid (the union
 * bound over looks, docs/ci.md), and a decided entry gets no more pairs, so its numbers at the end
 * are those it was decided on; judged again at the end, Holm's ranks, which other entries' new
 * p-values moved, could take a regression back ('cannot judge', and exit 3 instead of 1).
 */
function keepDecided(rows: EntryComparison[], decided: readonly AbDecision[]): EntryComparison[] {
  const byKey = new Map(decided.map((d) => [d.key, d]));
  return rows.map((row) => {
    const at = byKey.get(row.key);
    if (!at || row.verdict === at.verdict) return row;
    return {
      ...row,
      verdict: at.verdict,
      note: joinNotes(`${at.verdict} at look ${at.look}, which ended its pairs`, row.note),
    };
  });
}

/** The session decided with the design it is judged with again (a --threshold of its own is another question). */
function sameDesign(opts: CompareOptions, design: Partial<CompareOptions>): boolean {
  return opts.looks === design.looks && opts.alpha === design.alpha && opts.threshold === design.threshold;
}

// pinCpu moves single-threaded micro cells to one CPU. Not `database`: an embedded server's
// address has a port of its own in every run
const COMPARED_CONFIG = ['engine', 'quick', 'durationS', 'serverRuntime', 'pinCpu'] as const;

/** Differences that make a comparison measure the machine or the setup as much as the code. */
export function comparisonWarnings(base: ResultFile, head: ResultFile): string[] {
  const warnings: string[] = [];
  if (describeMachine(base.machine) !== describeMachine(head.machine))
    warnings.push(
      `different machines: base ran on ${describeMachine(base.machine)}, head on ${describeMachine(head.machine)}; a cross-machine comparison is not a verdict`,
    );
  for (const h of head.runtimes) {
    const b = base.runtimes.find((r) => r.label === h.label);
    if (!b) continue;
    const describe = (r: typeof h) =>
      `${r.name} ${r.version} (${r.engine.name} ${r.engine.version}) ${r.flags.join(' ')}`.trim();
    if (describe(b) !== describe(h))
      warnings.push(`runtime '${h.label}' differs: base ${describe(b)}, head ${describe(h)}`);
  }
  for (const key of COMPARED_CONFIG)
    if (base.config[key] !== head.config[key])
      warnings.push(
        `config '${key}' differs: base ${String(base.config[key] ?? 'none')}, head ${String(head.config[key] ?? 'none')}`,
      );
  for (const [side, file] of [
    ['base', base],
    ['head', head],
  ] as const) {
    if (!file.run.complete)
      warnings.push(`the ${side} run did not complete (interrupted): some entries may be missing`);
    if (file.git?.dirty) warnings.push(`the ${side} run was made from a working tree with uncommitted changes`);
  }
  return warnings;
}

/**
 * Two separate runs with no run-to-run spread in either: the unpaired test then sees only their
 * forks, and a shift of the whole machine between the runs reads as a change of the code.
 */
function spreadWarning(base: ResultFile, head: ResultFile, oneSession: boolean): string[] {
  if (oneSession || base.config.sessions || head.config.sessions) return [];
  if (base.config.forks < 2 || head.config.forks < 2) return [];
  return [
    'two separate runs, neither with a run-to-run spread (earlier runs of the same measurement beside it, or run --sessions): the tests see only their forks, so a shift of the whole machine between them reads as a change; compare --base pairs the runs instead',
  ];
}

/**
 * The session's base file as base and its head file as head. Both files carry the session's
 * decisions, made head against base: a file compared with itself (A/A), or head against base, is
 * not what they were decided on ('slower' there is 'unchanged' or 'faster' here).
 */
function asRan(base: AbConfig, head: AbConfig): boolean {
  return base.role === 'base' && head.role === 'head';
}

/** Two files of one A/B session (compare --base): the design's looks, alpha and threshold, and a description. */
function abSession(
  base: ResultFile,
  head: ResultFile,
): { options: Partial<CompareOptions>; design?: string; decided?: readonly AbDecision[] } {
  const a = base.config.ab;
  const b = head.config.ab;
  // pair indices of two different sessions name pairs that never ran together
  if (!a || !b || a.session !== b.session) return { options: { abPairs: false } };
  return {
    options: { looks: b.looks, alpha: b.alpha, threshold: b.threshold },
    ...(b.decided && asRan(a, b) ? { decided: b.decided } : {}),
    design: `A/B session ${b.session}, base and head interleaved pair by pair on one machine${b.pairs === 'duet' ? ' (micro cells: each pair in one process, batch by batch)' : ''}: ${b.n0} pairs per cell, then ${b.step} more at each look to the entries not judged yet, up to ${b.nMax}; ${b.looksTaken} of ${b.looks} looks taken (${b.stopped}); budget ${Math.round(b.budgetS)} s; threshold ${givenPercent(b.threshold)}`,
  };
}

/** A runtime of base and one of head that are one build under two labels (`node` and `node@24.21.0`). */
interface SameBuild {
  base: RuntimeInfo;
  head: RuntimeInfo;
}

const buildOf = (r: RuntimeInfo) => `${r.name} ${r.version}`;

/**
 * Labels carry what was asked (`--runtime node` or `node@24`), not what ran: a runtime whose label
 * is on one side only is paired with the one runtime on the other side of the same name and version
 * whose label is on that side only. Two of one build on a side are ambiguous and stay unpaired, as
 * do different versions (comparing those is `compare FILE --runtime A --vs B`'s question).
 */
function sameBuilds(base: ResultFile, head: ResultFile): SameBuild[] {
  const only = (file: ResultFile, other: ResultFile) =>
    file.runtimes.filter((r) => !other.runtimes.some((o) => o.label === r.label));
  const [b, h] = [only(base, head), only(head, base)];
  const of = (side: RuntimeInfo[], r: RuntimeInfo) => side.filter((x) => buildOf(x) === buildOf(r));
  return h.flatMap((hr) => {
    const [found, twins] = [of(b, hr), of(h, hr)];
    return found.length === 1 && twins.length === 1 ? [{ base: found[0], head: hr }] : [];
  });
}

/** Base with the paired runtimes under head's labels, entries and keys too, so they match by key. */
function asHeadLabels(base: ResultFile, builds: readonly SameBuild[]): ResultFile {
  if (builds.length === 0) return base;
  const labels = new Map(builds.map((s) => [s.base.label, s.head.label]));
  const label = (l: string) => labels.get(l) ?? l;
  return {
    ...base,
    runtimes: base.runtimes.map((r) => ({ ...r, label: label(r.label) })),
    results: base.results.map((e) =>
      labels.has(e.runtime)
        ? { ...e, runtime: label(e.runtime), key: entryKey(e.scenario, e.case, e.params, label(e.runtime)) }
        : e,
    ),
  };
}

/**
 * A case base measured and head skips is `not comparable` and, within --max-unjudged, passes: a
 * change that made a case skip itself (ctx.skip) would go unseen but for this line
 */
function newlySkipped(matched: readonly { base: ResultEntry; head: ResultEntry }[]): string[] {
  const skipped = matched.filter(({ base, head }) => base.status === 'ok' && head.status === 'skipped');
  if (skipped.length === 0) return [];
  const keys = skipped.map(({ head }) => `${head.key}${head.reason ? ` (${head.reason})` : ''}`);
  return [`measured in base, skipped in head, so not judged: ${keys.join(', ')}`];
}

function sameBuildNotes(builds: readonly SameBuild[]): string[] {
  return builds.map(
    (s) => `runtime '${s.base.label}' in base matched '${s.head.label}' in head: same ${buildOf(s.head)}`,
  );
}

/**
 * `options` override what the files say; two files of one A/B session default to the session's
 * design (its looks, alpha and threshold) and keep the verdicts it reached at a look, so comparing
 * them again gives the session's verdicts.
 */
export function compareResults(given: ResultFile, head: ResultFile, options: Partial<CompareOptions> = {}): Comparison {
  const builds = sameBuilds(given, head);
  const base = asHeadLabels(given, builds);
  const session = abSession(base, head);
  const set = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const opts: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...session.options, ...set };
  const baseByKey = new Map(entriesOnMachine(base).map((e) => [e.key, e]));
  const headKeys = new Set(head.results.map((e) => e.key));
  const matched = entriesOnMachine(head).flatMap((h) => {
    const b = baseByKey.get(h.key);
    return b ? [{ base: b, head: h }] : [];
  });
  const rows = compareEntryPairs(matched, opts);
  return {
    rows: session.decided && sameDesign(opts, session.options) ? keepDecided(rows, session.decided) : rows,
    added: head.results.filter((h) => !baseByKey.has(h.key)),
    // under the labels base gave them
    removed: given.results.filter((_, i) => !headKeys.has(base.results[i].key)),
    warnings: [
      ...sameBuildNotes(builds),
      ...comparisonWarnings(base, head),
      ...spreadWarning(base, head, session.design !== undefined || opts.oneRun),
      ...newlySkipped(matched),
    ],
    options: opts,
    test: TEST_NAME,
    ...(session.design ? { design: session.design } : {}),
  };
}

/** What `compare` exits with: 1 a regression; 3 no verdict, and why; else 0. */
export interface CompareOutcome {
  code: 0 | 1 | 3;
  why?: string;
}

/**
 * How much worse an entry measured, as a fraction (the threshold's terms): its test's change, or
 * where its forks could not be tested on logs (a fork median of 0) the change of its sides' centres.
 * One fork a side is no evidence either way: one process against one is within their spread
 */
function measuredLoss(row: EntryComparison): number | undefined {
  const [was, is] = [row.base.stats, row.head.stats];
  const forks = Math.min(was?.forks ?? 0, is?.forks ?? 0);
  const centres = was && is && forks >= 2 && was.median > 0 ? is.median / was.median - 1 : undefined;
  const change = row.change ?? centres;
  return change === undefined ? undefined : row.head.metric.better === 'higher' ? -change : change;
}

/**
 * A cell skipped on both sides was never meant to be measured (a case that does not depend on a
 * param, a runtime without a feature): there is nothing to judge, so it does not count against the
 * verdict. Nothing left to judge at all is no verdict, not a pass. `--max-unjudged` covers entries
 * that tell nothing either way: one that measured slower by the threshold or more, without the
 * significance to call it `slower`, is no verdict whatever the allowance.
 */
export function compareOutcome(comparison: Comparison, maxUnjudged: number): CompareOutcome {
  if (comparison.rows.some((r) => r.verdict === 'slower')) return { code: 1 };
  // a case the change broke is worse than slower: within --max-unjudged it would have passed
  const broken = comparison.rows.filter((r) => r.base.status === 'ok' && ['failed', 'timeout'].includes(r.head.status));
  if (broken.length > 0)
    return {
      code: 1,
      why: `${broken.map((r) => `${r.key} (head ${r.head.status})`).join(', ')}: measured in base, not in head (exit 1)`,
    };
  const rows = comparison.rows.filter((r) => !(r.base.status === 'skipped' && r.head.status === 'skipped'));
  // whatever --max-unjudged allows: a gate that measured nothing has no verdict to give
  if (!rows.some((r) => r.base.status === 'ok' && r.head.status === 'ok'))
    return { code: 3, why: 'no entry was measured on both sides: nothing to judge, no verdict (exit 3)' };
  const leaning = rows.filter((r) => {
    const loss = r.verdict === 'cannot judge' ? measuredLoss(r) : undefined;
    return loss !== undefined && loss >= comparison.options.threshold;
  });
  if (leaning.length > 0)
    return {
      code: 3,
      why: `${leaning.map((r) => r.key).join(', ')}: measured slower by the ${givenPercent(comparison.options.threshold)} threshold or more, not significantly: no verdict whatever --max-unjudged allows (exit 3)`,
    };
  const unjudged = rows.filter((r) => r.verdict === 'cannot judge' || r.verdict === 'not comparable');
  if (unjudged.length / rows.length <= maxUnjudged) return { code: 0 };
  const limit = `${(maxUnjudged * 100).toFixed(0)}%`;
  return {
    code: 3,
    why: `${unjudged.length} of ${rows.length} entries could not be judged, more than --max-unjudged ${limit}: no verdict (exit 3)`,
  };
}
