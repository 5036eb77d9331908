/**
 * Reference figures: what a native load generator reaches against the same server with the same
 * work and the same number of clients, so a report can say "postgres.js on bun reaches 45% of
 * pgbench". pgbench for PostgreSQL; for HTTP wrk where it is installed, else autocannon (a
 * JavaScript load generator on the same cores: a weaker reference, and the figure's name says
 * which tool made it). Run from the measuring process through the adapter's spawn, so the tools die
 * with the cell's process group on a timeout.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { scratchPath } from '../runtimes/debris.js';
import type { RuntimeAdapter } from '../runtimes/types.js';

export interface ReferenceFigure {
  /** 'pgbench', 'wrk' or 'autocannon' */
  tool: string;
  /** queries or requests per second */
  opsPerSecond: number;
  /** ms, where the tool reports them */
  latency: { mean?: number; p50?: number; p99?: number };
}

/** The figures a cell records with ctx.record: `reference <tool> ops/s`, `reference <tool> p99 ms`, ... */
export function referenceRecords(figure: ReferenceFigure): { name: string; value: number; unit: string }[] {
  const records = [{ name: `reference ${figure.tool}`, value: figure.opsPerSecond, unit: 'ops/s' }];
  for (const [stat, value] of Object.entries(figure.latency)) {
    if (value !== undefined) records.push({ name: `reference ${figure.tool} ${stat}`, value, unit: 'ms' });
  }
  return records;
}

async function runTool(
  runtime: RuntimeAdapter,
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<string | undefined> {
  let child: ReturnType<RuntimeAdapter['spawn']>;
  try {
    child = runtime.spawn(command, args, { env, stdout: 'pipe', stderr: 'pipe' });
  } catch {
    return undefined;
  }
  const exit = await child.exited.catch(() => undefined);
  if (exit === undefined) return undefined; // not installed (spawn failed)
  if (exit.code !== 0)
    throw new Error(`${command} failed (${exit.signal ?? exit.code}): ${child.stderr().trim().slice(-300)}`);
  return child.stdout();
}

export interface PgbenchRun {
  /** connection string (the password goes through PGPASSWORD, not the command line) */
  url: string;
  /** SQL of one transaction; may use :id, set to a random users id */
  query: string;
  /** number of connections (pgbench clients) */
  clients: number;
  seconds: number;
  /** highest id for :id */
  maxId: number;
}

/** Runs pgbench with a one-query script in prepared mode; undefined where pgbench is not on PATH. */
export async function pgbenchReference(runtime: RuntimeAdapter, run: PgbenchRun): Promise<ReferenceFigure | undefined> {
  const url = new URL(run.url);
  const password = decodeURIComponent(url.password);
  url.password = '';
  // named by its process, so that the next run removes it when a kill left it (pgbench takes any name)
  const script = scratchPath(tmpdir(), 'asyncbench-pgbench-', 'script');
  writeFileSync(script, `\\set id random(1, ${run.maxId})\n${run.query};\n`);
  try {
    const threads = Math.max(1, Math.min(run.clients, runtime.cpus()));
    const args = [
      '-n',
      '-M',
      'prepared',
      '-c',
      String(run.clients),
      '-j',
      String(threads),
      '-T',
      String(Math.max(1, Math.round(run.seconds))),
      '-f',
      script,
      url.toString(),
    ];
    const out = await runTool(runtime, 'pgbench', args, { PGPASSWORD: password });
    return out === undefined ? undefined : parsePgbench(out);
  } finally {
    rmSync(script, { force: true });
  }
}

export function parsePgbench(out: string): ReferenceFigure {
  const tps = /tps = ([\d.]+)/.exec(out);
  if (!tps) throw new Error(`pgbench printed no tps: ${out.slice(-300)}`);
  const mean = /latency average = ([\d.]+) ms/.exec(out);
  return { tool: 'pgbench', opsPerSecond: Number(tps[1]), latency: mean ? { mean: Number(mean[1]) } : {} };
}

export interface HttpLoadRun {
  url: string;
  /** connections, each with one request in flight */
  connections: number;
  seconds: number;
}

/** wrk where installed, else autocannon from node_modules; undefined when neither runs. */
export async function httpReference(runtime: RuntimeAdapter, run: HttpLoadRun): Promise<ReferenceFigure | undefined> {
  const seconds = String(Math.max(1, Math.round(run.seconds)));
  const threads = String(Math.max(1, Math.min(run.connections, runtime.cpus())));
  const wrk = await runTool(runtime, 'wrk', [
    '-t',
    threads,
    '-c',
    String(run.connections),
    '-d',
    `${seconds}s`,
    '--latency',
    run.url,
  ]);
  if (wrk !== undefined) return parseWrk(wrk);
  const autocannon = await runTool(runtime, 'node_modules/.bin/autocannon', [
    '-c',
    String(run.connections),
    '-d',
    seconds,
    '-j',
    run.url,
  ]);
  return autocannon === undefined ? undefined : parseAutocannon(autocannon);
}

/** wrk prints durations with a unit: 812.00us, 1.23ms, 2.01s */
function wrkMs(text: string): number {
  const [, value, unit] = /([\d.]+)(us|ms|s|m)/.exec(text) ?? [];
  const scale: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 };
  return Number(value) * (scale[unit] ?? Number.NaN);
}

export function parseWrk(out: string): ReferenceFigure {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk printed no Requests/sec: ${out.slice(-300)}`);
  // wrk prints these lines only when there were some
  const failures = [/^\s*Socket errors:.*$/m.exec(out)?.[0], /^\s*Non-2xx or 3xx responses:.*$/m.exec(out)?.[0]];
  const failed = failures.filter((line) => line !== undefined).map((line) => line.trim());
  if (failed.length > 0) throw new Error(`wrk's requests failed (${failed.join('; ')}): no reference figure`);
  const line = (label: string) => new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(out)?.[1];
  const p50 = line('50%');
  const p99 = line('99%');
  const mean = line('Latency');
  return {
    tool: 'wrk',
    opsPerSecond: Number(rps[1]),
    latency: {
      ...(mean ? { mean: wrkMs(mean) } : {}),
      ...(p50 ? { p50: wrkMs(p50) } : {}),
      ...(p99 ? { p99: wrkMs(p99) } : {}),
    },
  };
}

export function parseAutocannon(out: string): ReferenceFigure {
  const report = JSON.parse(out) as {
    requests: { average: number };
    latency: { average: number; p50: number; p99: number };
    errors?: number;
    timeouts?: number;
    non2xx?: number;
  };
  // a rate of failures is no reference for a rate of answers (a target that died mid-run)
  const failed = (report.errors ?? 0) + (report.timeouts ?? 0) + (report.non2xx ?? 0);
  if (failed > 0)
    throw new Error(
      `autocannon's requests failed (${report.errors ?? 0} errors, ${report.timeouts ?? 0} timeouts, ${report.non2xx ?? 0} not 2xx): no reference figure`,
    );
  return {
    tool: 'autocannon',
    opsPerSecond: report.requests.average,
    latency: { mean: report.latency.average, p50: report.latency.p50, p99: report.latency.p99 },
  };
}
