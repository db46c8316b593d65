import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['./src/test-support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Builds several apps on embedded PGlite (a WASM initdb each); a busy CI box needs room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
