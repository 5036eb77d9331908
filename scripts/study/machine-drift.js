#!/usr/bin/env node
// How steady is the machine itself? One process, one fixed loop (after a warm-up, so the JIT has
// nothing left to decide), timed slot after slot for a few minutes: any spread between slots is
// the machine's, not asyncbench's nor a runtime's. Compare its CV with the between-fork CV of the
// fork-stability study (docs/architecture.md, "Stable forks").
//
//   node scripts/study/machine-drift.js [--seconds 180] [--slot-ms 1000]
import { parseArgs } from 'node:util';
import { medianOf } from './common.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '180' }, 'slot-ms': { type: 'string', default: '1000' } },
});

/** The fixed work: an integer hash chain, the same every call. */
function work(n) {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ i, 0x01000193) >>> 0;
  return h;
}

/**
 * Gaps: a loop that only reads the clock sees every moment the process was not running (a
 * hypervisor's steal, a timer interrupt) as a jump between two reads. A busy-wait to a deadline
 * that such a gap straddles overshoots by the gap, so on a machine with many gaps an op "of
 * 100 µs" really takes longer (docs/architecture.md, "Stable forks").
 */
function gaps(ms) {
  const found = [];
  const start = performance.now();
  let last = start;
  for (let now = last; now - start < ms; now = performance.now()) {
    if (now - last > 0.005) found.push(now - last);
    last = now;
  }
  return found;
}
const seen = gaps(2000).sort((a, b) => a - b);
const stolen = seen.reduce((a, b) => a + b, 0);
console.log(
  `gaps over 5 µs in 2 s of clock reads: ${seen.length} (${(seen.length / 2).toFixed(0)}/s), ` +
    `median ${seen.length ? (1000 * medianOf(seen)).toFixed(1) : 0} µs, ${((100 * stolen) / 2000).toFixed(1)}% of the time`,
);

const CALL = 20_000;
let sink = 0;
const warmUntil = performance.now() + 2000;
while (performance.now() < warmUntil) sink ^= work(CALL);

const slots = [];
const end = performance.now() + Number(values.seconds) * 1000;
while (performance.now() < end) {
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < Number(values['slot-ms'])) {
    sink ^= work(CALL);
    calls++;
  }
  slots.push(((performance.now() - start) * 1e6) / (calls * CALL)); // ns per iteration
}
const med = medianOf(slots);
const mean = slots.reduce((a, b) => a + b, 0) / slots.length;
const cv = Math.sqrt(slots.reduce((a, b) => a + (b - mean) ** 2, 0) / (slots.length - 1)) / mean;
const sorted = [...slots].sort((a, b) => a - b);
const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const slow = slots.filter((s) => s > med * 1.1).length;
console.log(
  `${slots.length} slots of ${values['slot-ms']} ms: median ${med.toFixed(3)} ns/iteration, CV ${(100 * cv).toFixed(1)}%, ` +
    `p5 ${(q(0.05) / med).toFixed(2)}x p95 ${(q(0.95) / med).toFixed(2)}x max ${(sorted.at(-1) / med).toFixed(2)}x of the median, ` +
    `${slow} slots over 10% slower (${sink === 0.5 ? '' : 'sink kept'})`,
);
console.log(`slots (x median): ${slots.map((s) => (s / med).toFixed(2)).join(' ')}`);
