/**
 * Starts each required service on its own, so one that cannot start (no PostgreSQL binary, a port
 * taken) fails only the scenarios that need it: the run records them failed with the reason and
 * measures everything else.
 */
import { redactText } from '../result/redact.js';
import type { Services } from '../scenario.js';
import { type RunningServices, type ServiceOptions, type ServicesDescription, startServices } from './services.js';

/**
 * The services of the run as the jobs see them; `unavailable` names those that failed to start or
 * died since, and why (a live record: checked before each job).
 */
export interface JobServices {
  services: Services;
  unavailable: Record<string, string>;
}

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
  for (const r of running)
    r.onDeath((name, reason) => {
      unavailable[name] ??= redactText(reason);
    });
  return {
    services: Object.assign({}, ...running.map((r) => r.services)),
    unavailable,
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
