/**
 * Loading the real `undici` package (PITFALLS 1). Node and Deno resolve a bare `import('undici')` to
 * node_modules. Bun answers a bare 'undici' with its own built-in shim (its Pool.request resolves to
 * undefined), and even require.resolve('undici') gives back the name 'undici' there; so on Bun the
 * package's entry file is located through its package.json and imported by file URL.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UndiciModule } from './types.js';

interface UndiciPackage {
  entry: string;
  version: string;
  /** the node versions the package supports (undici 8: >=22.19.0, so not the host's node 20) */
  engines: string;
}

/** Node and Deno: the bare specifier is the real package. */
export async function importUndiciBare(): Promise<UndiciModule> {
  const pkg = locateUndici();
  const module = await loadExplained(pkg, () => import('undici'));
  return { module, source: `undici@${pkg.version} ${describe(pkg.entry)} (bare import)` };
}

/** Bun: the entry file by path, bypassing the built-in shim. */
export async function importUndiciByPath(): Promise<UndiciModule> {
  const pkg = locateUndici();
  const module = await loadExplained(
    pkg,
    () => import(pathToFileURL(pkg.entry).href) as Promise<typeof import('undici')>,
  );
  return { module, source: `undici@${pkg.version} ${describe(pkg.entry)} (by path: bare 'undici' is Bun's shim)` };
}

interface UndiciManifest {
  main?: string;
  version: string;
  engines?: { node?: string };
}

/** A package that fails to load on an older runtime says so with the versions it supports. */
async function loadExplained(
  pkg: UndiciPackage,
  load: () => Promise<typeof import('undici')>,
): Promise<typeof import('undici')> {
  try {
    return await load();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`undici@${pkg.version} (requires node ${pkg.engines}) failed to load: ${reason}`);
  }
}

/** Resolves from this bundle's location first, then from the working directory. */
function locateUndici(): UndiciPackage {
  const bases = [import.meta.url, pathToFileURL(join(process.cwd(), 'noop.js')).href];
  for (const base of bases) {
    try {
      const manifestPath = createRequire(base).resolve('undici/package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as UndiciManifest;
      // undici declares its entry with `main` only (no `exports` map)
      return {
        entry: join(dirname(manifestPath), manifest.main ?? 'index.js'),
        version: manifest.version,
        engines: manifest.engines?.node ?? 'any',
      };
    } catch {}
  }
  throw new Error('the undici package is not installed (node_modules/undici not found)');
}

function describe(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd.startsWith('..') ? path : fromCwd;
}
