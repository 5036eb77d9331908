// Shared by the study scripts: the project root and small statistics on plain arrays.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The micro cells the studies measure: eager and Promise.all tasks at both ends of the cache hit
 * ratio, an async generator against its manual loop, `withResource` against try/finally. Eight
 * cells of three scenarios, small enough to repeat many times on a 2-core machine.
 */
export const STUDY_CELLS = [
  'eager-tasks',
  'async-generators',
  'resources',
  '--case',
  'eager,promise-all,async generator,manual page loop,try/finally,withResource',
  '--param',
  'hitRatio=0,1',
  '--param',
  'tasks=1000',
  '--param',
  'pageSize=10',
  '--param',
  'nesting=1',
];

export function medianOf(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)] + s[Math.ceil(mid)]) / 2;
}
