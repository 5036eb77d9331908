/**
 * Where a run's time went, summed over its measuring processes: what the budget buys (warm-up and
 * measuring) against what every fresh process costs (start-up, imports, setup, exit).
 */
import type { ResultEntry, RunTiming } from '../result/schema.js';

export function runTiming(entries: readonly ResultEntry[], wallMs: number, servicesMs: number): RunTiming {
  const t: RunTiming = {
    wallMs,
    servicesMs,
    jobs: 0,
    processMs: 0,
    startupMs: 0,
    setupMs: 0,
    warmupMs: 0,
    measureMs: 0,
    verifyMs: 0,
  };
  for (const fork of entries.flatMap((e) => e.forks)) {
    t.jobs++;
    t.processMs += fork.wallMs;
    const p = fork.phases ?? {};
    t.startupMs += (p.startup ?? 0) + (p.import ?? 0);
    t.setupMs += p.setup ?? 0;
    const warm = fork.measurement?.warmupMs ?? 0;
    t.warmupMs += warm;
    t.measureMs += (p.measure ?? 0) - warm;
    t.verifyMs += p.verify ?? 0;
  }
  return t;
}

export function describeTiming(t: RunTiming): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const share = (ms: number) => `${s(ms)} (${((100 * ms) / Math.max(t.wallMs, 1)).toFixed(0)}%)`;
  const inside = t.startupMs + t.setupMs + t.warmupMs + t.measureMs + t.verifyMs;
  return [
    `time: ${s(t.wallMs)} for ${t.jobs} processes`,
    `measuring ${share(t.measureMs)}`,
    `warm-up ${share(t.warmupMs)}`,
    `process start-up and imports ${share(t.startupMs)}`,
    `setup ${share(t.setupMs)}`,
    `verify ${share(t.verifyMs)}`,
    `spawn and exit ${share(t.processMs - inside)}`,
    `services ${share(t.servicesMs)}`,
  ].join(', ');
}
