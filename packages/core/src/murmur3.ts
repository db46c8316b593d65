// Called through a saved reference: once any code in the process extends String (ioredis 6
// does), V8 stops inlining `str.charCodeAt(i)`, and `.call` on the saved function stays fast.
const charCodeAt = String.prototype.charCodeAt;

/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of `a + b`, without building the
 * concatenated string or a byte array: bytes are encoded on the fly from UTF-16 code
 * units. Lone surrogates encode as U+FFFD, exactly as `TextEncoder` does, so any
 * language hashing the UTF-8 of the same text gets the same number.
 */
export function murmur3(a: string, b = '', seed = 0): number {
  // Ids are ASCII almost always: one byte per code unit, two tight loops, no encoding.
  // The first code unit that isn't ASCII hands the whole input to the general encoder.
  let h = seed | 0;
  let k = 0;
  let filled = 0;
  for (let i = 0; i < a.length; i++) {
    const c = charCodeAt.call(a, i);
    if (c >= 0x80) return murmur3Utf8(a, b, seed);
    k |= c << (filled << 3);
    if (++filled === 4) {
      h = mixBlock(h, k);
      k = 0;
      filled = 0;
    }
  }
  for (let i = 0; i < b.length; i++) {
    const c = charCodeAt.call(b, i);
    if (c >= 0x80) return murmur3Utf8(a, b, seed);
    k |= c << (filled << 3);
    if (++filled === 4) {
      h = mixBlock(h, k);
      k = 0;
      filled = 0;
    }
  }
  return finish(h, k, filled, a.length + b.length);
}

function murmur3Utf8(a: string, b: string, seed: number): number {
  // A surrogate pair split across the seam must encode as one code point; that is
  // rare enough to pay for the concatenation.
  if (b.length > 0 && a.length > 0) {
    const last = charCodeAt.call(a, a.length - 1);
    const first = charCodeAt.call(b, 0);
    if (last >= 0xd800 && last <= 0xdbff && first >= 0xdc00 && first <= 0xdfff) return murmur3Utf8(a + b, '', seed);
  }
  let h = seed | 0;
  let k = 0;
  let filled = 0;
  let byteCount = 0;
  for (let part = 0; part < 2; part++) {
    const s = part === 0 ? a : b;
    const len = s.length;
    for (let i = 0; i < len; i++) {
      let c = charCodeAt.call(s, i);
      if (c < 0x80) {
        k |= c << (filled << 3);
        byteCount++;
        if (++filled === 4) {
          h = mixBlock(h, k);
          k = 0;
          filled = 0;
        }
        continue;
      }
      let packed: number;
      let n: number;
      if (c < 0x800) {
        packed = 0xc0 | (c >> 6) | ((0x80 | (c & 63)) << 8);
        n = 2;
      } else {
        const next = i + 1 < len ? charCodeAt.call(s, i + 1) : 0;
        if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          packed = 0xf0 | (cp >> 18) | ((0x80 | ((cp >> 12) & 63)) << 8) | ((0x80 | ((cp >> 6) & 63)) << 16) | ((0x80 | (cp & 63)) << 24);
          n = 4;
        } else {
          if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
          packed = 0xe0 | (c >> 12) | ((0x80 | ((c >> 6) & 63)) << 8) | ((0x80 | (c & 63)) << 16);
          n = 3;
        }
      }
      byteCount += n;
      for (let j = 0; j < n; j++) {
        k |= ((packed >>> (j << 3)) & 0xff) << (filled << 3);
        if (++filled === 4) {
          h = mixBlock(h, k);
          k = 0;
          filled = 0;
        }
      }
    }
  }
  return finish(h, k, filled, byteCount);
}

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, k: number, filled: number, byteCount: number): number {
  if (filled > 0) {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= byteCount;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
