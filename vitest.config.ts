import { defineConfig } from 'vitest/config';

// One root config; each project is a package or the cross-package suite in test/.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'test/vitest.config.ts', 'test/nestjs/vitest.config.ts', 'test/postgres/vitest.config.ts'],
  },
});
