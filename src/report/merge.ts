/**
 * Joins the shard files of one run (`run --shard K/N`) into one result file. Shards are of the same
 * run when they share the schema, the git commit and the config (compared at every depth) apart
 * from what each shard found where it ran, and their indices are exactly 1..N of one N. Anything
 * else is refused with a one-line reason.
 */
import { UsageError } from '../result/errors.js';
import { entriesOnMachine, type ResultFile, type RunConfig } from '../result/schema.js';
import { describeMachine } from './format.js';

export interface Shard {
  path: string;
  file: ResultFile;
}

export interface Merged {
  result: ResultFile;
  /** facts worth telling the user that do not prevent the merge */
  notes: string[];
}

/**
 * What makes shards one run: their config, less the shard and what each shard found where it ran
 * (the services it started, the earlier runs beside its result file and its place among them).
 */
function runConfig(config: RunConfig): Partial<RunConfig> {
  const {
    shard: _shard,
    services: _started,
    unavailable: _failed,
    sessions: _spreadFrom,
    earlierRuns: _placedBy,
    ...rest
  } = config;
  return rest;
}

/** JSON with the keys of every object sorted, at every depth (a replacer array would drop nested keys). */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * The merged file's earlier runs: the shards' own when they all took the same, else the files of all
 * with the first shard's spread and no shift (each shard's shift was over its own cells). Every
 * entry keeps the spread its interval includes (stats.ci.sessions).
 */
function mergeSessions(shards: Shard[], notes: string[]): RunConfig['sessions'] {
  const all = shards.map((s) => s.file.config.sessions);
  const [first] = all;
  if (all.every((s) => canonicalJson(s) === canonicalJson(first))) return first;
  notes.push(
    "the shards took their run-to-run spread from different earlier runs; each entry's interval keeps its own (stats.ci.sessions)",
  );
  const files = [...new Set(all.flatMap((s) => s?.files ?? []))].sort();
  const spread = all.find((s) => s !== undefined)?.spread;
  return spread && { files, spread };
}

function checkShardSet(shards: Shard[]): number {
  const missing = shards.find((s) => !s.file.config.shard);
  if (missing)
    throw new UsageError(`${missing.path} is not a shard (its config has no shard; run it with --shard K/N)`);
  const count = shards[0].file.config.shard?.count ?? 0;
  const odd = shards.find((s) => s.file.config.shard?.count !== count);
  if (odd)
    throw new UsageError(
      `${odd.path} is shard ${odd.file.config.shard?.index}/${odd.file.config.shard?.count}, but ${shards[0].path} is of ${count} shards`,
    );
  const seen = new Map<number, string>();
  for (const s of shards) {
    const index = s.file.config.shard?.index ?? 0;
    const other = seen.get(index);
    if (other) throw new UsageError(`${other} and ${s.path} are both shard ${index}/${count}`);
    seen.set(index, s.path);
  }
  // each shard is one file and none is given twice: fewer files than shards means some are missing,
  // named below when few (listing a count of 10^9 would take as much memory)
  if (shards.length < count) {
    const absent = count <= 1000 ? Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i)) : [];
    const which =
      absent.length > 0
        ? `shard${absent.length > 1 ? 's' : ''} ${absent.join(', ')}`
        : `${count - shards.length} shards`;
    throw new UsageError(`${which} of ${count} missing`);
  }
  return count;
}

function checkSameRun(shards: Shard[]): void {
  const [first] = shards;
  const commit = (s: Shard) => (s.file.git ? s.file.git.commit : 'no git');
  for (const s of shards.slice(1)) {
    if (commit(s) !== commit(first))
      throw new UsageError(
        `${s.path} is of commit ${commit(s)}, ${first.path} of ${commit(first)}: not shards of one run`,
      );
    const differs = configDifference(s.file.config, first.file.config);
    if (differs)
      throw new UsageError(
        `${s.path} and ${first.path} were run with different configs (${differs}): not shards of one run`,
      );
  }
}

/** The first field in which two shards' configs differ as runs (`runConfig`), if any. */
function configDifference(a: RunConfig, b: RunConfig): string | undefined {
  const [x, y]: Record<string, unknown>[] = [runConfig(a), runConfig(b)];
  return Object.keys({ ...x, ...y })
    .sort()
    .find((key) => canonicalJson(x[key]) !== canonicalJson(y[key]));
}

/**
 * Shards of one run measured the same runtimes, each at one version: a shard run with another
 * `--runtime` list, or on a runner that had another build of a version spec, would make a table
 * whose columns each hold part of the cells and whose × compare one build with another.
 */
