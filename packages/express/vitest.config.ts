import { defineProject } from 'vitest/config';

// Unit tests (memory transport). Tests against RabbitMQ or several processes live in test/.
export default defineProject({
  test: {
    name: 'express',
    include: ['test/**/*.test.ts'],
    // Type tests (test/*.test-d.ts) are checked by `pnpm typecheck` (tsc over src and test), which
    // `pnpm test` runs first; vitest's own typecheck would run tsc a second time, and print a banner.
  },
});
