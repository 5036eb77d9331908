/** What the services integration tests share: the project root, a built server, a process probe. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildFixtures, ROOT } from '../support/fixtures.js';

export { ROOT };

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
  // a unique directory: the services test files run in parallel
  const dir = mkdtempSync(join(ROOT, '.tmp', 'services-test-'));
  const services = await buildFixtures(join(basename(dir), 'dist', 'services'), ['src/services/http-target-server.ts']);
  return { dir, script: join(services, 'http-target-server.js') };
}
