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

/** the code of a source with its comments and the text of its strings and templates blanked (lines kept) */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, (m) => {
    const newlines = m.replace(/[^\n]/g, '');
    return m.startsWith('/') ? ` ${newlines}` : `${m[0]}${newlines}${m[0]}`;
  });
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
 * `globalThis.Bun?.peek` or a type's `{ Bun?: ... }`), `process.x` or `process?.x`, or a process
 * reached through globalThis
 */
const RUNTIME_NAMESPACE = /(?<![\w$])(?:Deno|Bun)(?![\w$])|(?<![\w.$])process\??\.\w|\bglobalThis\b.*[.\s]process\b/;

describe('the architecture', () => {
  it('has Deno, Bun and process only in src/runtimes/ (scenarios reach them through the adapter)', () => {
    const offenders = [...sources('src'), ...sources('scenarios')]
      .filter((path) => !path.startsWith('src/runtimes/'))
      .flatMap((path) =>
        codeOf(readFileSync(join(ROOT, path), 'utf8'))
          .split('\n')
          .flatMap((line, i) => (RUNTIME_NAMESPACE.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
      );
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
      /^\s*(?:import|export)\b[^;]*?\bfrom\s*'|\bimport\s*\(/m.test(codeOf(readFileSync(join(ROOT, leaf), 'utf8'))),
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
    const named = [
      'process.exit(1);',
      'process?.exitCode;',
      '(globalThis as { Bun?: { peek?: P } }).Bun?.peek;',
      'const d = globalThis.Deno;',
      '(globalThis as { process?: P }).process?.env;',
    ];
    expect(named.filter((line) => !RUNTIME_NAMESPACE.test(line))).toEqual([]);
    const unnamed = [
      'child.process.pid;',
      'const subprocess = spawn();',
      'processes.length;',
      'globalThis.setImmediate;',
    ];
    expect(unnamed.filter((line) => RUNTIME_NAMESPACE.test(line))).toEqual([]);
  });
});
