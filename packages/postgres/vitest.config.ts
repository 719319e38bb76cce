import { defineProject } from 'vitest/config';

// Unit tests and type tests. Everything that talks to PostgreSQL and RabbitMQ lives in test/postgres.
export default defineProject({
  test: {
    name: 'postgres',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
