import { describe, expect, it } from 'vitest';
import { openResource, Resource, suppressedError, withResource, withResources } from '../../src/patterns/resource.js';

function tracked(log: string[], name: string, failOnDispose = false) {
  return () =>
    new Resource(name, async (value) => {
      log.push(`dispose ${value}`);
      if (failOnDispose) throw new Error(`dispose ${value} failed`);
    });
}

describe('Resource', () => {
  it('releases once, through Symbol.asyncDispose', async () => {
    let releases = 0;
    const resource = await openResource(
      async () => 'conn',
      () => {
        releases++;
      },
    );
    expect(resource.value).toBe('conn');
    await resource[Symbol.asyncDispose]();
    await resource[Symbol.asyncDispose]();
    expect(releases).toBe(1);
    expect(resource.disposed).toBe(true);
  });
});

describe('withResource / withResources', () => {
  it('disposes after the body, also when the body throws', async () => {
    const log: string[] = [];
    expect(await withResource(tracked(log, 'a'), (r) => `used ${r.value}`)).toBe('used a');
    await expect(
      withResource(tracked(log, 'b'), () => {
        throw new Error('body');
      }),
    ).rejects.toThrow('body');
    expect(log).toEqual(['dispose a', 'dispose b']);
  });

  it('disposes in reverse order of acquisition, also when a later acquisition fails', async () => {
    const log: string[] = [];
    await withResources([tracked(log, 'pool'), tracked(log, 'conn'), tracked(log, 'tx')], (pool, conn, tx) => {
      log.push(`use ${pool.value} ${conn.value} ${tx.value}`);
    });
    expect(log).toEqual(['use pool conn tx', 'dispose tx', 'dispose conn', 'dispose pool']);
    log.length = 0;
    await expect(
      withResources(
        [
          tracked(log, 'pool'),
          () => {
            throw new Error('acquire failed');
          },
        ],
        () => log.push('never'),
      ),
    ).rejects.toThrow('acquire failed');
    expect(log).toEqual(['dispose pool']);
  });

  it('a disposal error after a body error is a SuppressedError, as `await using` makes it', async () => {
    const log: string[] = [];
    const error = (await withResource(tracked(log, 'a', true), () => {
      throw new Error('body');
    }).catch((e: unknown) => e)) as Error & { error: Error; suppressed: Error };
    expect(error.name).toBe('SuppressedError');
    expect(error.error.message).toBe('dispose a failed');
    expect(error.suppressed.message).toBe('body');
  });

  it('disposal errors chain in disposal order; a lone disposal error is thrown as is', async () => {
    const log: string[] = [];
    const lone = await withResource(tracked(log, 'a', true), () => 1).catch((e: unknown) => e);
    expect((lone as Error).message).toBe('dispose a failed');
    const chained = (await withResources([tracked(log, 'x', true), tracked(log, 'y', true)], () => 1).catch(
      (e: unknown) => e,
    )) as { error: Error; suppressed: Error };
    expect(chained.error.message).toBe('dispose x failed');
    expect(chained.suppressed.message).toBe('dispose y failed');
  });

  it('matches native `await using` where the runtime has SuppressedError', () => {
    const error = suppressedError(new Error('d'), new Error('b'));
    if (typeof (globalThis as { SuppressedError?: unknown }).SuppressedError === 'function')
      expect(error).toBeInstanceOf((globalThis as unknown as { SuppressedError: new () => Error }).SuppressedError);
    expect(error.name).toBe('SuppressedError');
  });

  it('accepts sync Disposables too', async () => {
    let disposed = false;
    await withResource(
      () => ({
        [Symbol.dispose]() {
          disposed = true;
        },
      }),
      () => undefined,
    );
    expect(disposed).toBe(true);
  });

  it('takes a null resource and refuses one that cannot be disposed before the body runs, as await using does', async () => {
    expect(
      await withResource(
        () => null as unknown as Disposable,
        () => 'ran',
      ),
    ).toBe('ran');
    let ran = false;
    const body = () => {
      ran = true;
    };
    await expect(withResource(() => ({}) as Disposable, body)).rejects.toThrow(TypeError);
    const log: string[] = [];
    await expect(withResources([tracked(log, 'pool'), () => ({}) as Disposable], body)).rejects.toThrow(
      /not disposable/,
    );
    expect(ran).toBe(false);
    expect(log).toEqual(['dispose pool']);
  });
});
