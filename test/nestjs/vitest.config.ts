import swc from 'unplugin-swc';
import { defineProject } from 'vitest/config';

// NestJS applications against the real broker. swc compiles the tests with legacy decorators and
// emitted decorator metadata (from ./tsconfig.json), as a Nest application's compiler does; the
// package under test is its built dist (ESM here, CommonJS in the child-process test).
export default defineProject({
  plugins: [swc.vite()],
  test: {
    // "nestjs" is the package's unit-test project (packages/nestjs).
    name: 'nestjs-broker',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // The outbox test needs PostgreSQL too.
    globalSetup: ['../helpers/require-broker.ts', '../helpers/require-postgres.ts'],
  },
});