function mergeRuntimes(shards: Shard[]): ResultFile['runtimes'] {
  const [first] = shards;
  const named = (s: Shard) =>
    s.file.runtimes
      .map((r) => `${r.label} ${r.version}`)
      .sort()
      .join(', ');
  for (const shard of shards.slice(1)) {
    for (const info of shard.file.runtimes) {
      const known = first.file.runtimes.find((r) => r.label === info.label);
      if (known && known.version !== info.version)
        throw new UsageError(
          `runtime '${info.label}' is ${known.version} in ${first.path} but ${info.version} in ${shard.path}`,
        );
    }
    if (named(shard) !== named(first))
      throw new UsageError(
        `${shard.path} ran ${named(shard) || 'no runtime'}, ${first.path} ${named(first) || 'no runtime'}: not shards of one run`,
      );
  }
  return first.file.runtimes;
}

function mergeResults(shards: Shard[]): ResultFile['results'] {
  const owner = new Map<string, string>();
  for (const s of shards)
    for (const e of s.file.results) {
      const other = owner.get(e.key);
      if (other) throw new UsageError(`entry ${e.key} is in both ${other} and ${s.path}: shards overlap`);
      owner.set(e.key, s.path);
    }
  // each entry keeps the machine it ran on; shard K of N ran the plan's cell groups K, K + N, K + 2N, ...
  // (a group is a cell on every runtime, src/harness/plan.ts), so dealing the shards' groups out in
  // turn gives back the run's order, and the tables list cases as an unsharded run does
  const groups = shards.map((s) => groupRuns(entriesOnMachine(s.file)));
  const most = Math.max(...groups.map((g) => g.length));
  return Array.from({ length: most }, (_, i) => groups.flatMap((g) => g[i] ?? [])).flat();
}

/** A shard's entries cut where their group (scenario, case, params: the key less its runtime) changes. */
function groupRuns(entries: ResultFile['results']): ResultFile['results'][] {
  const runs: ResultFile['results'][] = [];
  let last: string | undefined;
  for (const e of entries) {
    const group = e.key.slice(0, e.key.lastIndexOf('/'));
    if (group === last) runs[runs.length - 1].push(e);
    else runs.push([e]);
    last = group;
  }
  return runs;
}

/** Times in the order of the instants they name, not of their text (a shard may write another UTC offset). */
function byInstant(times: string[]): string[] {
  return [...times].sort((a, b) => Date.parse(a) - Date.parse(b));
}

export function mergeShards(input: Shard[]): Merged {
  if (input.length === 0) throw new UsageError('merge needs at least one shard file');
  const shards = [...input].sort((a, b) => (a.file.config.shard?.index ?? 0) - (b.file.config.shard?.index ?? 0));
  const count = checkShardSet(shards);
  checkSameRun(shards);
  const [first] = shards;
  const notes: string[] = [];
  // the fixed facts and id, not the page-fault probe, which differs from run to run on one machine
  const machines = new Set(shards.map((s) => `${s.file.machine.id ?? ''}|${describeMachine(s.file.machine)}`));
  if (machines.size > 1)
    notes.push(
      `the ${count} shards ran on ${machines.size} different machines; each entry keeps its own (results[].machine), the file's 'machine' is shard 1's`,
    );
  const ids = [...new Set(shards.map((s) => s.file.run.id))];
  // shard 1's services stand for the run's, as its machine does; every shard's failures are kept
  const { shard: _shard, earlierRuns: _placedBy, sessions: _spreadFrom, ...rest } = first.file.config;
  const config: RunConfig = rest;
  const unavailable = Object.assign({}, ...shards.map((s) => s.file.config.unavailable));
  if (Object.keys(unavailable).length > 0) config.unavailable = unavailable;
  const sessions = mergeSessions(shards, notes);
  if (sessions) config.sessions = sessions;
  const result: ResultFile = {
    schema: first.file.schema,
    run: {
      // shards that share an id keep it; asyncbench gives every run its own, so the shards of
      // separate runs name the merged run after their parts
      id: ids.length === 1 ? ids[0] : ids.join('+'),
      startedAt: byInstant(shards.map((s) => s.file.run.startedAt))[0],
      finishedAt: byInstant(shards.map((s) => s.file.run.finishedAt)).at(-1) ?? first.file.run.finishedAt,
      complete: shards.every((s) => s.file.run.complete),
      asyncbenchVersion: first.file.run.asyncbenchVersion,
    },
    // one shard from a changed working tree makes the run's code uncommitted: compare warns of it
    git: first.file.git && { ...first.file.git, dirty: shards.some((s) => s.file.git?.dirty === true) },
    machine: first.file.machine,
    runtimes: mergeRuntimes(shards),
    config,
    results: mergeResults(shards),
  };
  if (!result.run.complete) notes.push('some shard did not complete: the merged run is marked incomplete');
  return { result, notes };
}
