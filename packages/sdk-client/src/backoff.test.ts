import { describe, expect, it } from 'vitest';
import { isRefusal, jitter, retryDelay } from './backoff.js';

describe('reconnect delays', () => {
  it('doubles from the base up to the cap, jittered down by at most half', () => {
    const none = () => 0;
    expect([0, 1, 2, 3, 4, 5].map((n) => retryDelay(1_000, n, 30_000, none))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(retryDelay(1_000, 2, 30_000, () => 0.999_999)).toBeCloseTo(2_000, 0);
    // A long outage can't overflow the exponent.
    expect(retryDelay(1_000, 5_000, 30_000, none)).toBe(30_000);
    // After a refusal: the refusal delay instead, jittered the same way.
    expect(retryDelay(1_000, 0, 30_000, none, 300_000)).toBe(300_000);
    expect(retryDelay(1_000, 0, 30_000, () => 0.5, 300_000)).toBe(225_000);
    expect(retryDelay(1_000, 1, 30_000, none, false)).toBe(2_000);
  });

  it('keeps jittered delays in (ms/2, ms]', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const d = jitter(300_000, () => r);
      expect(d).toBeGreaterThan(150_000);
      expect(d).toBeLessThanOrEqual(300_000);
    }
  });

  it('treats 4xx other than 408 and 429 as refusals, and nothing else', () => {
    expect([400, 401, 403, 404, 410].every(isRefusal)).toBe(true);
    expect([undefined, 200, 304, 408, 429, 500, 503].some(isRefusal)).toBe(false);
  });
});
