// The esbuild options of every build, shared by scripts/build.js (the project) and the CLI (a
// user's scenario file), so a user scenario runs the same kind of JavaScript as the built-in ones.

/** @param {string} apiModule the file `import ... from 'asyncbench'` resolves to */
export function buildOptions(apiModule) {
  return {
    bundle: true,
    format: 'esm',
    platform: 'node',
    // es2022 lowers `await using` (PITFALLS 12): the down-levelled form is the one every runtime can
    // run; a scenario measures the native form from code it keeps out of this lowering.
    target: 'es2022',
    // npm packages stay external: each runtime loads the one installed copy from node_modules.
    packages: 'external',
    logLevel: 'warning',
    alias: { asyncbench: apiModule },
  };
}
