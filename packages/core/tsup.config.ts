import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// superjson 2 (and copy-anything, its one dependency) is ESM-only. The CommonJS build carries its
// own copy of both, so require('@remit/core') works wherever require() cannot load ESM: jest's
// module system on Node 20, bundlers that emit CommonJS. Each build cleans only its own files.
const build = packageBuild();
export default defineConfig([
  { ...build, format: ['esm'], clean: ['**/*.js', '**/*.js.map', '**/*.d.ts'] },
  { ...build, format: ['cjs'], clean: ['**/*.cjs', '**/*.cjs.map', '**/*.d.cts'], noExternal: ['superjson', 'copy-anything'] },
]);
