/**
 * The examples of docs/patterns.md that a test runs: every ```ts block that imports from
 * 'asyncbench' or 'asyncbench/patterns', except one that says it is "not run by the documentation test" (WorkerPool's,
 * which needs worker modules on disk). Each `// x` comment after a console.log is the output the
 * page promises.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export function patternExamples(): string[] {
  const page = readFileSync(join(ROOT, 'docs', 'patterns.md'), 'utf8');
  return [...page.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .filter(
      (code) => /from 'asyncbench(\/patterns)?'/.test(code) && !code.includes('not run by the documentation test'),
    );
}

/** what an example says it prints: the comment after each console.log, in order */
export function promised(code: string): string[] {
  return [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => (m[1] as string).trim());
}

/** a console.log argument as the page writes it: node's form for arrays of strings and numbers */
export const formatLogged = (value: unknown): string =>
  Array.isArray(value)
    ? `[ ${value.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')} ]`
    : String(value);

/** the example's title in a test name: its import line */
export function exampleTitle(code: string, i: number): string {
  return (
    code
      .split('\n')
      .find((line) => line.startsWith('import'))
      ?.slice(0, 70) ?? `block ${i}`
  );
}
