import { describe, expect, it } from 'vitest';
import { Backoff, jitter } from './backoff.js';

const settings = { initial: 1_000, max: 30_000, resetAfter: 60_000 };

describe('Backoff', () => {
  it('doubles from 1 s to a 30 s cap without jitter (random = 0)', () => {
    const b = new Backoff(settings, () => 0);
    const delays = Array.from({ length: 8 }, () => b.next(0));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('jitters down by at most half (random → 1)', () => {
    const b = new Backoff(settings, () => 0.999_999);
    expect(b.next(0)).toBe(500);
    expect(b.next(0)).toBe(1_000);
    for (let i = 0; i < 1_000; i++) {
      const d = jitter(8_000, Math.random);
      expect(d).toBeGreaterThanOrEqual(4_000);
      expect(d).toBeLessThanOrEqual(8_000);
    }
  });

  it('starts over after a connection stayed healthy for a minute, not before', () => {
    const b = new Backoff(settings, () => 0);
    b.next(0);
    b.next(0);
    b.next(0); // next would be 8 s
    b.healthy(100_000);
    expect(b.next(100_000 + 59_999)).toBe(8_000); // healthy 59.999 s: not reset
    b.healthy(200_000);
    expect(b.next(260_000)).toBe(1_000); // healthy 60 s: reset
    expect(b.failures).toBe(1);
  });

  it("honours the server's retry: as the base, clamped to [100 ms, max]", () => {
    const b = new Backoff(settings, () => 0);
    b.setBase(3_000);
    expect([b.next(0), b.next(0), b.next(0)]).toEqual([3_000, 6_000, 12_000]);
    b.setBase(0);
    b.healthy(0);
    expect(b.next(60_000)).toBe(100);
    b.setBase(10_000_000);
    b.healthy(0);
    expect(b.next(60_000)).toBe(30_000);
  });
});
