import { describe, expect, it } from 'vitest';
import { parseAutocannon, parsePgbench, parseWrk, referenceRecords } from '../../src/services/reference.js';

const PGBENCH = `pgbench (15.18 (Debian 15.18-0+deb12u1), server 18.4)
transaction type: /tmp/q.sql
number of clients: 4
number of threads: 2
duration: 1 s
number of transactions actually processed: 16729
latency average = 0.220 ms
initial connection time = 79.904 ms
tps = 18151.516171 (without initial connection time)
`;

const WRK = `Running 1s test @ http://127.0.0.1:38679/plain
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.00us    5.97ms  52.79ms   91.38%
    Req/Sec     0.92k   534.77     2.11k    70.00%
  Latency Distribution
     50%    1.35ms
     75%    4.71ms
     90%    9.09ms
     99%    1.20s
  1836 requests in 1.00s, 340.66KB read
Requests/sec:   1831.62
Transfer/sec:    339.85KB
`;

describe('reference load generators', () => {
  it('reads tps and mean latency from pgbench', () => {
    expect(parsePgbench(PGBENCH)).toEqual({ tool: 'pgbench', opsPerSecond: 18151.516171, latency: { mean: 0.22 } });
    expect(() => parsePgbench('connection refused')).toThrow(/tps/);
  });

  it('reads requests/s and latencies from wrk, converting units to ms', () => {
    const figure = parseWrk(WRK);
    expect(figure.tool).toBe('wrk');
    expect(figure.opsPerSecond).toBe(1831.62);
    expect(figure.latency.mean).toBeCloseTo(0.812, 9);
    expect(figure.latency.p50).toBeCloseTo(1.35, 9);
    expect(figure.latency.p99).toBeCloseTo(1200, 9);
  });

  it('reads autocannon --json', () => {
    const json = JSON.stringify({ requests: { average: 5000 }, latency: { average: 1.5, p50: 1, p99: 9 } });
    expect(parseAutocannon(json)).toEqual({
      tool: 'autocannon',
      opsPerSecond: 5000,
      latency: { mean: 1.5, p50: 1, p99: 9 },
    });
  });

  it('refuses a run whose requests failed: a target that died mid-run gives no reference', () => {
    const ok = { requests: { average: 5000 }, latency: { average: 1.5, p50: 1, p99: 9 } };
    const failed = JSON.stringify({ ...ok, errors: 812, timeouts: 0, non2xx: 0 });
    expect(() => parseAutocannon(failed)).toThrow(/812 errors, 0 timeouts, 0 not 2xx/);
    expect(() => parseAutocannon(JSON.stringify({ ...ok, errors: 0, timeouts: 0, non2xx: 3 }))).toThrow(/3 not 2xx/);
    expect(parseAutocannon(JSON.stringify({ ...ok, errors: 0, timeouts: 0, non2xx: 0 })).opsPerSecond).toBe(5000);
    const wrkFailed = WRK.replace(
      'Requests/sec:',
      '  Socket errors: connect 0, read 12, write 0, timeout 0\nRequests/sec:',
    );
    expect(() => parseWrk(wrkFailed)).toThrow(/Socket errors: connect 0, read 12/);
    const wrkNon2xx = WRK.replace('Requests/sec:', '  Non-2xx or 3xx responses: 40\nRequests/sec:');
    expect(() => parseWrk(wrkNon2xx)).toThrow(/Non-2xx or 3xx responses: 40/);
  });

  it('names each recorded figure after the tool that made it', () => {
    const records = referenceRecords({ tool: 'wrk', opsPerSecond: 100, latency: { p99: 3 } });
    expect(records).toEqual([
      { name: 'reference wrk', value: 100, unit: 'ops/s' },
      { name: 'reference wrk p99', value: 3, unit: 'ms' },
    ]);
  });
});
