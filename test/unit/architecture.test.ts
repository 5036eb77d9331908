/**
 * The layering docs/architecture.md promises, checked on the sources: runtime globals only in
 * src/runtimes/, and imports that point one way (cli -> harness -> {runtimes, measure, services}
 * -> patterns, with the result file's module at the bottom and the reports reading files only).
 * A type-only import crosses layers freely: it leaves nothing in the built code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const newlinesOf = (text: string) => text.replace(/[^\n]/g, '');

/**
 * The code of a source with its comments and the text of its strings and templates blanked (lines
 * kept). A template's `${...}` stays code, templates nested in it included: a stack holds, for each
 * `${` open, how many braces of its code are open.
 */
function codeOf(text: string): string {
  let out = '';
  const open: number[] = [];
  let i = 0;
  /** from just after a template's opening backtick or a `}` that closed its `${`: its text, blanked */
  const templateText = () => {
    let j = i;
    while (j < text.length && text[j] !== '`' && !(text[j] === '$' && text[j + 1] === '{'))
      j += text[j] === '\\' ? 2 : 1;
    out += newlinesOf(text.slice(i, j));
    if (text[j] === '`') {
      out += '`';
      i = j + 1;
    } else {
      open.push(0);
      out += '${';
      i = j + 2;
    }
  };
  while (i < text.length) {
    const rest = text.slice(i, i + 2);
    const c = text[i] as string;
    if (rest === '//' || rest === '/*') {
      const close = rest === '//' ? '\n' : '*/'; // a line comment keeps its newline
      const found = text.indexOf(close, i + 2);
      const to = found === -1 ? text.length : found + (rest === '//' ? 0 : 2);
      out += ` ${newlinesOf(text.slice(i, to))}`;
      i = to;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += c + c;
      i = j + 1;
    } else if (c === '`') {
      out += '`';
      i++;
      templateText();
    } else if (open.length > 0 && (c === '{' || c === '}')) {
      const depth = open.pop() as number;
      out += c;
      i++;
      if (c === '{') open.push(depth + 1);
      else if (depth > 0) open.push(depth - 1);
      else templateText();
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** the layer of a file under src/: its first directory, or 'api' for the files at the top */
function layerOf(path: string): string {
  const parts = relative('src', path).split('/');
  return parts.length === 1 ? 'api' : (parts[0] as string);
}

/** the layers a file's value imports (not `import type`) reach, with the file each names */
function importedLayers(path: string): { layer: string; file: string; line: string }[] {
  const text = readFileSync(join(ROOT, path), 'utf8');
  const statements = text.match(/^(?:import|export)\b[^;]*?from '(\.{1,2}\/[^']+)';/gms) ?? [];
  return statements
    .filter((statement) => !/^(?:import|export) type\b/.test(statement))
    .map((statement) => {
      const file = join(dirname(path), /from '([^']+)'/.exec(statement)?.[1] as string).replace(/\.js$/, '.ts');
      return { layer: layerOf(file), file, line: statement.split('\n')[0] as string };
    });
}

/** what each layer may import besides itself; a layer not named here may import any */
const MAY_IMPORT: Record<string, string[]> = {
  result: [],
  patterns: [],
  report: ['result'],
  runtimes: ['result'],
  measure: ['result', 'runtimes', 'patterns', 'api'],
  services: ['result', 'runtimes', 'patterns', 'api'],
  workers: ['runtimes', 'patterns', 'api'],
  harness: ['result', 'runtimes', 'measure', 'services', 'patterns', 'api'],
};

/**
 * Runtime capabilities a lower layer may import from src/runtimes/: leaves that import nothing, so
 * the patterns stay loadable with no adapter (docs/architecture.md, "Modules")
 */
const RUNTIME_LEAVES = ['src/runtimes/promise-peek.ts'];

/**
 * A runtime namespace named in code outside src/runtimes/: `Deno` or `Bun` as any identifier (also
 * `globalThis.Bun?.peek` or a type's `{ Bun?: ... }`); `process` as an identifier, not a key (`{
 * process: ... }`) or another object's property (`child.process`); `process` read from globalThis,
 * also through a cast over several lines; or any global read by a computed name
 */
const RUNTIME_NAMESPACE = new RegExp(
  [
    /(?<![\w$])(?:Deno|Bun)(?![\w$])/,
    /(?<![\w.$])process(?![\w$]|\s*\??\s*:)/,
    /\bglobalThis\s*\??\.\s*process\b/,
    /\bglobalThis\s+as\s[^)]*\)\s*\??\.\s*process\b/,
    /\bglobalThis\s*\[/,
  ]
    .map((part) => part.source)
    .join('|'),
  'g',
);

