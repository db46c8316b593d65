/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of `a + b`, without building the
 * concatenated string or a byte array: bytes are encoded on the fly from UTF-16 code
 * units. Lone surrogates encode as U+FFFD, exactly as `TextEncoder` does, so any
 * language hashing the UTF-8 of the same text gets the same number.
 */
export function murmur3(a: string, b = '', seed = 0): number {
  const aLen = a.length;
  const total = aLen + b.length;
  let h = seed | 0;
  let k = 0;
  let filled = 0;
  let byteCount = 0;
  for (let i = 0; i < total; i++) {
    let c = i < aLen ? a.charCodeAt(i) : b.charCodeAt(i - aLen);
    let packed: number;
    let n: number;
    if (c < 0x80) {
      // ASCII fast path: one byte, the common case for ids.
      k |= c << (filled << 3);
      byteCount++;
      if (++filled === 4) {
        h = mixBlock(h, k);
        k = 0;
        filled = 0;
      }
      continue;
    } else if (c < 0x800) {
      packed = (0xc0 | (c >> 6)) | ((0x80 | (c & 63)) << 8);
      n = 2;
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < total ? (i + 1 < aLen ? a.charCodeAt(i + 1) : b.charCodeAt(i + 1 - aLen)) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          packed =
            (0xf0 | (cp >> 18)) |
            ((0x80 | ((cp >> 12) & 63)) << 8) |
            ((0x80 | ((cp >> 6) & 63)) << 16) |
            ((0x80 | (cp & 63)) << 24);
          n = 4;
        } else {
          c = 0xfffd;
          packed = (0xe0 | (c >> 12)) | ((0x80 | ((c >> 6) & 63)) << 8) | ((0x80 | (c & 63)) << 16);
          n = 3;
        }
      } else {
        packed = (0xe0 | (c >> 12)) | ((0x80 | ((c >> 6) & 63)) << 8) | ((0x80 | (c & 63)) << 16);
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

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
