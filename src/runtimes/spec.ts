/**
 * Runtime version specs: `node` (the pinned build), `node@22` (a major), `bun@1.3` (a minor),
 * `deno@2.4.4` (an exact version). A spec picks the newest stable release it matches; where the
 * versions come from (what is installed, the registry) is provision.ts's business.
 */
import { UsageError } from '../result/errors.js';
import { compareVersions, splitSpec, stableVersion, versionMatches, versionPrefix } from '../result/versions.js';
import { RUNTIME_NAMES, type RuntimeName } from './types.js';

export interface RuntimeSpec {
  /** as the user typed it */
  text: string;
  name: RuntimeName;
  /** 1 to 3 numeric components; absent for a bare name (the pinned build) */
  version?: number[];
}

const EXAMPLES = 'node@22, bun@1.3, deno@2.4.4';

/** A spec names a runtime with `@`, or is a bare runtime name; anything else is not a spec. */
export function looksLikeSpec(text: string): boolean {
  return text.includes('@') || (RUNTIME_NAMES as readonly string[]).includes(text);
}

export function parseSpec(text: string): RuntimeSpec {
  const { name, version } = splitSpec(text);
  if (!(RUNTIME_NAMES as readonly string[]).includes(name))
    throw new UsageError(
      `unknown runtime '${name}' in '${text}'; valid: ${RUNTIME_NAMES.join(', ')}, each with an optional @version (${EXAMPLES})`,
    );
  if (version === undefined) return { text, name: name as RuntimeName };
  const parts = versionPrefix(version);
  if (!parts) throw new UsageError(`'${text}': a version is a major, a minor or an exact version (${EXAMPLES})`);
  return { text, name: name as RuntimeName, version: parts };
}

export function specMatches(spec: RuntimeSpec, version: string): boolean {
  return spec.version !== undefined && versionMatches(spec.version, version);
}

/** The newest stable version among `versions` that the spec matches. */
export function newestMatching(spec: RuntimeSpec, versions: readonly string[]): string | undefined {
  return versions
    .filter((v) => specMatches(spec, v))
    .sort(compareVersions)
    .pop();
}

/**
 * The existing versions nearest to what the spec asked for, at the spec's own precision: node@99
 * -> the newest of the nearest majors (26.10.0, 25.9.0, 24.21.0); node@22.99 -> the newest of the
 * nearest minors (22.23.3, 22.22.3, 22.21.1).
 */
export function closestVersions(spec: RuntimeSpec, versions: readonly string[], count = 3): string[] {
  const wanted = spec.version ?? [];
  const depth = Math.max(1, wanted.length);
  const newestOf = new Map<string, string>();
  for (const v of versions) {
    const parts = stableVersion(v);
    if (!parts) continue;
    const group = parts.slice(0, depth).join('.');
    const current = newestOf.get(group);
    if (!current || compareVersions(v, current) > 0) newestOf.set(group, v);
  }
  // components weigh 1e6, 1e3, 1, so a major's distance counts before a minor's
  const weigh = (parts: readonly number[]) =>
    parts.slice(0, depth).reduce((sum, n, i) => sum + Math.min(n, 999) * 1000 ** (2 - i), 0);
  const distance = (v: string) => Math.abs(weigh(v.split('.').map(Number)) - weigh(wanted));
  return [...newestOf.values()].sort((a, b) => distance(a) - distance(b) || compareVersions(b, a)).slice(0, count);
}
