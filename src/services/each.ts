/**
 * Starts each required service on its own, so one that cannot start (no PostgreSQL binary, a port
 * taken) fails only the scenarios that need it: the run records them failed with the reason and
 * measures everything else.
 */
import { connect } from 'node:net';
import { parseConnectionUrl, redactText, redactUrl } from '../result/redact.js';
import type { Services } from '../scenario.js';
import { type RunningServices, type ServiceOptions, type ServicesDescription, startServices } from './services.js';

/**
 * The services of the run as the jobs see them; `unavailable` names those that failed to start or
 * died since, and why (a live record: checked before each job).
 */
export interface JobServices {
  services: Services;
  unavailable: Record<string, string>;
  /**
   * Checks, before a job that requires them, that these services still accept connections; one
   * that does not is added to `unavailable`, with the reason of its exit where there is one.
   */
  ensure?(names: readonly string[]): Promise<void>;
}

/**
 * Resolves false only when nothing listens at the URL's host and port any more (connection refused).
 * `?host=` and `?port=` override the URL's own, as libpq and node-postgres read them; a Unix socket
 * or a URL that cannot be read is not probed (resolves true).
 */
export function listening(url: string): Promise<boolean> {
  const u = parseConnectionUrl(url);
  const host = u?.searchParams.get('host') ?? u?.hostname.replace(/^\[|\]$/g, '');
  if (u === undefined || !host || host.startsWith('/')) return Promise.resolve(true);
  const port = Number(u.searchParams.get('port') ?? u.port) || (u.protocol === 'http:' ? 80 : 5432);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (alive: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(alive);
    };
    // Slow is not dead: a busy machine must not fail cells. But a process starved of CPU past the
    // deadline wakes with the timer due and the refusal already in; timers run before the poll
    // phase that delivers it, so the verdict waits for setImmediate (after poll). The first wins.
    const timer = setTimeout(() => setImmediate(() => done(true)), PROBE_TIMEOUT_MS);
    socket.once('connect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code !== 'ECONNREFUSED'));
  });
}

export const PROBE_TIMEOUT_MS = 2_000;
/** How long a refused probe waits for the service's exit to say why it died. */
const EXIT_REASON_WAIT_MS = 5_000;

export interface ServicesOfRun extends JobServices {
  stop(): Promise<void>;
  describe(): ServicesDescription;
}

export async function startServicesEach(
  requires: ReadonlySet<string>,
  options: ServiceOptions,
): Promise<ServicesOfRun> {
  const names = (['postgres', 'http'] as const).filter((name) => requires.has(name));
  const started = await Promise.allSettled(names.map((name) => startServices(new Set([name]), options)));
  const running: RunningServices[] = [];
  const unavailable: Record<string, string> = {};
  started.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') running.push(outcome.value);
    else
      unavailable[names[i]] = redactText((outcome.reason as Error).message?.split('\n')[0] ?? String(outcome.reason));
  });
  // a service that dies mid-run is unavailable from then on: the jobs that need it fail with why
  const died: Partial<Record<string, (reason: string) => void>> = {};
  const deaths: Partial<Record<string, Promise<string>>> = {};
  for (const name of names) deaths[name] = new Promise((resolve) => (died[name] = resolve));
  for (const r of running)
    r.onDeath((name, reason) => {
      unavailable[name] ??= redactText(reason);
      died[name]?.(unavailable[name]);
    });
  const services: Services = Object.assign({}, ...running.map((r) => r.services));
  const urls: Record<string, string | undefined> = { postgres: services.postgres?.url, http: services.http?.url };
  return {
    services,
    unavailable,
    async ensure(required) {
      for (const name of required) {
        const url = urls[name];
        if (url === undefined || name in unavailable || (await listening(url))) continue;
        // refused: the exit (if it is ours) tells why; a server we did not start just stopped answering
        const exit = deaths[name];
        let stopWaiting = () => {};
        const reason = await Promise.race([
          exit ?? Promise.resolve(undefined),
          new Promise<undefined>((resolve) => {
            const timer = setTimeout(resolve, exit ? EXIT_REASON_WAIT_MS : 0);
            stopWaiting = () => clearTimeout(timer);
          }),
        ]);
        // an exit that came first leaves the wait's timer, which would hold the process open for 5 s
        stopWaiting();
        unavailable[name] ??= reason ?? `${name} no longer accepts connections (${redactUrl(url)})`;
      }
    },
    async stop() {
      await Promise.allSettled(running.map((r) => r.stop()));
    },
    describe() {
      const parts = running.map((r) => r.describe());
      return {
        ...Object.assign({}, ...parts.map(({ services: _, ...rest }) => rest)),
        services: Object.assign({}, ...parts.map((p) => p.services)),
        ...(Object.keys(unavailable).length ? { unavailable } : {}),
      };
    },
  };
}
