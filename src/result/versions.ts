/**
 * Version numbers of runtimes, as labels and specs carry them (`node@22.23.3`, `bun@1.3`): ordering
 * and matching. Pure functions on strings, shared by the runtime specs (src/runtimes/spec.ts) and
 * the reports, which group and compare the versions a result file holds.
 */

/** 22.23.3 -> [22, 23, 3]; undefined for a prerelease (1.3.9-canary.20260218.1) or anything else */
export function stableVersion(version: string): number[] | undefined {
  return /^\d+\.\d+\.\d+$/.test(version) ? version.split('.').map(Number) : undefined;
}

/** Orders versions numerically, component by component (a prerelease's tag counts as 0). */
export function compareVersions(a: string, b: string): number {
  const x = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const y = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Does a stable `version` fall under the prefix `wanted` ([22] matches 22.x.y, [22, 4] matches 22.4.y)? */
export function versionMatches(wanted: readonly number[], version: string): boolean {
  const parts = stableVersion(version);
  return parts !== undefined && wanted.every((n, i) => parts[i] === n);
}

/** 'node@22.4' -> { name: 'node', version: '22.4' }; 'node' -> { name: 'node' } */
export function splitSpec(text: string): { name: string; version?: string } {
  const at = text.indexOf('@');
  return at < 0 ? { name: text } : { name: text.slice(0, at), version: text.slice(at + 1) };
}

/** 1 to 3 numeric components ('22', '1.3', '2.4.4'), or undefined */
export function versionPrefix(text: string): number[] | undefined {
  return /^\d+(\.\d+){0,2}$/.test(text) ? text.split('.').map(Number) : undefined;
}
