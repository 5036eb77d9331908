/** What every chart module shares: the Chart shape, slicing a param matrix, and the base spec. */
import type { ResultEntry } from '../../result/schema.js';
import type { ParamValue } from '../../scenario.js';

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
}

export function measured(entries: readonly ResultEntry[], scenario?: string): ResultEntry[] {
  return entries.filter((e) => e.status === 'ok' && e.stats && (scenario === undefined || e.scenario === scenario));
}

/**
 * Fixes every param except `free` to one value, so a chart shows one line per case: numbers at
 * their largest value (the most loaded setting), other values at their first. Returns the kept
 * entries and a description of the slice for the caption.
 */
export function slice(
  entries: readonly ResultEntry[],
  free: readonly string[],
): { entries: ResultEntry[]; description: string } {
  const chosen = new Map<string, ParamValue>();
  for (const e of entries)
    for (const [key, value] of Object.entries(e.params)) {
      if (free.includes(key)) continue;
      const current = chosen.get(key);
      if (current === undefined || (typeof value === 'number' && typeof current === 'number' && value > current))
        chosen.set(key, value);
    }
  const kept = entries.filter((e) => [...chosen].every(([k, v]) => !(k in e.params) || e.params[k] === v));
  const description = [...chosen].map(([k, v]) => `${k}=${v}`).join(', ');
  return { entries: kept, description };
}

export function note(id: string, title: string, why: string): Chart {
  return { id, title, caption: why };
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Static figures for print and the web: readable fonts, no interactivity (the page has no JS). */
export const CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
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
