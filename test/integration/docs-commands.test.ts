/**
 * The commands the docs show a user exist as written: every `--flag` after `asyncbench <command>`
 * in README.md, docs/*.md, results/README.md and the example workflow a user copies
 * (docs/github-workflow.yml, every line) is one that command's `--help` lists (compare --base also
 * takes the run options). A flag renamed or removed in the CLI and left in the docs
 * fails here, not in a reader's terminal. The README's own-scenario example (my-scenario.ts) is
 * run as a user runs it, from a directory outside the project, with its command's --quick.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readResult, runCli, tempDir } from '../support/cli.js';

const COMMANDS = ['run', 'compare', 'report', 'merge', 'list', 'runtimes'];

function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
  return ['README.md', 'results/README.md', 'docs/github-workflow.yml', ...docs.map((f) => `docs/${f}`)];
}

/** the command lines a file shows: inline code spans and lines of code blocks; a workflow is all commands */
function codeLines(file: string, text: string): string[] {
  if (file.endsWith('.yml')) return text.split('\n');
  const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  const blocks = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n'));
  return [...spans, ...blocks];
}

/** [file, command, flag, line] for every flag after `asyncbench <command>`, up to a comment or a shell operator */
function documentedFlags(): [string, string, string, string][] {
  const found: [string, string, string, string][] = [];
  const command = new RegExp(`asyncbench (${COMMANDS.join('|')})\\b([^#|;&]*)`, 'g');
  for (const file of docFiles())
    for (const line of codeLines(file, readFileSync(join(ROOT, file), 'utf8')))
      for (const [, name, rest] of line.matchAll(command))
        for (const [, flag] of rest.matchAll(/(?:^|\s)(--[a-z][a-z0-9-]*)/g)) found.push([file, name, flag, line]);
  return found;
}

describe('the docs', () => {
  it('name only flags that the command they follow lists in its --help', async () => {
    const flags = documentedFlags();
    expect(flags.length).toBeGreaterThan(30); // the extraction finds the docs' commands at all
    const help = new Map<string, string>();
    for (const name of COMMANDS) {
      const run = await runCli([name, '--help']);
      expect(run.code, `${name} --help: ${run.stderr}`).toBe(0);
      help.set(name, run.stdout);
    }
    // the whole flag: `--fork` is not `--forks`
    const lists = (name: string, flag: string) => new RegExp(`${flag}(?![a-z0-9-])`).test(help.get(name) ?? '');
    const known = (name: string, flag: string) => lists(name, flag) || (name === 'compare' && lists('run', flag));
    const unknown = flags
      .filter(([, name, flag]) => !known(name, flag))
      .map(([f, n, flag, l]) => `${f}: ${n} ${flag} in ${l}`);
    expect(unknown).toEqual([]);
  });

  // the README's own-scenario example is run by no other test: a user copies it first
  it("run the README's own scenario example as written", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /```ts\n(\/\/ my-scenario\.ts\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'the README has a ```ts block that starts // my-scenario.ts').toBeDefined();
    const dir = tempDir('readme-scenario');
    writeFileSync(join(dir, 'my-scenario.ts'), example as string);
    const out = join(dir, 'r.json');
    const run = await runCli(
      ['run', './my-scenario.ts', '--quick', '--runtime', 'node', '--json', out, '--sessions', 'none'],
      {
        cwd: dir,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(out);
    expect(result.results.map((e) => [e.scenario, e.case, e.status])).toEqual([
      ['json-roundtrip', 'stringify', 'ok'],
      ['json-roundtrip', 'structuredClone', 'ok'],
    ]);
  });
});
