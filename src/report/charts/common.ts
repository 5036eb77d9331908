/**
 * What every chart module shares: the Chart shape, slicing a param matrix, the base spec, readable
 * axis units, param axes, and the noise test behind a chart's "×".
 */
import { holmRejects, welchRatio } from '../../result/estimator.js';
import type { ResultEntry } from '../../result/schema.js';
import type { ParamValue } from '../../scenario.js';
import { formatParams, groupBy, NS_PER, TIME_UNITS } from '../format.js';
import { FAMILY_ALPHA, figureOf, metricKey } from '../standing.js';

/** A Vega-Lite spec, kept loose here: the specs are built from data and checked by compiling them. */
export type ChartSpec = Record<string, unknown>;

export interface Chart {
  /** file-name-safe and unique within a report */
  id: string;
  title: string;
  /** what the chart shows and on which slice of the matrix */
  caption: string;
  /** absent when the data for the chart is not in the result files; `caption` then says why */
  spec?: ChartSpec;
  /**
   * The unit its y values are drawn in, for a chart that scales them (the pool chart draws 72 for
   * 72 k ops/s): a chart built from another one's values states it without reading the spec.
   */
  yUnit?: string;
}

export function measured(entries: readonly ResultEntry[], scenario?: string): ResultEntry[] {
  return entries.filter((e) => e.status === 'ok' && e.stats && (scenario === undefined || e.scenario === scenario));
}

/** the cells a chart names when it lists those with no figure, before "and N more" */
const NOT_DRAWN_LISTED = 6;

/**
 * "; not drawn, no figure: tinypool on deno (skipped), ..." for the cells of `scenario` that were not
 * measured: a chart that simply lacks a bar or line reads as if the cell never was in the run.
 */
