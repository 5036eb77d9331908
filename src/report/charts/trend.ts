/** Trend charts over a history of result files: each scenario's medians run after run. */
import type { ResultFile } from '../../result/schema.js';
import { figureOf } from '../standing.js';
import { type Chart, facetByRuntime, fileSafe, inSlice, measured, sharedAxisUnit, slice } from './common.js';

function runLabel(result: ResultFile, index: number): string {
  return `${index + 1}: ${result.git ? result.git.commit.slice(0, 7) : result.run.startedAt.slice(0, 10)}`;
}

/** `history` in time order; one chart per scenario seen in it. */
export function trendCharts(history: readonly ResultFile[]): Chart[] {
  if (history.length < 2) return [];
  const runsOf = (scenario: string) => history.filter((r) => measured(r.results, scenario).length > 0).length;
  // a trend needs the scenario measured in two runs at least
  const scenarios = [...new Set(history.flatMap((r) => r.results.map((e) => e.scenario)))].filter(
    (s) => runsOf(s) >= 2,
  );
  const order = history.map(runLabel);
  return scenarios.map((scenario) => {
    const latest = measured(history[history.length - 1].results, scenario);
    // every run is cut at the latest run's slice, so each line follows one cell: a run sliced by
    // its own largest values would join another cell where the runs' grids differ (--full and not)
    const { description, chosen } = slice(latest, []);
    const points = history.flatMap((result, i) =>
      inSlice(measured(result.results, scenario), chosen).flatMap((e) => {
        const figure = figureOf(e);
        return figure ? [{ e, figure, run: order[i] }] : [];
      }),
    );
    const axis = sharedAxisUnit(points.map(({ figure }) => ({ value: figure.centre, unit: figure.metric.unit })));
    const rows = points.map(({ e, figure, run }) => {
      const factor = axis.factor(figure.metric.unit);
      return {
        runtime: e.runtime,
        case: e.case,
        run,
        median: figure.centre * factor,
        low: figure.ci ? figure.ci.low * factor : undefined,
        high: figure.ci ? figure.ci.high * factor : undefined,
      };
    });
    const x = { field: 'run', type: 'ordinal', sort: order, title: 'run (commit)', axis: { labelAngle: -40 } };
    return {
      id: `trend-${fileSafe(scenario)}`,
      title: `${scenario}: trend over ${history.length} runs`,
      caption: `Median with its 95% interval, run after run${description ? `; ${description}` : ''}.`,
      spec: facetByRuntime(rows, [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: { field: 'median', type: 'quantitative', title: axis.unit },
            color: { field: 'case', type: 'nominal' },
          },
        },
        {
          mark: { type: 'rule' },
          encoding: {
            x,
            y: { field: 'low', type: 'quantitative' },
            y2: { field: 'high' },
            color: { field: 'case', type: 'nominal' },
          },
        },
      ]),
    };
  });
}
