/**
 * Progress on stderr: on a TTY one line rewritten in place with the current job and an ETA; otherwise
 * (CI logs, pipes) one plain line per finished job. NO_COLOR is honoured by the caller's `color`.
 */
import { writeSync } from 'node:fs';
import type { JobEvents } from '../harness/orchestrator.js';
import type { Job } from '../harness/plan.js';
import { formatParams, formatValue, onOneLine } from '../report/format.js';
import type { ForkRecord } from '../result/schema.js';
import { median } from '../result/stats.js';

const STDERR = 2;

/** `what` replaces the fork count, e.g. 'base pair 3' */
export function describeJob(job: Job, forks: number, what?: string): string {
  const c = job.cell;
  const fork = what ? ` ${what}` : forks > 1 ? ` fork ${job.fork + 1}/${forks}` : '';
  // one line however a scenario names its cases and values: progress is read line by line
  return onOneLine(`${c.scenario.id}/${c.caseName} ${formatParams(c.params)} on ${c.runtime.label}${fork}`);
}

function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function progressReporter(
  total: number,
  forks: number,
  tty: boolean,
  now: () => number,
  describe: (job: Job) => string = (job) => describeJob(job, forks),
): JobEvents & { finish(): void } {
  const start = now();
  const eta = (index: number) => (index === 0 ? '?' : formatEta(((now() - start) / index) * (total - index)));
  const write = (text: string) => writeSync(STDERR, text);
  return {
    jobStarted(job, index) {
      if (tty) write(`\r\x1b[K[${index + 1}/${total}] ${describe(job)}  ETA ${eta(index)}`);
    },
    jobFinished(job, index, record: ForkRecord) {
      if (tty && record.status === 'ok') return;
      const figure =
        record.status === 'ok'
          ? formatValue(median(record.samples), job.cell.scenario.metric.unit)
          : `${record.status}: ${record.reason}`;
      write(`${tty ? '\r\x1b[K' : ''}[${index + 1}/${total}] ${describe(job)}: ${figure}\n`);
    },
    finish() {
      if (tty) write('\r\x1b[K');
    },
  };
}
