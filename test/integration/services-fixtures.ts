/** What the services integration tests share: the project root, a built server, a process probe. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildOptions } from '../../scripts/build-options.js';

export const ROOT = join(import.meta.dirname, '../..');

/** True while a process with this pid exists (signal 0 only checks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the HTTP target server the way scripts/build.js does, into a fresh directory laid out like
 * the project (`<dir>/dist/services/http-target-server.js`; dist/ itself may be in use by others).
 */
export async function buildServer(): Promise<{ dir: string; script: string }> {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'services-test-'));
  const script = join(dir, 'dist', 'services', 'http-target-server.js');
  await build({
    ...buildOptions(join(ROOT, 'src/api.ts')),
    entryPoints: [join(ROOT, 'src/services/http-target-server.ts')],
    outfile: script,
  });
  return { dir, script };
}
