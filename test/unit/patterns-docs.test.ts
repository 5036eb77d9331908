/**
 * Runs the examples of docs/patterns.md: every ```ts block that imports from 'asyncbench' is
 * written to a module of its own and imported (vitest resolves 'asyncbench' to src/api.ts), so an
 * example that throws or no longer compiles fails here; one that says it is "not run by the
 * documentation test" (WorkerPool's, which needs worker modules on disk) is left to the test it
 * names. Each `// x` comment after a console.log is the output the page promises; it is compared
 * with what the example printed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const page = readFileSync(join(ROOT, 'docs', 'patterns.md'), 'utf8');
const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((m) => m[1] as string)
  .filter((code) => code.includes("from 'asyncbench'") && !code.includes('not run by the documentation test'));
const dir = join(ROOT, '.tmp', `docs-examples-${process.pid}`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** what an example says it prints: the comment after each console.log, in order */
function promised(code: string): string[] {
  return [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => (m[1] as string).trim());
}

const format = (value: unknown): string =>
  Array.isArray(value)
    ? `[ ${value.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')} ]`
    : String(value);

describe('docs/patterns.md examples', () => {
  it('has the examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  blocks.forEach((code, i) => {
    const title =
      code
        .split('\n')
        .find((line) => line.startsWith('import'))
        ?.slice(0, 70) ?? `block ${i}`;
    it(`example ${i + 1} runs and prints what the page says (${title})`, async () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `example-${i + 1}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(format).join(' '));
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