/** the lines of `code` (already through codeOf) where a runtime namespace is named */
function namespaceLines(code: string): number[] {
  return [...code.matchAll(RUNTIME_NAMESPACE)].map((match) => code.slice(0, match.index).split('\n').length);
}

describe('the architecture', () => {
  it('has Deno, Bun and process only in src/runtimes/ (scenarios reach them through the adapter)', () => {
    const offenders = [...sources('src'), ...sources('scenarios')]
      .filter((path) => !path.startsWith('src/runtimes/'))
      .flatMap((path) => {
        const text = readFileSync(join(ROOT, path), 'utf8');
        const lines = text.split('\n');
        return namespaceLines(codeOf(text)).map((n) => `${path}:${n}: ${lines[n - 1]?.trim()}`);
      });
    expect(offenders).toEqual([]);
  });

  it('points its imports one way: the result file at the bottom, the reports reading files only, nothing outside src/', () => {
    const offenders = sources('src').flatMap((path) => {
      const from = layerOf(path);
      const allowed = MAY_IMPORT[from];
      return importedLayers(path)
        .filter(
          ({ layer, file }) =>
            layer !== from &&
            !RUNTIME_LEAVES.includes(file) &&
            // '..': outside src/ (scripts import src, never the other way)
            (layer === 'cli' || layer === '..' || (allowed !== undefined && !allowed.includes(layer))),
        )
        .map(({ layer, line }) => `${path} (${from}) imports ${layer}: ${line}`);
    });
    expect(offenders).toEqual([]);
  });

  it('lets other layers import only runtime leaves that import nothing themselves', () => {
    const importing = RUNTIME_LEAVES.filter((leaf) =>
      /^\s*(?:import|export)\b[^;]*?\bfrom\s*'|^\s*import\s*'|\b(?:import|require)\s*\(/m.test(
        codeOf(readFileSync(join(ROOT, leaf), 'utf8')),
      ),
    );
    expect(importing).toEqual([]);
    expect(importedLayers('src/patterns/task-group.ts').map((i) => i.file)).toContain(RUNTIME_LEAVES[0]);
  });

  it('sees the imports it judges (a check that finds none would pass anything)', () => {
    expect(importedLayers('src/harness/orchestrator.ts').map((i) => i.layer)).toEqual(
      expect.arrayContaining(['result', 'runtimes']),
    );
    expect(codeOf("const a = 'process.exit'; // process.exit\n/* a\nb */ `\n`; process.exit(1);")).toBe(
      "const a = '';  \n \n `\n`; process.exit(1);",
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template, to scan
    expect(codeOf("`a ${b ? `c ${d}` : 'e'} f` + g; // `")).toBe("`${b ? `${d}` : ''}` + g;  ");
    const named = [
      'process.exit(1);',
      'process?.exitCode;',
      'const { env } = process;',
      '(globalThis as { Bun?: { peek?: P } }).Bun?.peek;',
      'const d = globalThis.Deno;',
      '(globalThis as { process?: P }).process?.env;',
      '(globalThis as {\n  process?: P;\n}).process?.env;',
      "globalThis['process'].env;",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template, to scan
      '`pid ${process.pid}`;',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template, to scan
      '`v ${`${Deno.version.deno}`}`;',
    ];
    expect(named.filter((code) => namespaceLines(codeOf(code)).length === 0)).toEqual([]);
    const unnamed = [
      'child.process.pid;',
      'const subprocess = spawn();',
      'processes.length;',
      'const job = { process: run };',
      'globalThis.setImmediate;',
      'globalThis.queueMicrotask(() => job.process());',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template, to scan
      "`${fast ? `on Bun` : ''}`;",
      "const a = 'Deno.env'; // Bun.peek",
    ];
    expect(unnamed.filter((code) => namespaceLines(codeOf(code)).length > 0)).toEqual([]);
  });
});
