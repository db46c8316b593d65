import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Packing ten packages and an npm install from the registry take tens of seconds on a
    // busy 2-core box; the real server (embedded Postgres) adds a few more.
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
