import { defineConfig } from 'vitest/config';

// `pnpm soak`: long runs against a test-owned broker, outside the test command.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['soak/**/*.soak.ts'],
    testTimeout: 30 * 60_000,
  },
});
