import { describe, expect, it } from 'vitest';
import { TARGET_BODY, targetUrl } from '../../src/services/http-target-client.js';
import { createTarget, webHandler } from '../../src/services/http-target-handler.js';

const BASE = 'http://127.0.0.1:1';

/** The target behind the Web handler, as Deno.serve and Bun.serve run it. */
function webTarget(random?: () => number) {
  const target = createTarget(random);
  return { handler: webHandler(target), stats: target.stats };
}

describe('HTTP target handler', () => {
  it('builds mode URLs', () => {
    expect(targetUrl(BASE, { mode: 'plain' })).toBe(`${BASE}/plain`);
    expect(targetUrl(BASE, { mode: 'capacity', n: 5, ms: 2 })).toBe(`${BASE}/capacity?n=5&ms=2`);
  });

  it('fails the flaky share with 503 and counts it', async () => {
    const values = [0.1, 0.9];
    const { handler, stats } = webTarget(() => values.shift() ?? 0);
    const url = targetUrl(BASE, { mode: 'flaky', p: 0.5 });
    expect((await handler(new Request(url))).status).toBe(503);
    const ok = await handler(new Request(url));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(TARGET_BODY);
    expect(stats()).toMatchObject({ requests: 2, failures: 1, inFlight: 0, maxInFlight: 1 });
  });

  it('sheds load above capacity and tracks the most requests held at once', async () => {
    const { handler, stats } = webTarget();
    const url = targetUrl(BASE, { mode: 'capacity', n: 2, ms: 20 });
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () => Promise.resolve(handler(new Request(url))).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 503)).toHaveLength(3);
    expect(stats().maxInFlight).toBe(5);
    expect(stats().inFlight).toBe(0);
  });

  it('answers stats and reset without counting them, and rejects an unknown mode', async () => {
    const { handler, stats } = webTarget();
    await handler(new Request(`${BASE}/plain`));
    expect(await (await handler(new Request(`${BASE}/__stats`))).json()).toEqual(stats());
    expect((await handler(new Request(`${BASE}/__reset`, { method: 'POST' }))).status).toBe(200);
    expect(stats()).toMatchObject({ requests: 0, failures: 0, inFlight: 0, maxInFlight: 0, connections: 0 });
    expect((await handler(new Request(`${BASE}/nope`))).status).toBe(400);
    expect((await handler(new Request(`${BASE}/delay?ms=-1`))).status).toBe(400);
  });

  it('counts in a reset window only the requests started in it', async () => {
    const { handler, stats } = webTarget();
    const leftover = Promise.all([1, 2, 3].map(() => handler(new Request(`${BASE}/delay?ms=40`))));
    await handler(new Request(`${BASE}/__reset`, { method: 'POST' }));
    await Promise.all([1, 2].map(() => handler(new Request(`${BASE}/delay?ms=5`))));
    expect(stats()).toMatchObject({ requests: 2, inFlight: 0, maxInFlight: 2 });
    await leftover;
    expect(stats()).toMatchObject({ requests: 2, inFlight: 0, maxInFlight: 2 });
  });

  it('charges a failure to the window its request started in', async () => {
    const { handler, stats } = webTarget(() => 0);
    const leftover = handler(new Request(targetUrl(BASE, { mode: 'flaky', p: 1, ms: 20 })));
    await handler(new Request(`${BASE}/__reset`, { method: 'POST' }));
    expect((await leftover).status).toBe(503);
    expect(stats()).toMatchObject({ requests: 0, failures: 0, inFlight: 0 });
  });

  it('counts connections by the connection each request names; open counts only where sockets are reported', async () => {
    const target = createTarget();
    const handler = webHandler(target);
    const get = (port: number) => handler(new Request(`${BASE}/plain`), { remotePort: port });
    await get(5001);
    await get(5001);
    await get(5002);
    expect(target.stats()).toMatchObject({ requests: 3, connections: 2, openConnections: -1 });
    const node = createTarget();
    node.reportsCloses();
    const answer = (socket: number) => node.answer('GET', new URL(`${BASE}/plain`), socket);
    await node.answer('GET', new URL(`${BASE}/__stats`), 9); // the stats connection is not the pool's
    await answer(1);
    await answer(2);
    node.connectionClosed(1);
    node.connectionClosed(9);
    expect(node.stats()).toMatchObject({ connections: 2, openConnections: 1, maxOpenConnections: 2 });
    await node.answer('POST', new URL(`${BASE}/__reset`));
    expect(node.stats()).toMatchObject({ connections: 0, openConnections: 1, maxOpenConnections: 1 });
    await answer(2); // a connection from before the reset counts again once it sends a request
    await answer(3);
    expect(node.stats()).toMatchObject({ connections: 2, openConnections: 2, maxOpenConnections: 2 });
  });

  it('answers a share of /slow requests late and the others at once', async () => {
    const values = [0.01, 0.9];
    const { handler, stats } = webTarget(() => values.shift() ?? 1);
    const url = targetUrl(BASE, { mode: 'slow', p: 0.1, ms: 50 });
    const slow = Promise.resolve(handler(new Request(url)));
    expect((await handler(new Request(url))).status).toBe(200);
    expect(stats().inFlight).toBe(1); // the slow one is still held
    expect((await slow).status).toBe(200);
    expect(stats().inFlight).toBe(0);
  });
});
