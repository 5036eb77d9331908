import { expect, test } from 'vitest';
import { TimeoutError, withTimeout } from '../../src/patterns/index.js';

test('withTimeout passes a result through and names what timed out', async () => {
  await expect(withTimeout(Promise.resolve(7), 50, 'the answer')).resolves.toBe(7);
  const never = new Promise<never>(() => {});
  const error = await withTimeout(never, 10, 'the server start').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TimeoutError);
  expect((error as Error).message).toBe('the server start: no result within 10 ms');
  await expect(withTimeout(Promise.reject(new Error('boom')), 50, 'x')).rejects.toThrow('boom');
});
