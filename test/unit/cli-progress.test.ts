import { expect, test } from 'vitest';
import { describeJob } from '../../src/cli/progress.js';
import type { Job } from '../../src/harness/plan.js';

test('a progress line stays one line when a case name or param value holds a line break', () => {
  const job = {
    cell: { scenario: { id: 'odd' }, caseName: 'two\nlines', params: { sep: 'a\r\nb' }, runtime: { label: 'node' } },
    fork: 1,
  } as unknown as Job;
  expect(describeJob(job, 3)).toBe('odd/two lines sep=a b on node fork 2/3');
});
