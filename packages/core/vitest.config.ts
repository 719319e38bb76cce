import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['test/**/*.test.ts'],
    // Type tests (test/*.test-d.ts) are checked by `pnpm typecheck` (tsc over src and test), which
    // `pnpm test` runs first; vitest's own typecheck would run tsc a second time, and print a banner.
  },
});
