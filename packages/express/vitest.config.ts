import { defineProject } from 'vitest/config';

// Unit tests (memory transport). Tests against RabbitMQ or several processes live in test/.
export default defineProject({
  test: {
    name: 'express',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
