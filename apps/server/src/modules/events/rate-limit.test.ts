import { describe, expect, it } from 'vitest';
import { WindowLimiter } from './rate-limit.js';

describe('WindowLimiter', () => {
  it('lets `max` requests per name through in a window, then says how long to wait', () => {
    let now = 1_000_000;
    const limiter = new WindowLimiter(3, 60_000, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0, 60]);
    expect(limiter.take('b')).toBe(0);
    now += 30_500;
    expect(limiter.take('a')).toBe(30);
    now += 29_500;
    expect(limiter.take('a')).toBe(0);
  });

  it('0 means no limit', () => {
    const limiter = new WindowLimiter(0, 60_000);
    for (let i = 0; i < 1000; i++) expect(limiter.take('a')).toBe(0);
  });

  it('tracks a bounded number of names; expired ones make room', () => {
    let now = 0;
    const limiter = new WindowLimiter(1, 60_000, () => now, 2);
    expect([limiter.take('a'), limiter.take('b')]).toEqual([0, 0]);
    // Full: a new name isn't tracked (nor limited) until old windows expire.
    expect([limiter.take('c'), limiter.take('c')]).toEqual([0, 0]);
    expect(limiter.take('a')).toBe(60);
    now += 60_000;
    expect([limiter.take('c'), limiter.take('c')]).toEqual([0, 60]);
  });
});
