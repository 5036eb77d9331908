import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { machineInfo, pageFaultMicros } from '../../src/harness/metadata.js';
import { currentRuntime } from '../../src/runtimes/current.js';

const runtime = await currentRuntime();

/** Linux's transparent huge pages mode ('always', 'madvise' or 'never'); undefined elsewhere. */
function hugePages(): string | undefined {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Whether a fresh WebAssembly memory (the probe's pages) can be had: not where ulimit -v caps it. */
function freshMemory(): boolean {
  try {
    new WebAssembly.Memory({ initial: 64 });
    return true;
  } catch {
    return false;
  }
}

test('the page-fault probe prices a fault wherever every fresh page is one counted fault', () => {
  const us = pageFaultMicros(runtime);
  if (us === undefined) {
    // allowed only where the runtime counts no minor faults, no fresh mapping can be had, or huge
    // pages may back it so that its 1024 pages take too few faults: not on Linux with a fault
    // count, fresh memory and huge pages only where asked for (madvise) or never
    const mode = hugePages();
    const everyPageCounted =
      runtime.pageFaults() !== undefined && mode !== undefined && mode !== 'always' && freshMemory();
    expect(everyPageCounted, `no price, with huge pages '${mode}'`).toBe(false);
  } else {
    expect(Number.isFinite(us)).toBe(true);
    expect(us).toBeGreaterThan(0);
  }
});

/** A runtime whose clock reads `times` in turn and whose fault count grows by `faults` at each reading. */
function fake(times: number[], faults: number | undefined) {
  let count = 0;
  let t = 0;
  return {
    now: () => times[t++],
    pageFaults: () => {
      if (faults === undefined) return undefined;
      count += faults;
      return count;
    },
  };
}

test('the probe says nothing where faults are not counted, or too few happen to price one (huge pages)', () => {
  expect(pageFaultMicros(fake([0, 1, 2, 3, 4, 5], undefined))).toBeUndefined();
  // a probe touches 1024 pages: 511 faults (or 2, as 2 MiB huge pages take) are too few
  expect(pageFaultMicros(fake([0, 1, 2, 3, 4, 5], 511))).toBeUndefined();
  expect(pageFaultMicros(fake([0, 1, 2, 3, 4, 5], 2))).toBeUndefined();
});

test('the probe prices a fault as the median of three probes, time over faults counted', () => {
  // 1024 faults a probe, taking 1.024, 3.072 and 2.048 ms: 1, 3 and 2 µs a fault
  expect(pageFaultMicros(fake([0, 1.024, 10, 13.072, 20, 22.048], 1024))).toBe(2);
  // half the pages faulting is enough: 512 faults in 1.024 ms are 2 µs each
  expect(pageFaultMicros(fake([0, 1.024, 10, 11.024, 20, 21.024], 512))).toBe(2);
});

test('the machine is probed once per process: every call states the same fault cost and id', () => {
  const first = machineInfo(runtime);
  const second = machineInfo(runtime);
  expect(second.pageFaultUs).toBe(first.pageFaultUs);
  expect(second.id).toBe(first.id);
  expect(first.id).toMatch(/^[0-9a-f]{12}$/);
});
