import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'broker',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'nestjs/**', 'postgres/**'],
    // Tests talk to a real broker and spawn real processes.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ['./helpers/require-broker.ts'],
  },
});
