import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Chromium suite starts the real server (embedded Postgres) and a browser; on a
    // busy 2-core CI box that takes seconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
