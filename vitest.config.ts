import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real PostgreSQL clusters and subprocesses; two cores.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
