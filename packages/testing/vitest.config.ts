import { defineProject } from 'vitest/config';

// Unit tests (memory transport). The harness against RabbitMQ, under jest and in NestJS apps: test/testing.
export default defineProject({
  test: {
    name: 'testing',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
