/**
 * What a report says about a cell beyond its own number: the figure it leads with, how it stands
 * against the best cell it is compared with ("best", "2.10×"), whether that difference is beyond the
 * noise (Yuen's paired t on the log ratio of fork medians, fork k against fork k, when both have as
 * many forks, else Welch's t as `compare` uses; Holm over the comparisons the table makes), and how
 * its first, cold call compares with its steady state; and what the Markdown and HTML say of the run
 * beside its figures (runFacts). Terminal, Markdown and HTML all say it from here, so they say the
 * same.
 */
import {
  CI_LEVEL,
  estimateCentre,
  holmRejects,
  ROUND_TEST,
  roundEffects,
  roundPairedRatio,
  WELCH_TEST,
  welchRatio,
} from '../result/estimator.js';
import { type Metric, type ResultEntry, type ResultFile, ranElsewhere } from '../result/schema.js';
import { median } from '../result/stats.js';
import { forksPerCell, formatParams, formatValue, groupBy, machineText } from './format.js';

/**
 * The level of Holm's correction over a table's comparisons. The marks' own false rate is higher:
 * each test is against the best cell, picked from the same forks (docs/result-schema.md)
 */
export const FAMILY_ALPHA = 0.05;

/** The figure a table shows for a cell: the measured metric, or the scenario's recorded headline. */
export interface Figure {
  metric: Metric;
  centre: number;
  /** the 95% interval (less where one fork of under 6 samples cannot hold that: `level`); absent for a recorded figure from one fork */
  ci?: { low: number; high: number; level?: number };
  /** the figure's values in each fork: what the tests compare */
  forks: number[][];
}

/** A cell's figure; undefined when it has none (not ok). */
export function figureOf(entry: ResultEntry): Figure | undefined {
  if (entry.status !== 'ok' || !entry.stats) return undefined;
  const headline = entry.headline;
  // one slot per fork, empty where a fork lacks the figure: fork k stays in round k for the tests
  const values = headline
    ? entry.forks.map((f) => {
        const v = f.extra?.[headline.figure]?.value;
        return typeof v === 'number' && Number.isFinite(v) ? [v] : [];
      })
    : [];
  const measured = values.filter((v) => v.length > 0);
  if (!headline || measured.length === 0)
    return {
      metric: entry.metric,
      centre: entry.stats.median,
      ci: entry.stats.ci,
      forks: entry.forks.map((f) => f.samples),
    };
  const metric = { name: headline.name, unit: headline.unit, better: headline.better };
  if (measured.length === 1) return { metric, centre: measured[0][0], forks: values };
  // the headline's interval includes the run-to-run spread the cell's own interval does
  const { centre, ci } = estimateCentre(values, CI_LEVEL, entry.stats.ci.sessions);
  return { metric, centre, ci, forks: values };
}

/** Cells of one metric name, unit and direction are comparable; others are not ranked together. */
export function metricKey(metric: Metric): string {
  return `${metric.name}\u0000${metric.unit}\u0000${metric.better}`;
}

/**
 * not beyond the noise ('within'), beyond it, not testable (fewer than two forks a side), or not
 * tested because the two cells ran on different machines ('elsewhere': shards of a merged run, files
 * reported as one), where the machine's difference is in theirs, as `compare` calls them not comparable
 */
export type Noise = 'beyond' | 'within' | 'untested' | 'elsewhere';

export interface Standing {
  /** how many times worse than the best of its group (1 for the best) */
  rel: number;
  best: boolean;
  /** the test of this cell against the best; absent for the best itself */
  noise?: Noise;
}

export interface TableStandings {
  /** undefined for cells with no figure and for cells alone in their group (nothing to rank) */
  of(entry: ResultEntry | undefined): Standing | undefined;
  comparisons: number;
  untested: number;
  /** comparisons of cells measured on different machines, not tested */
  elsewhere: number;
}

/**
 * Ranks every group of comparable cells (same params, same metric) of one table against its best,
 * and tests each cell against that best; Holm's correction runs over all the table's tests.
 */