export function notDrawn(entries: readonly ResultEntry[], scenario: string): string {
  const left = entries.filter((e) => e.scenario === scenario && (e.status !== 'ok' || !e.stats));
  if (left.length === 0) return '';
  const named = left.slice(0, NOT_DRAWN_LISTED).map((e) => {
    const params = formatParams(e.params);
    return `${e.case}${params ? ` [${params}]` : ''} on ${e.runtime} (${e.status})`;
  });
  const more = left.length - named.length;
  return `; not drawn, no figure: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * The cells of the metric most of them measure, the scenario's own, for a chart with one axis; the
 * cases of another metric (db-pool's transactions/s beside its queries/s) are named, not drawn on it.
 */
export function ofMainMetric(entries: readonly ResultEntry[]): { entries: ResultEntry[]; others: string[] } {
  const groups = [...groupBy(entries, (e) => metricKey(e.metric)).values()];
  const main = groups.reduce<ResultEntry[]>((a, b) => (b.length > a.length ? b : a), []);
  const others = groups.filter((g) => g !== main).flat();
  return { entries: main, others: [...new Set(others.map((e) => `${e.case} (${e.metric.name}, ${e.metric.unit})`))] };
}

/**
 * Fixes every param except `free` to one value, so a chart shows one line per case: numbers at
 * their largest value (the most loaded setting), other values at their first. Returns the kept
 * entries and a description of the slice for the caption.
 */
export function slice(
  entries: readonly ResultEntry[],
  free: readonly string[],
): { entries: ResultEntry[]; description: string; chosen: ReadonlyMap<string, ParamValue> } {
  const chosen = new Map<string, ParamValue>();
  for (const e of entries)
    for (const [key, value] of Object.entries(e.params)) {
      if (free.includes(key)) continue;
      const current = chosen.get(key);
      if (current === undefined || (typeof value === 'number' && typeof current === 'number' && value > current))
        chosen.set(key, value);
    }
  const description = [...chosen].map(([k, v]) => `${k}=${v}`).join(', ');
  return { entries: inSlice(entries, chosen), description, chosen };
}

/** The entries at the chosen param values (a param an entry does not have does not exclude it). */
export function inSlice(entries: readonly ResultEntry[], chosen: ReadonlyMap<string, ParamValue>): ResultEntry[] {
  return entries.filter((e) => [...chosen].every(([k, v]) => !(k in e.params) || e.params[k] === v));
}

/**
 * A name as part of a chart's id, which is also its SVG file's name: a plain short name as it is;
 * any other gets a hash of the whole, so that two names never meet (日本語 and 中文 were both "_")
 * and a long one still fits a file name (a 250-character id failed to write).
 */
export function fileSafe(name: string): string {
  const plain = name.replace(/[^a-zA-Z0-9_-]+/g, '_');
  if (plain === name && name.length <= 80) return name;
  // FNV-1a, 32 bits: enough to tell apart the scenarios of one report
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return `${plain.slice(0, 60)}-${hash.toString(16).padStart(8, '0')}`;
}

export function note(id: string, title: string, why: string): Chart {
  return { id, title, caption: why };
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Static figures for print and the web: readable fonts, no interactivity (the page has no JS). */
export const CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  view: { stroke: '#ddd' },
  // the SVG renderer measures text by estimate, wider than a browser draws it: the default limits
  // (axis 180, legend 160 px; 260 set here before) cut labels such as node-http-keepalive-cap
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee', labelLimit: 300 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400 },
};

export function facetByRuntime(rows: object[], layer: ChartSpec[], extra: ChartSpec = {}): ChartSpec {
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values: rows },
    facet: { column: { field: 'runtime', type: 'nominal', title: null } },
    spec: { width: 220, height: 170, layer },
    ...extra,
  };
}

/** The speed of `value` relative to `reference` in the metric's direction (2 = twice as fast). */
export function speedup(value: number, reference: number, better: 'lower' | 'higher'): number {
  return better === 'lower' ? reference / value : value / reference;
}

export function numericParam(entry: ResultEntry, name: string): number | undefined {
  const v = Number(entry.params[name]);
  return Number.isFinite(v) ? v : undefined;
}

/** An axis unit chosen from a chart's values: `value * factor` is in `unit` (40 000 000 ns -> 40 ms). */
export interface AxisUnit {
  unit: string;
  factor: number;
}

/**
 * The readable unit for values all in `unit`: a time unit is scaled so the largest value reads
 * between 1 and 1000 (ns, µs, ms, s); other units get k or M past ten thousand, as the tables print.
 */
export function axisUnit(values: readonly number[], unit: string): AxisUnit {
  const finite = values.filter(Number.isFinite).map(Math.abs);
  const largest = finite.length ? Math.max(...finite) : 0;
  const scale = NS_PER[unit];
  if (scale !== undefined) {
    const ns = largest * scale;
    const [name, size] = TIME_UNITS.find(([, s]) => ns >= s) ?? TIME_UNITS[TIME_UNITS.length - 1];
    return { unit: name, factor: scale / size };
  }
  if (largest >= 1e6) return { unit: `M ${unit}`, factor: 1e-6 };
  if (largest >= 1e4) return { unit: `k ${unit}`, factor: 1e-3 };
  return { unit, factor: 1 };
}

/**
 * One axis for figures in possibly different units: times of any unit share a time axis, one other
 * unit gets its own scale, and a mix of others is drawn as recorded. `factor(unit)` converts a value.
 */
export function sharedAxisUnit(figures: readonly { value: number; unit: string }[]): {
  unit: string;
  factor: (unit: string) => number;
} {
  const units = [...new Set(figures.map((f) => f.unit))];
  if (units.length > 0 && units.every((u) => NS_PER[u] !== undefined)) {
    const axis = axisUnit(
      figures.map((f) => f.value * NS_PER[f.unit]),
      'ns',
    );
    return { unit: axis.unit, factor: (u) => NS_PER[u] * axis.factor };
  }
  if (units.length === 1) {
    const axis = axisUnit(
      figures.map((f) => f.value),
      units[0],
    );
    return { unit: axis.unit, factor: () => axis.factor };
  }
  return { unit: units.join(' / '), factor: () => 1 };
}

/**
 * A param on a quantitative axis: labels print the value as itself (10, 0.5, 20,000), also when the
 * axis has a single value, where Vega's default prints "10.000000".
 */
export function paramAxis(
  title: string,
  values: readonly unknown[],
): { title: string; axis: { format: string; tickMinStep?: number } } {
  const whole = values.every((v) => Number.isInteger(v));
  return { title, axis: { format: ',~r', ...(whole ? { tickMinStep: 1 } : {}) } };
}

/** How a point of a "×" chart stands against its reference: the legend of its point shape. */
export const NOISE_LEGEND = {
  beyond: 'beyond the noise',
  within: '≈ not beyond the noise',
  untested: '? untested (one fork, or two machines)',
} as const;

/**
 * Tests each of a chart's comparisons (Welch's t on the log of fork medians, as `compare` does) and
 * corrects them together (Holm, family-wise 5%): one NOISE_LEGEND label per comparison. Two cells
 * measured on different machines (shards of a merged run) are not tested, as in the tables.
 */
export function noiseLabels(
  comparisons: readonly { reference: ResultEntry; entry: ResultEntry }[],
): (typeof NOISE_LEGEND)[keyof typeof NOISE_LEGEND][] {
  const samples = (e: ResultEntry) => figureOf(e)?.forks ?? [];
  const p = comparisons.map((c) =>
    c.reference.machine === c.entry.machine ? welchRatio(samples(c.reference), samples(c.entry))?.p : undefined,
  );
  const tested = p.flatMap((x, i) => (x === undefined ? [] : [i]));
  const rejected = holmRejects(
    tested.map((i) => p[i] as number),
    FAMILY_ALPHA,
  );
  const beyond = new Set(tested.filter((_, k) => rejected[k]));
  return p.map((x, i) =>
    x === undefined ? NOISE_LEGEND.untested : beyond.has(i) ? NOISE_LEGEND.beyond : NOISE_LEGEND.within,
  );
}

/**
 * The point layer of a "×" chart: its shape says whether the point's difference is beyond the noise;
 * `reference` names the points the others are compared with, if the chart draws them.
 */
export function noisePoints(x: object, y: object, color: object, reference?: string): ChartSpec {
  const labels: string[] = [...Object.values(NOISE_LEGEND), ...(reference ? [reference] : [])];
  return {
    mark: { type: 'point', filled: true, size: 70 },
    encoding: {
      x,
      y,
      color,
      shape: {
        field: 'noise',
        type: 'nominal',
        title: 'difference',
        scale: { domain: labels, range: ['circle', 'triangle-down', 'square', 'diamond'].slice(0, labels.length) },
      },
    },
  };
}
