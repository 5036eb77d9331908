/**
 * db-pool's checks of asyncpg's pool features (min_size, command_timeout, acquire + transaction), on
 * hand-made states: the cases themselves need PostgreSQL (the acceptance and integration runs).
 */
import { describe, expect, it } from 'vitest';
import dbPool, { checkFeatures, type DbState, newState, warmMin } from '../../scenarios/db-pool.js';

const state = (extra: Partial<DbState>): DbState => ({ ...newState('', 's', 'a'), peak: 1, ...extra });

describe('db-pool feature checks', () => {
  it('has a case for each feature', () => {
    expect(Object.keys(dbPool.cases)).toEqual(
      expect.arrayContaining(['pg-min', 'postgres-command-timeout', 'pg-acquire-transaction']),
    );
    expect([warmMin(1), warmMin(5), warmMin(20)]).toEqual([1, 3, 10]);
  });

  it('pg-min: passes a pool warm before its first query, fails a cold one', () => {
    checkFeatures('pg-min', state({ warmBeforeFirstQuery: 5 }), 10);
    expect(() => checkFeatures('pg-min', state({ warmBeforeFirstQuery: 1 }), 10)).toThrow(
      /held 1 connections before the first query, min is 5/,
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
    checkFeatures('pg-acquire-transaction', state({ committed: 40, counterSum: 40 }), 10);
    expect(() =>
      checkFeatures('pg-acquire-transaction', state({ committed: 40, counterSum: 40, pidChanges: 1 }), 10),
    ).toThrow(/more than one connection/);
    expect(() => checkFeatures('pg-acquire-transaction', state({ committed: 40, counterSum: 39 }), 10)).toThrow(
      /add up to 39, but 40/,
    );
    expect(() => checkFeatures('pg-acquire-transaction', state({}), 10)).toThrow(/no transaction/);
  });
});