export function rankTable(entries: readonly ResultEntry[]): TableStandings {
  const cells = entries.flatMap((entry) => {
    const figure = figureOf(entry);
    return figure ? [{ entry, figure }] : [];
  });
  const standings = new Map<ResultEntry, Standing>();
  const tests: { entry: ResultEntry; p: number }[] = [];
  let comparisons = 0;
  let elsewhere = 0;
  const groups = groupBy(cells, (c) => `${formatParams(c.entry.params)}\u0000${metricKey(c.figure.metric)}`);
  for (const group of groups.values()) {
    // a ratio to or of a centre of 0 or less says nothing ("0 lost items" is not ∞ times better)
    if (group.length < 2 || group.some((c) => !(c.figure.centre > 0))) continue;
    const lower = group[0].figure.metric.better === 'lower';
    const best = group.reduce((a, b) =>
      (lower ? b.figure.centre < a.figure.centre : b.figure.centre > a.figure.centre) ? b : a,
    );
    for (const { entry, figure } of group) {
      if (entry === best.entry) {
        standings.set(entry, { rel: 1, best: true });
        continue;
      }
      comparisons++;
      const rel = lower ? figure.centre / best.figure.centre : best.figure.centre / figure.centre;
      if (entry.machine !== best.entry.machine) {
        standings.set(entry, { rel, best: false, noise: 'elsewhere' });
        elsewhere++;
        continue;
      }
      standings.set(entry, { rel, best: false, noise: 'untested' });
      const test = roundPairedRatio(best.figure.forks, figure.forks) ?? welchRatio(best.figure.forks, figure.forks);
      if (test) tests.push({ entry, p: test.p });
    }
  }
  const rejected = holmRejects(
    tests.map((t) => t.p),
    FAMILY_ALPHA,
  );
  for (const [i, t] of tests.entries()) {
    const s = standings.get(t.entry);
    if (s) s.noise = rejected[i] ? 'beyond' : 'within';
  }
  return {
    of: (entry) => (entry ? standings.get(entry) : undefined),
    comparisons,
    untested: comparisons - elsewhere - tests.length,
    elsewhere,
  };
}

/** 1.04, 12.3, 3929: a ratio with the digits that matter */
export function formatTimes(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x >= 100) return `${x.toFixed(0)}×`;
  if (x >= 10) return `${x.toFixed(1)}×`;
  return `${x.toFixed(2)}×`;
}

export const NOISE_MARK: Record<Noise, string> = { beyond: '', within: '≈', untested: '?', elsewhere: '?' };

/** "best", "2.10×", "1.04× ≈", "1.30× ?" */
export function standingText(s: Standing): string {
  if (s.best) return 'best';
  const mark = s.noise ? NOISE_MARK[s.noise] : '';
  return mark ? `${formatTimes(s.rel)} ${mark}` : formatTimes(s.rel);
}

/** The first, cold call of a cell and how many times worse it is than the steady state. */
export interface Cold {
  value: number;
  unit: string;
  /** cold / steady in the direction of worse (micro, process: against the median; throughput: the p50 latency) */
  factor?: number;
}

export function coldOf(entry: ResultEntry): Cold | undefined {
  const cold = entry.cold;
  if (entry.status !== 'ok' || !entry.stats || cold === undefined || !Number.isFinite(cold)) return undefined;
  // throughput: the cold call is one op's latency in ms, so its steady twin is the p50 latency
  if (entry.kind === 'throughput') {
    const p50 = entry.latency?.p50;
    return { value: cold, unit: 'ms', ...(p50 && p50 > 0 ? { factor: cold / p50 } : {}) };
  }
  const steady = entry.stats.median;
  const worse = entry.metric.better === 'lower' ? cold / steady : steady / cold;
  return { value: cold, unit: entry.metric.unit, ...(cold > 0 && steady > 0 ? { factor: worse } : {}) };
}

function coldFactor(factor: number): string {
  return `${factor < 10 ? factor.toFixed(1) : factor.toFixed(0)}×`;
}

/** "cold 3.1×" (the terminal's short form) or "cold 915 ns (3.1×)" */
export function coldText(cold: Cold, long: boolean): string {
  if (cold.factor === undefined) return `cold ${formatValue(cold.value, cold.unit)}`;
  return long
    ? `cold ${formatValue(cold.value, cold.unit)} (${coldFactor(cold.factor)})`
    : `cold ${coldFactor(cold.factor)}`;
}

