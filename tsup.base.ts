import type { Options } from 'tsup';

/**
 * The build every package shares: ESM and CommonJS with declarations for both, for Node 20.
 * Each package's tsup.config.ts passes its entry points.
 */
export function packageBuild(entry: string[] = ['src/index.ts']): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // Error classes are matched by name (err.name === 'ClosedError'); keep names through the build.
    keepNames: true,
  };
}
