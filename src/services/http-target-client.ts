/**
 * What a scenario needs to talk to the HTTP target server (src/services/http-target-server.ts):
 * its modes as URLs, the body it answers with, and its request counters. Plain `fetch`, so it runs
 * in every measuring runtime.
 */

/** The body of every successful answer; clients check it so an incomplete response never counts. */
export const TARGET_BODY = 'asyncbench target: ok\n';

export interface TargetStats {
  /** requests answered, in every mode (the stats and reset endpoints are not counted) */
  requests: number;
  /** 503 answers: flaky failures and load shed above capacity */
  failures: number;
  /** requests being handled right now */
  inFlight: number;
  /** the most requests the server ever held at once since the last reset */
  maxInFlight: number;
  /**
   * connections that sent a request since the last reset. A node:http server counts its sockets; a
   * Deno or Bun server tells connections apart by the client's port, which the OS may give to a later
   * connection, so there it is a lower bound.
   */
  connections: number;
  /** connections open now, and the most open at once since the last reset; -1 where the server
   * cannot see a connection close (a Deno or Bun server) */
  openConnections: number;
  maxOpenConnections: number;
}

export type TargetMode =
  | { mode: 'plain' }
  | { mode: 'delay'; ms: number }
  /** fails a share `p` (0..1) of requests with 503, after `ms` */
  | { mode: 'flaky'; p: number; ms?: number }
  /** answers a share `p` (0..1) of requests after `ms`, the others at once (for client timeouts) */
  | { mode: 'slow'; p: number; ms: number }
  /** answers 503 at once when more than `n` requests are in flight, else 200 after `ms` */
  | { mode: 'capacity'; n: number; ms?: number };

/** The URL of a mode on the server at `base`, e.g. http://127.0.0.1:4000/flaky?p=0.3&ms=2 */
export function targetUrl(base: string, target: TargetMode): string {
  const { mode, ...query } = target;
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return `${base}/${mode}${search ? `?${search}` : ''}`;
}

export async function targetStats(base: string): Promise<TargetStats> {
  const response = await fetch(`${base}/__stats`);
  if (!response.ok) throw new Error(`HTTP target stats: ${response.status}`);
  return (await response.json()) as TargetStats;
}

/**
 * Runs `calls` and fails unless the server at `base` saw `expected` more requests meanwhile: a client
 * that answers from a response it kept passes every check of its answers and connections, and only
 * the server's count tells. `what` names the calls in the error.
 */
export async function expectRequests(base: string, expected: number, what: string, calls: () => Promise<unknown>) {
  const before = (await targetStats(base)).requests;
  await calls();
  const seen = (await targetStats(base)).requests - before;
  if (seen < expected)
    throw new Error(`the server saw ${seen} of the ${expected} requests ${what} made: responses came from elsewhere`);
}

/** Zeroes the counters; each measured cell calls it in setup, as one server serves the whole run. */
export async function resetTarget(base: string): Promise<void> {
  const response = await fetch(`${base}/__reset`, { method: 'POST' });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`HTTP target reset: ${response.status}`);
}
