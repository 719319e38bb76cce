import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// superjson 2 (and copy-anything, its one dependency) is ESM-only. The CommonJS build carries its
// own copy of both, so require('@remit/core') works wherever require() cannot load ESM: jest's
// module system on Node 20, bundlers that emit CommonJS. Each build cleans only its own files.
// keepNames off here: esbuild keeps a name by calling `__name()` on every named closure each time
// it is created, which in the consumer's hot path was 32 ms per 60,000 events (0.5 µs per event).
// Nothing in core reads a function's or class's name; its errors set `name` themselves.
const build = { ...packageBuild(), keepNames: false };
export default defineConfig([
  { ...build, format: ['esm'], clean: ['**/*.js', '**/*.js.map', '**/*.d.ts'] },
  { ...build, format: ['cjs'], clean: ['**/*.cjs', '**/*.cjs.map', '**/*.d.cts'], noExternal: ['superjson', 'copy-anything'] },
]);
