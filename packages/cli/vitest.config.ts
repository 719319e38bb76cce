import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts'],
    // These tests talk to the real RabbitMQ; a missing broker fails the run.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ['../../test/helpers/require-broker.ts'],
  },
});
