/**
 * db-pool's checks of asyncpg's pool features (min_size, command_timeout, acquire + transaction), on
 * hand-made states: the cases themselves need PostgreSQL (the acceptance and integration runs).
 */
import { describe, expect, it } from 'vitest';
import dbPool, { checkFeatures, checkReuse, type DbState, newState, warmMin } from '../../scenarios/db-pool.js';

const state = (extra: Partial<DbState>): DbState => ({ ...newState('', 's', 'a'), peak: 1, ...extra });

describe('db-pool feature checks', () => {
  it('ranks the cases that do other work than a pool query apart: no transaction is "N× slower" than a query', () => {
    for (const name of ['pg-acquire-transaction', 'postgres-command-timeout'])
      expect((dbPool.caseMetrics?.[name] ?? dbPool.metric)?.name, name).not.toBe(dbPool.metric?.name);
  });

  it('has a case for each feature', () => {
    expect(Object.keys(dbPool.cases)).toEqual(
      expect.arrayContaining(['pg-min', 'postgres-command-timeout', 'pg-acquire-transaction']),
    );
    expect([warmMin(1), warmMin(5), warmMin(20)]).toEqual([1, 3, 10]);
  });

  it('pg-min: passes a pool warm before its first query that keeps min when idle, fails a cold one and one that closes them', () => {
    checkFeatures('pg-min', state({ warmBeforeFirstQuery: 5, heldWhenIdle: 5 }), 10);
    expect(() => checkFeatures('pg-min', state({ warmBeforeFirstQuery: 1, heldWhenIdle: 5 }), 10)).toThrow(
      /held 1 connections before the first query, min is 5/,
    );
    // a pool given no min: its idle clients all closed
    expect(() => checkFeatures('pg-min', state({ warmBeforeFirstQuery: 5, heldWhenIdle: 0 }), 10)).toThrow(
      /idle past its idle timeout the pool kept 0 connections, min is 5: it does not keep min/,
    );
  });

  it('command timeout: fails no timeout, a timed-out query still running, a pool that stopped answering', () => {
    const ok = { timeouts: 3, stillRunning: 0, answeredAfter: { answered: 20, sent: 20 } };
    checkFeatures('postgres-command-timeout', state(ok), 10);
    expect(() => checkFeatures('postgres-command-timeout', state({ ...ok, timeouts: 0 }), 10)).toThrow(
      /never exercised its command timeout/,
    );
    expect(() => checkFeatures('postgres-command-timeout', state({ ...ok, stillRunning: 2 }), 10)).toThrow(
      /still ran on the server/,
    );
    expect(() =>
      checkFeatures('postgres-command-timeout', state({ ...ok, answeredAfter: { answered: 19, sent: 20 } }), 10),
    ).toThrow(/answered 19 of 20 plain queries/);
  });

  it('transaction: fails statements spread over connections and counters that do not add up', () => {
    const statements = (...backends: number[]) =>
      [
        'begin',
        'select pg_backend_pid() as pid',
        'update t set n = n + 1',
        'select pg_backend_pid() as pid',
        'commit',
      ].map((text, i) => ({ text, backend: backends[i] ?? (backends[0] as number) }));
    const txStatements = statements(7);
    checkFeatures('pg-acquire-transaction', state({ committed: 40, counterSum: 40, txStatements }), 10);
    expect(() =>
      checkFeatures(
        'pg-acquire-transaction',
        state({ committed: 40, counterSum: 40, txStatements: statements(7, 7, 9) }),
        10,
      ),
    ).toThrow(/more than one connection \(backends 7, 9\)/);
    expect(() =>
      checkFeatures(
        'pg-acquire-transaction',
        state({ committed: 40, counterSum: 40, txStatements: txStatements.slice(1) }),
        10,
      ),
    ).toThrow(/sent no begin/);
    expect(() => checkFeatures('pg-acquire-transaction', state({ committed: 40, counterSum: 40 }), 10)).toThrow(
      /recorded no statement/,
    );
    expect(() =>
      checkFeatures(
        'pg-acquire-transaction',
        state({ committed: 40, counterSum: 40, pidChanges: 1, txStatements }),
        10,
      ),
    ).toThrow(/more than one connection/);
    expect(() =>
      checkFeatures('pg-acquire-transaction', state({ committed: 40, counterSum: 39, txStatements }), 10),
    ).toThrow(/add up to 39, but 40/);
    expect(() => checkFeatures('pg-acquire-transaction', state({}), 10)).toThrow(/no transaction/);
  });

  describe('reuse: what the sampler saw of the pool connections over the run', () => {
    /** a run of `finished` queries whose connections were first seen when these many had finished */
    const run = (finished: number, firstSeen: number[], peak = 10) => ({
      finished,
      peak,
      connections: new Map(firstSeen.map((at, i) => [`${1000 + i}@1700000000.5`, at])),
    });

    it('passes a pool that opened its connections while warming up and then reused them', () => {
      checkReuse(run(5000, [0, 0, 3, 3, 8, 12, 40, 61, 90, 276]), 10);
      checkReuse(run(1500, [0], 1), 10); // one caller at a time: one connection all run
    });

    it('passes a pool still filling up to max late in a short run: it closed none of what it opened', () => {
      // a review: max 100 at concurrency 256, scram auth on 2 cores, --quick: the last opened after 506 of 863
      const filling = run(
        863,
        Array.from({ length: 100 }, (_, i) => (i < 60 ? i * 5 : 506 + i)),
        100,
      );
      checkReuse(filling, 100);
    });

    it('fails a pool that opened more connections over the run than max (one per query: maxUses 1)', () => {
      const perQuery = run(
        150,
        Array.from({ length: 149 }, (_, i) => i),
        8,
      );
      expect(() => checkReuse(perQuery, 10)).toThrow(
        /opened 149 connections over the run \(at most 8 at once\), more than max 10: it does not reuse them/,
      );
    });

    it('fails a pool that still opened connections after warm-up, though never more than max', () => {
      // one caller, its connection replaced every few hundred queries (pg's maxUses): 4 of them
      expect(() => checkReuse(run(1536, [0, 400, 800, 1200], 1), 10)).toThrow(
        /opened 2 of its 4 connections after warm-up \(the first when 800 of 1536 queries had finished\)/,
      );
    });
  });
});
