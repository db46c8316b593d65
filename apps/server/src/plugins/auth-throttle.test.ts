import { describe, expect, it } from 'vitest';
import { AuthThrottle } from './auth-throttle.js';

function throttle(limit: number, extra: { maxClients?: number } = {}) {
  let now = 1_000_000;
  const t = new AuthThrottle({ limit, baseBlockMs: 60_000, maxBlockMs: 15 * 60_000, now: () => now, ...extra });
  return { t, advance: (ms: number) => (now += ms) };
}

/** Fails `n` distinct keys from `ip`, numbering them from `from`. */
function failMany(t: AuthThrottle, ip: string, n: number, from = 0) {
  let last = t.failed(ip, from);
  for (let i = 1; i < n; i++) last = t.failed(ip, from + i);
  return last;
}

describe('AuthThrottle', () => {
  it('blocks a client at the limit of distinct failed keys per minute, for a minute', () => {
    const { t, advance } = throttle(3);
    expect(t.failed('203.0.113.1', 1)).toMatchObject({ first: true, blockMs: 0 });
    expect(t.failed('203.0.113.1', 2)).toMatchObject({ first: false, blockMs: 0 });
    expect(t.retryAfterMs('203.0.113.1')).toBe(0);
    expect(t.failed('203.0.113.1', 3)).toMatchObject({ blockMs: 60_000, offence: 1, failures: 3 });
    expect(t.retryAfterMs('203.0.113.1')).toBe(60_000);
    expect(t.retryAfterMs('203.0.113.2')).toBe(0);
    advance(59_999);
    expect(t.retryAfterMs('203.0.113.1')).toBe(1);
    advance(1);
    expect(t.retryAfterMs('203.0.113.1')).toBe(0);
  });

  it('doubles the block on each repeat offence, up to the cap, and forgets offences after a quiet spell', () => {
    const { t, advance } = throttle(2);
    const blocks: number[] = [];
    for (let i = 0; i < 6; i++) {
      const outcome = failMany(t, '198.51.100.4', 2, i * 10);
      blocks.push(outcome.blockMs);
      advance(outcome.blockMs);
    }
    expect(blocks).toEqual([60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
    advance(15 * 60_000 + 1);
    expect(failMany(t, '198.51.100.4', 2, 100).blockMs).toBe(60_000);
  });

  it('counts failures per minute: a slow trickle never blocks', () => {
    const { t, advance } = throttle(3);
    for (let i = 0; i < 20; i++) {
      expect(t.failed('203.0.113.9', i).blockMs).toBe(0);
      advance(30_001);
    }
  });

  it('counts the same wrong key once per window', () => {
    const { t } = throttle(3);
    for (let i = 0; i < 50; i++) expect(t.failed('203.0.113.5', 42).blockMs).toBe(0);
    expect(t.retryAfterMs('203.0.113.5')).toBe(0);
  });

  it('never blocks with a limit of 0, but still says which failure is the first of the minute', () => {
    const { t, advance } = throttle(0);
    expect(t.failed('203.0.113.6', 1).first).toBe(true);
    for (let i = 2; i < 500; i++) expect(t.failed('203.0.113.6', i)).toMatchObject({ first: false, blockMs: 0 });
    expect(t.retryAfterMs('203.0.113.6')).toBe(0);
    advance(60_000);
    expect(t.failed('203.0.113.6', 1).first).toBe(true);
  });

  it('holds at most maxClients entries, dropping the quietest first', () => {
    const { t } = throttle(2, { maxClients: 100 });
    t.failed('192.0.2.1', 1);
    t.failed('192.0.2.1', 2);
    expect(t.retryAfterMs('192.0.2.1')).toBeGreaterThan(0);
    for (let i = 0; i < 1000; i++) t.failed(`10.0.${i >> 8}.${i & 255}`, 1);
    expect(t.size).toBeLessThanOrEqual(100);
  });

  it('counts an IPv6 /64 as one client', () => {
    const { t } = throttle(2);
    t.failed('2001:db8:1:2::a', 1);
    t.failed('2001:db8:1:2::b', 2);
    expect(t.retryAfterMs('2001:db8:1:2::c')).toBeGreaterThan(0);
    expect(t.retryAfterMs('2001:db8:1:3::a')).toBe(0);
  });
});