/**
 * What a cell recorded besides its table's figure, as the reports list it: the measured metric where
 * a headline leads the table (the figure compare judges and the exports carry), then its `extra`,
 * less the headline's own figure: the table leads with it, as the centre of its forks (figureOf),
 * where `extra` holds their median, and one figure printed twice with two values contradicts itself.
 */
export function recordedFigures(e: ResultEntry): { name: string; value: string }[] {
  const measured =
    e.headline && e.stats ? [[e.metric.name, { value: e.stats.median, unit: e.metric.unit }] as const] : [];
  const extra = Object.entries(e.extra ?? {}).filter(([name]) => name !== e.headline?.figure);
  return [...measured, ...extra].map(([name, v]) => ({
    name,
    value: formatValue(v.value, v.unit),
  }));
}

/** mitata's factor: an op under it times an empty op timed beside it was "likely optimized out" */
export const EMPTY_OP_FACTOR = 1.42;

/**
 * The op took under EMPTY_OP_FACTOR times an empty op timed beside it in a loop of its own
 * (`measurement.emptyOp`), in the median fork: it was likely optimized out, or costs less than a
 * loop can time, and its figure says little of the op itself
 */
export function nearEmptyOp(entry: ResultEntry): boolean {
  const ratios = entry.forks.flatMap((f) =>
    f.measurement?.emptyOp ? [f.measurement.emptyOp.opNs / f.measurement.emptyOp.emptyNs] : [],
  );
  if (ratios.length === 0 || entry.status !== 'ok' || entry.headline) return false;
  return median(ratios) < EMPTY_OP_FACTOR;
}

/** What a table cell says about a measured entry: its figure, its standing, its cold call, `!`. */
export interface CellFacts {
  figure: Figure;
  standing?: Standing;
  cold?: Cold;
  /** nearEmptyOp */
  emptyOp: boolean;
}

/** undefined for an entry with no figure (not ok): the cell then says its status */
export function cellFacts(entry: ResultEntry, standings: TableStandings): CellFacts | undefined {
  const figure = figureOf(entry);
  return figure && { figure, standing: standings.of(entry), cold: coldOf(entry), emptyOp: nearEmptyOp(entry) };
}

/** The metrics of one table's figures, in order of first appearance, with the cases that use each. */
export function tableMetrics(entries: readonly ResultEntry[]): { metric: Metric; cases: string[] }[] {
  const out = new Map<string, { metric: Metric; cases: string[] }>();
  // a failed cell has no figure, and no headline to say which figure it would have had
  const measured = entries.filter((e) => figureOf(e));
  for (const e of measured.length > 0 ? measured : entries) {
    const metric = figureOf(e)?.metric ?? (e.headline ? { ...e.headline } : e.metric);
    const k = metricKey(metric);
    const known = out.get(k) ?? { metric: { name: metric.name, unit: metric.unit, better: metric.better }, cases: [] };
    if (!known.cases.includes(e.case)) known.cases.push(e.case);
    out.set(k, known);
  }
  return [...out.values()];
}

/** "time per op in ns, lower is better" or, with cases of their own metric, one clause per metric, each naming its cases */
export function describeMetrics(entries: readonly ResultEntry[]): string {
  const metrics = tableMetrics(entries);
  return metrics
    .map(
      ({ metric, cases }) =>
        `${metrics.length > 1 ? `${cases.join(', ')}: ` : ''}${metric.name} in ${metric.unit}, ${metric.better} is better`,
    )
    .join('; ');
}

