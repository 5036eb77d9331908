/**
 * What `run` and `compare --base` share in setting up a session. The rest of their setup is kept
 * apart on purpose: a run has one journal that a later --resume reads (so it stays when the
 * services fail) and times the services' start, while a compare --base session has a journal per
 * side that goes with services that did not start, and no --resume.
 */
import type { RuntimeAdapter } from '../runtimes/types.js';
import { checkDatabaseUrl } from '../services/postgres.js';
import type { ScenarioInfo } from './catalog.js';

/**
 * The services the scenarios require. A DATABASE_URL no driver can use is refused here, before
 * anything starts: it failed every db cell.
 */
export function servicesNeeded(runtime: RuntimeAdapter, scenarios: readonly ScenarioInfo[]): Set<string> {
  const requires = new Set(scenarios.flatMap((s) => s.requires));
  if (requires.has('postgres')) checkDatabaseUrl(runtime.env('DATABASE_URL'));
  return requires;
}
