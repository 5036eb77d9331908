/**
 * Runs the examples of docs/patterns.md: every ```ts block that imports from 'asyncbench' is
 * written to a module of its own and imported (vitest resolves 'asyncbench' to src/api.ts), so an
 * example that throws or no longer compiles fails here; one that says it is "not run by the
 * documentation test" (WorkerPool's, which needs worker modules on disk) is left to the test it
 * names (test/support/patterns-examples.ts picks them). Each `// x` comment after a console.log is
 * the output the page promises; it is compared with what the example printed.
 * test/integration/patterns-docs-runtimes.test.ts runs them on node, deno and bun against the built package.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exampleTitle, formatLogged, patternExamples, promised } from '../support/patterns-examples.js';

const ROOT = join(import.meta.dirname, '..', '..');
const blocks = patternExamples();
const dir = join(ROOT, '.tmp', `docs-examples-${process.pid}`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/patterns.md examples', () => {
  it('has the examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs and prints what the page says (${exampleTitle(code, i)})`, async () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `example-${i + 1}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(formatLogged).join(' '));
      });
      try {
        await import(file);
      } finally {
        log.mockRestore();
      }
      expect(printed).toEqual(promised(code));
    });
  });
});
