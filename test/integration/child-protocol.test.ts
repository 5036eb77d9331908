// The measuring child's protocol against what a case can throw, print or return: every cell gets
// its status and a one-line reason, and the run's result file stays readable.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultFile } from '../../src/result/io.js';
import type { ResultFile } from '../../src/result/schema.js';
import { entry, ROOT, runCli, tempDir } from '../support/cli.js';

const ODD_OUTPUTS = join(ROOT, 'test/fixtures/scenarios/odd-outputs.ts');
const ODD_FIGURES = join(ROOT, 'test/fixtures/scenarios/odd-figures.ts');

/** Runs FILE on node, one quick fork per cell, and reads its result file as the reports do. */
async function run(file: string, ...args: string[]): Promise<{ code: number | null; result: ResultFile }> {
  const out = join(tempDir('child-protocol'), 'r.json');
  const cli = await runCli(['run', file, '--quick', '--runtime', 'node', '--sessions', 'none', '--json', out, ...args]);
  return { code: cli.code, result: readResultFile(out) };
}

const cell = (result: ResultFile, caseName: string, items = 1) =>
  entry(result, (e) => e.case === caseName && e.params.items === items);

describe('the measuring child', () => {
  it('fails a case that throws what has no text, or text of several lines, with a one-line reason', async () => {
    const { code, result } = await run(
      ODD_OUTPUTS,
      '--case',
      'throws-textless,throws-lines,throws-aggregate',
      '--param',
      'items=1',
    );
    expect(code).toBe(1);
    // not the child's own crash ("node exited with code 1 before reporting: at async file://...")
    expect(cell(result, 'throws-textless')).toMatchObject({
      status: 'failed',
      reason: 'a thrown object that has no text',
    });
    expect(cell(result, 'throws-lines')).toMatchObject({ status: 'failed', reason: 'Error: first line second line' });
    expect(cell(result, 'throws-aggregate')).toMatchObject({
      status: 'failed',
      reason: 'two failed: Error: one; a thrown object that has no text',
    });
  });

  it('keeps the run and its result when a case floods stderr past what a string can hold', async () => {
    const { code, result } = await run(ODD_OUTPUTS, '--case', 'floods-stderr', '--param', 'items=1');
    expect(code).toBe(0);
    expect(result.run.complete).toBe(true);
    expect(cell(result, 'floods-stderr').status).toBe('ok');
  });

  it('fails a cell whose figures a result file cannot hold, and the file stays readable', async () => {
    const figures = await run(ODD_FIGURES);
    expect(figures.code).toBe(1);
    const of = (c: string) => entry(figures.result, (e) => e.case === c);
    expect(of('fine').status).toBe('ok');
    expect(of('cold-undefined')).toMatchObject({
      status: 'failed',
      reason: 'Error: a process op must return a finite number >= 0, got undefined',
    });
    expect(of('negative')).toMatchObject({
      status: 'failed',
      reason: 'Error: a process op must return a finite number >= 0, got -1',
    });
    const items = await run(ODD_OUTPUTS, '--case', 'fine');
    expect(cell(items.result, 'fine', 1).status).toBe('ok');
    expect(cell(items.result, 'fine', 0)).toMatchObject({
      status: 'failed',
      reason: 'Error: itemsPerOp({"items":0}) is 0, not a number above 0',
    });
  });
});
