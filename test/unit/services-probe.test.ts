// The probe that decides, before each job, whether a service still listens. A process starved of
// CPU past the probe's deadline must still see a refusal that came in meanwhile: the starvation is
// made here by blocking the event loop, which is what a busy 2-core machine does to the harness.
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listening, PROBE_TIMEOUT_MS } from '../../src/services/each.js';

function listen(): Promise<Server> {
  const server = createServer((socket) => socket.end());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;

/** a port nothing listens on: one a server just gave back */
async function refusedUrl(): Promise<string> {
  const server = await listen();
  const url = urlOf(server);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

function blockLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
}

describe('the service probe', () => {
  it('says alive for a server that accepts, and dead for a refused port', async () => {
    const server = await listen();
    try {
      expect(await listening(urlOf(server))).toBe(true);
    } finally {
      server.close();
    }
    expect(await listening(await refusedUrl())).toBe(false);
  });

  it('reads ?host= and ?port= as libpq does, and does not probe what it cannot (a socket, an unreadable URL)', async () => {
    const server = await listen();
    const port = (server.address() as { port: number }).port;
    try {
      // the URL's own port is refused; the query's is the server
      const refused = new URL(await refusedUrl()).port;
      expect(await listening(`postgres://u:pw@127.0.0.1:${refused}/db?port=${port}`)).toBe(true);
      expect(await listening(`postgres://u:pw@/db?host=127.0.0.1&port=${port}`)).toBe(true);
      expect(await listening(`postgres://u:pw@/db?host=127.0.0.1&port=${refused}`)).toBe(false);
      expect(await listening('postgres:///db?host=/var/run/postgresql')).toBe(true);
      expect(await listening('host=127.0.0.1 password=x')).toBe(true);
    } finally {
      server.close();
    }
  });

  it('says dead when the loop was blocked past its deadline with the refusal already in', async () => {
    const verdict = listening(await refusedUrl());
    blockLoop(PROBE_TIMEOUT_MS + 200);
    expect(await verdict).toBe(false);
  });
});
