import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A worker module given as a file path or a file: URL (string or URL), as a URL. */
export function workerModuleUrl(module: string | URL): URL {
  if (module instanceof URL) return module;
  return module.startsWith('file:') ? new URL(module) : pathToFileURL(resolve(module));
}
