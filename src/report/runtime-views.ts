/**
 * Two runtimes of one result file as two files: `compare FILE --runtime node@22 --vs node@24`
 * builds a base view (the entries of node@22) and a head view (those of node@24), both relabelled
 * to one runtime name so their keys match, and hands them to the same comparison as two runs get.
 * The views keep the file's `runtimes[]` as they are: what ran stays on record, exact versions and all.
 */
import { UsageError } from '../result/errors.js';
import { entryKey, type ResultFile, type RuntimeInfo } from '../result/schema.js';
import { splitSpec, versionMatches, versionPrefix } from '../result/versions.js';

/**
 * The runtime of the file a name or spec means: its exact label (`node`, `node@22.23.3`), else
 * the one runtime whose name and version the spec matches (`node@22`; `node@24` also finds the
 * pinned `node` when it is 24.x). None or several is a UsageError listing the file's runtimes.
 */
export function findRuntime(file: ResultFile, text: string, path: string): RuntimeInfo {
  const labels = () => file.runtimes.map((r) => r.label).join(', ');
  const exact = file.runtimes.find((r) => r.label === text);
  if (exact) return exact;
  const { name, version } = splitSpec(text);
  const prefix = version === undefined ? undefined : versionPrefix(version);
  const found = prefix ? file.runtimes.filter((r) => r.name === name && versionMatches(prefix, r.version)) : [];
  // the pinned build and the same version named by its spec are one build: any of them will do
  const versions = new Set(found.map((r) => r.version));
  if (found.length > 0 && versions.size === 1) return found[0];
  if (found.length > 1)
    throw new UsageError(`'${text}' matches ${found.map((r) => r.label).join(', ')} in ${path}: name one of them`);
  throw new UsageError(`no runtime '${text}' in ${path}; it has: ${labels()}`);
}

/** The entries of one runtime, relabelled `as`, with keys to match. */
export function runtimeView(file: ResultFile, runtime: RuntimeInfo, as: string): ResultFile {
  const results = file.results
    .filter((e) => e.runtime === runtime.label)
    .map((e) => ({ ...e, runtime: as, key: entryKey(e.scenario, e.case, e.params, as) }));
  return { ...file, results };
}

export interface VersionViews {
  base: ResultFile;
  head: ResultFile;
  baseRuntime: RuntimeInfo;
  headRuntime: RuntimeInfo;
}

/** Base and head views of one file: `a` against `b`, matched by scenario, case and params. */
export function versionViews(file: ResultFile, a: string, b: string, path: string): VersionViews {
  const baseRuntime = findRuntime(file, a, path);
  const headRuntime = findRuntime(file, b, path);
  if (baseRuntime.label === headRuntime.label)
    throw new UsageError(`--runtime ${a} and --vs ${b} are the same runtime (${baseRuntime.label}) in ${path}`);
  const as = baseRuntime.name === headRuntime.name ? baseRuntime.name : `${baseRuntime.label} vs ${headRuntime.label}`;
  return {
    base: runtimeView(file, baseRuntime, as),
    head: runtimeView(file, headRuntime, as),
    baseRuntime,
    headRuntime,
  };
}
