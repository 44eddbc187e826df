import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../tools/infra/src/vitest-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
