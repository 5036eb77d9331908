/**
 * A Chromium for the browser test with nothing but `npm install`: a system Chromium where one is
 * installed (CHROMIUM, or chromium / chromium-browser / google-chrome on the PATH), otherwise the
 * headless build that the `@sparticuz/chromium` package ships inside its tarball (brotli
 * compressed; no download at install or run time).
 *
 * The package's own `executablePath()` decompresses into a fixed `$TMPDIR/chromium` and trusts
 * whatever file is there, so two test runs at once (or one killed mid-way) could start a half
 * written binary. Here the binary is decompressed into a private directory and renamed into a
 * directory named after the package version: a path that exists is always complete.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

export interface BrowserBinary {
  executablePath: string;
  /** where it came from, for a failing test's message */
  source: 'system' | '@sparticuz/chromium';
}

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function systemChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const name of SYSTEM_NAMES) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (path && existsSync(path)) return path;
    } catch {
      // not on the PATH
    }
  }
  return undefined;
}

async function packagedChromium(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`@sparticuz/chromium ships a linux-x64 build only: install Chromium or set CHROMIUM=/path`);
  const manifest = join(import.meta.dirname, '..', '..', 'node_modules', '@sparticuz', 'chromium', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const dir = join(tmpdir(), `asyncbench-chromium-${version}`);
  const binary = join(dir, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = `${dir}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(staging, { recursive: true });
  try {
    await pipeline(
      createReadStream(join(dirname(manifest), 'bin', 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(join(staging, 'chromium'), { mode: 0o755 }),
    );
    renameSync(staging, dir);
  } catch (error) {
    // another test run renamed its copy first: use that one
    if (!existsSync(binary)) throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

export async function findChromium(): Promise<BrowserBinary> {
  const system = systemChromium();
  if (system) return { executablePath: system, source: 'system' };
  return { executablePath: await packagedChromium(), source: '@sparticuz/chromium' };
}
