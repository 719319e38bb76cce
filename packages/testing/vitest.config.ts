import { defineProject } from 'vitest/config';

// Unit tests (memory transport). The harness against RabbitMQ, under jest and in NestJS apps: test/testing.
export default defineProject({
  test: {
    name: 'testing',
    include: ['test/**/*.test.ts'],
    // Type tests (test/*.test-d.ts) are checked by `pnpm typecheck` (tsc over src and test), which
    // `pnpm test` runs first; vitest's own typecheck would run tsc a second time, and print a banner.
  },
});
