import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Scenarios import the public API as 'asyncbench' (the build aliases it the same way); tests run the source.
  resolve: {
    alias: [
      { find: /^asyncbench$/, replacement: fileURLToPath(new URL('./src/api.ts', import.meta.url)) },
      {
        find: /^asyncbench\/patterns$/,
        replacement: fileURLToPath(new URL('./src/patterns/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn real runtimes and a real PostgreSQL: give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
