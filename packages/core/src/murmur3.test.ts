import { describe, expect, it } from 'vitest';
import murmurhash from 'murmurhash';
import { murmur3 } from './murmur3.js';
import { bucketOf } from './bucketing.js';

// A deterministic generator so a failure names a reproducible input.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABETS = ['abcdefghijklmnopqrstuvwxyz0123456789-_@.', 'éüßçñøåæœ', '日本語中文한국어', 'עבריתالعربية', '😀🚀👩‍💻🏳️‍🌈'];

function randomString(next: () => number): string {
  const len = Math.floor(next() * 40);
  let s = '';
  for (let i = 0; i < len; i++) {
    const r = next();
    if (r < 0.02) {
      // Unpaired surrogates: TextEncoder writes U+FFFD for them, and so must we.
      s += String.fromCharCode(0xd800 + Math.floor(next() * 0x800));
    } else {
      const alphabet = [...ALPHABETS[Math.floor(next() * ALPHABETS.length)]!];
      s += alphabet[Math.floor(next() * alphabet.length)];
    }
  }
  return s;
}

describe('murmur3', () => {
  it('agrees with the reference implementation over 100,000 random strings, non-ASCII included', () => {
    const next = lcg(42);
    let mismatches = 0;
    let nonAscii = 0;
    for (let i = 0; i < 100_000; i++) {
      const s = randomString(next);
      if ([...s].some((ch) => ch.charCodeAt(0) > 0x7f)) nonAscii++;
      if (murmur3(s) !== murmurhash.v3(s, 0)) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(nonAscii).toBeGreaterThan(50_000);
  });

  it('hashes a pair exactly like the concatenated string, even when a surrogate pair straddles the seam', () => {
    const next = lcg(7);
    for (let i = 0; i < 10_000; i++) {
      const a = randomString(next);
      const b = randomString(next);
      expect(murmur3(a, b)).toBe(murmurhash.v3(a + b, 0));
    }
    expect(murmur3('x\ud83d', '\ude00y')).toBe(murmurhash.v3('x😀y', 0));
  });

  it('honours the seed', () => {
    expect(murmur3('user-1', '', 99)).toBe(murmurhash.v3('user-1', 99));
  });
});

describe('bucketOf', () => {
  it('equals floor(h × W / 2^32) computed exactly, for totals up to 2^31 − 1', () => {
    const next = lcg(3);
    const totals = [1, 2, 3, 4, 100, 100_000, 1 << 20, 2 ** 21 + 7, 1_000_000_007, 0x7fffffff];
    for (let i = 0; i < 20_000; i++) {
      const h = Math.floor(next() * 2 ** 32);
      const w = totals[i % totals.length]!;
      const exact = Number((BigInt(h) * BigInt(w)) >> 32n);
      expect(bucketOf(h, w)).toBe(exact);
    }
    expect(bucketOf(0xffffffff, 0x7fffffff)).toBe(0x7ffffffe);
  });
});
