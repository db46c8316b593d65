import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests start the real server (embedded Postgres in memory); on a busy 2-core CI box
    // that takes seconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
