import murmurhash from 'murmurhash';
import { describe, expect, it } from 'vitest';
import { murmur3Utf8 } from './murmur3-reference.js';

const encoder = new TextEncoder();
const expected = (s: string) => murmurhash.v3(encoder.encode(s), 0);

describe('murmur3Utf8 (the floor hash)', () => {
  it('equals murmurhash v3 over UTF-8 for ASCII, whole or split', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'new-checkoutuser-00042', 'x'.repeat(37)]) {
      for (let cut = 0; cut <= s.length; cut++) expect(murmur3Utf8(s.slice(0, cut), s.slice(cut))).toBe(expected(s));
    }
  });

  it('encodes non-ASCII as UTF-8, lone surrogates as U+FFFD, pairs across the split', () => {
    for (const s of ['ü', 'aü', '日本語', 'emoji 😀 key', '😀', 'lone \ud800 high', 'lone \udc00 low', '\ud800', 'mixé-😀-ü-abc']) {
      for (let cut = 0; cut <= s.length; cut++) expect(murmur3Utf8(s.slice(0, cut), s.slice(cut))).toBe(expected(s));
    }
  });

  it('honours the seed', () => {
    expect(murmur3Utf8('flag', 'user-1', 42)).toBe(murmurhash.v3(encoder.encode('flaguser-1'), 42));
  });
});
