import { defineProject } from 'vitest/config';

// @remit/postgres against the real PostgreSQL and RabbitMQ: both must answer, or the run fails.
export default defineProject({
  test: {
    name: 'postgres-broker',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    globalSetup: ['../helpers/require-broker.ts', '../helpers/require-postgres.ts'],
  },
});
