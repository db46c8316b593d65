import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The story runs a real server, a checkout service and a few thousand users' traffic.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
