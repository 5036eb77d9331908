/** Renders a Vega-Lite spec to a standalone SVG string in-process: no browser, no canvas, no network. */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './common.js';

export async function renderSvg(spec: ChartSpec): Promise<string> {
  const compiled = compile(spec as unknown as TopLevelSpec).spec;
  // loader that refuses everything: a report never fetches data or fonts
  const loader = { load: () => Promise.reject(new Error('charts are rendered offline')) } as unknown as vega.Loader;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