/** The legend lines of a report of `entries`: what ×, ≈, ?, cold and ~ mean, the marks it uses. */
export function legendLines(entries: readonly ResultEntry[]): string[] {
  const tables = [...groupBy(entries, (e) => e.scenario).values()].map((t) => rankTable(t));
  return [
    `× = times worse than the best cell of the same params and metric. ≈ = not beyond the noise (${ROUND_TEST} when both have as many forks, else ${WELCH_TEST}; Holm over the table's comparisons at ${FAMILY_ALPHA * 100}%, against a best picked from the same forks: docs/result-schema.md).`,
    ...(tables.some((t) => t.untested > 0)
      ? ['? = untested: a side with one fork gives no between-process test.']
      : []),
    ...(tables.some((t) => t.elsewhere > 0)
      ? [
          '? beside cells measured on different machines (the shards of a merged run, files reported as one): not tested, the machines differ as much as the cells (compare calls them not comparable).',
        ]
      : []),
    ...(entries.some((e) => e.status === 'ok' && e.stats && e.stats.ci.level < CI_LEVEL)
      ? [
          '±X (NN%) or -X/+Y (NN%) = an interval of one fork of under 6 samples: its min..max, which holds the median only NN% of the time (1 - 2^(1-n) for n samples), not 95%.',
        ]
      : []),
    ...(entries.some((e) => coldOf(e))
      ? [
          'cold = the first, cold call against the steady state (micro and process: cold / median; throughput: the first op / the p50 latency).',
        ]
      : []),
    ...(entries.some(nearEmptyOp)
      ? [
          `! = under ${EMPTY_OP_FACTOR}× an empty op timed beside it: the op was likely optimized out, or costs less than a loop can time (mitata's check).`,
        ]
      : []),
    '~ = not steady (samples drift).',
  ];
}

/**
 * One line (after a "Rounds:" label) on the machine's steadiness over the run, from the rounds (fork k of every cell ran in
 * round k): whether a round ran slower or faster across the cells than chance allows. Undefined
 * when the run has too few cells with several forks to say.
 */
export function roundsLine(entries: readonly ResultEntry[]): string | undefined {
  const effects = roundEffects(entries);
  if (!effects) return undefined;
  const factors = effects.factors.map((f, k) => `round ${k + 1} ${f.toFixed(2)}×`).join(', ');
  const p = effects.p < 0.001 ? 'p < 0.001' : `p = ${effects.p.toPrecision(2)}`;
  const measured = `each fork against its cell's centre, median over ${effects.cells} cells: ${factors}; ${effects.test}, ${p}`;
  return effects.p < FAMILY_ALPHA
    ? `the machine's speed changed during the run (${measured}). The intervals carry that spread; the × marks, paired by round, cancel it.`
    : `no round ran faster or slower than chance allows (${measured}).`;
}

/** One line of a report's metadata: plain text, escaped and styled by each output; `warning` is marked. */
export interface RunFact {
  label: string;
  text: string;
  warning?: string;
}

/** What the Markdown and HTML say of the run beside its figures, so they say the same. */
export function runFacts(result: ResultFile): RunFact[] {
  const { git, run, config: c } = result;
  const commit = git
    ? `${git.commit.slice(0, 12)} on ${git.branch}${git.dirty ? ' (uncommitted changes)' : ''}`
    : 'not a git checkout';
  const rounds = roundsLine(result.results);
  return [
    { label: 'Machine', text: machineText(result.machine), ...otherMachines(result) },
    { label: 'Commit', text: commit },
    {
      label: 'Run',
      text: `${run.id}, ${run.startedAt} to ${run.finishedAt}, asyncbench ${run.asyncbenchVersion}`,
      ...(run.complete ? {} : { warning: 'interrupted' }),
    },
    {
      label: 'Config',
      text: `engine ${c.engine}, ${forksPerCell(result).text}, ${c.durationS} s per throughput series${c.quick ? ', --quick' : ''}, servers on ${c.serverRuntime}${c.database ? `, database ${c.database}` : ''}`,
    },
    ...(rounds ? [{ label: 'Rounds', text: rounds }] : []),
  ];
}

/** Cells of a file combined from several (report's parts, merge's shards) that ran on another machine. */
function otherMachines(result: ResultFile): { warning?: string } {
  const elsewhere = result.results.filter((e) => ranElsewhere(result, e));
  if (elsewhere.length === 0) return {};
  const machines = new Set(elsewhere.map((e) => e.machine)).size;
  return {
    warning: `${elsewhere.length} of ${result.results.length} cells ran on ${machines} other machine${machines === 1 ? '' : 's'}`,
  };
}

export const RUNTIME_COLUMNS = ['runtime', 'version', 'engine', 'executable', 'flags', 'notes'];

/** The runtimes table's rows, in RUNTIME_COLUMNS' order, as plain text. */
export function runtimeFacts(result: ResultFile): string[][] {
  return result.runtimes.map((r) => [
    r.label,
    r.version,
    `${r.engine.name} ${r.engine.version}`,
    r.executable,
    r.flags.join(' '),
    r.notes.join('; '),
  ]);
}
