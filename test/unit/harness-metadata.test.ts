import { expect, test } from 'vitest';
import { machineInfo, pageFaultMicros } from '../../src/harness/metadata.js';
import { currentRuntime } from '../../src/runtimes/current.js';

const runtime = await currentRuntime();

test('the page-fault probe prices a fault, or says it could not count enough of them', () => {
  const us = pageFaultMicros(runtime);
  if (us !== undefined) {
    expect(Number.isFinite(us)).toBe(true);
    expect(us).toBeGreaterThan(0);
  }
});

test('the machine is probed once per process: every call states the same fault cost and id', () => {
  const first = machineInfo(runtime);
  const second = machineInfo(runtime);
  expect(second.pageFaultUs).toBe(first.pageFaultUs);
  expect(second.id).toBe(first.id);
  expect(first.id).toMatch(/^[0-9a-f]{12}$/);
});
