import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Property tests run thousands of cases; on a busy 2-core CI box they need room.
    testTimeout: 120_000,
  },
});
