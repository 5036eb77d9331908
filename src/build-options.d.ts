import type { BuildOptions } from 'esbuild';
export function buildOptions(apiModule: string): BuildOptions;
