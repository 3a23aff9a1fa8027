import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start worker threads that spin; on a 2-core machine, files running side by
    // side would only measure each other's contention. One file at a time keeps runs repeatable.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
