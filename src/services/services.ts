/**
 * The real services of a run, started once by the orchestrator before the first measuring process
 * and stopped after the last (and on Ctrl-C): PostgreSQL and the HTTP target server, each only when
 * a selected scenario `requires` it.
 */
import { join } from 'node:path';
import { currentRuntime } from '../runtimes/current.js';
import { type RuntimeExecutable, runtimeCommand } from '../runtimes/discover.js';
import type { Services } from '../scenario.js';
import { type HttpTargetService, startHttpTarget } from './http-target.js';
import { type PostgresDescription, type PostgresService, startPostgres } from './postgres.js';

export interface ServiceOptions {
  /** label of the runtime the HTTP target server runs on (--server-runtime) */
  serverRuntime: string;
  /** the runtimes found (discoverRuntimes); serverRuntime is looked up among them */
  runtimes: readonly RuntimeExecutable[];
  /** the project root: the server is dist/services/http-target-server.js under it */
  projectRoot: string;
  /** aborted on Ctrl-C: a start still waiting rejects at once, with what it started stopped */
  signal?: AbortSignal;
}

/** Safe to show and to store: no password. Meant for the result file's config. */
export interface ServicesDescription {
  /** the database's connection string, password removed (RunConfig.database) */
  database?: string;
  services: {
    postgres?: PostgresDescription;
    http?: { url: string; runtime: string; startupMs: number };
  };
}

export interface RunningServices {
  /** goes to every measuring process (ChildJob.services); holds the database password */
  services: Services;
  /** stops everything started; idempotent, safe to call from a SIGINT handler and more than once */
  stop(): Promise<void>;
  describe(): ServicesDescription;
  /** called when a service started here exits before stop(), with its name and why */
  onDeath(listener: (name: 'postgres' | 'http', reason: string) => void): void;
}

function timed<T>(start: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  return start().then((value) => ({ value, ms: performance.now() - t0 }));
}

async function startTarget(options: ServiceOptions): Promise<HttpTargetService> {
  const rt = options.runtimes.find((r) => r.label === options.serverRuntime);
  if (!rt)
    throw new Error(
      `server runtime '${options.serverRuntime}' not found (have: ${options.runtimes.map((r) => r.label).join(', ')})`,
    );
  const script = join(options.projectRoot, 'dist', 'services', 'http-target-server.js');
  return startHttpTarget(await currentRuntime(), runtimeCommand(rt, script), options.signal);
}

/**
 * Call once per run, before the first measuring process, with the `requires` of the selected
 * scenarios ('workers' and other names are ignored). DATABASE_URL, when set, points PostgreSQL at
 * that server instead of an embedded one.
 */
export async function startServices(requires: ReadonlySet<string>, options: ServiceOptions): Promise<RunningServices> {
  const databaseUrl = (await currentRuntime()).env('DATABASE_URL') || undefined;
  // both start at once; if one fails, the other is stopped before the error goes up
  const [pg, http] = await Promise.allSettled([
    requires.has('postgres') ? startPostgres(databaseUrl, options.signal) : undefined,
    requires.has('http') ? timed(() => startTarget(options)) : undefined,
  ]);
  const postgres: PostgresService | undefined = pg.status === 'fulfilled' ? pg.value : undefined;
  const target: HttpTargetService | undefined = http.status === 'fulfilled' ? http.value?.value : undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= Promise.allSettled([postgres?.stop(), target?.stop()]).then((outcomes) => {
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
    });
    return stopping;
  };
  const failure = [pg, http].find((o) => o.status === 'rejected');
  if (failure) {
    await stop().catch(() => {});
    throw failure.reason;
  }
  const services: Services = {
    ...(postgres ? { postgres: { url: postgres.url, schema: postgres.schema } } : {}),
    ...(target ? { http: { url: target.url } } : {}),
  };
  const httpStartupMs = http.status === 'fulfilled' ? (http.value?.ms ?? 0) : 0;
  return {
    services,
    stop,
    onDeath(listener) {
      postgres?.onExit?.((reason) => listener('postgres', reason));
      target?.onExit((reason) => listener('http', reason));
    },
    describe: () => ({
      ...(postgres ? { database: postgres.describe().url } : {}),
      services: {
        ...(postgres ? { postgres: postgres.describe() } : {}),
        ...(target ? { http: { url: target.url, runtime: options.serverRuntime, startupMs: httpStartupMs } } : {}),
      },
    }),
  };
}
