import swc from 'unplugin-swc';
import { defineProject } from 'vitest/config';

// Unit tests (memory transport). Tests against RabbitMQ or several processes live in test/nestjs.
// swc compiles the tests and sources with legacy decorators and emitted decorator metadata (from
// tsconfig.json), as Nest's own compiler setup does; esbuild would drop the metadata Nest DI reads.
export default defineProject({
  plugins: [swc.vite()],
  test: {
    name: 'nestjs',
    include: ['test/**/*.test.ts'],
    // Type tests (test/*.test-d.ts) are checked by `pnpm typecheck` (tsc over src and test), which
    // `pnpm test` runs first; vitest's own typecheck would run tsc a second time, and print a banner.
  },
});
