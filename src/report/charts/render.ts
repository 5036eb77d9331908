/** Renders a Vega-Lite spec to a standalone SVG string in-process: no browser, no canvas, no network. */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Chart, ChartSpec } from './common.js';

/** a caption line of a standalone chart, in characters: about the width of a two-panel chart */
const CAPTION_LINE = 110;

function wrapped(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/**
 * A chart as a file of its own (`report --svg`): its title and caption drawn in it, as the page prints
 * them beside it, so what it leaves out and how its figures were made travel with it.
 */
export function standaloneSpec(chart: Chart & { spec: ChartSpec }): ChartSpec {
  return {
    ...chart.spec,
    title: { text: chart.title, subtitle: wrapped(chart.caption, CAPTION_LINE), anchor: 'start' },
  };
}

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
