/**
 * MurmurHash3 x86_32 of the UTF-8 bytes of `prefix + value`, read straight from the
 * strings' UTF-16 code units: no concatenation, no TextEncoder, no allocation.
 *
 * This is the benchmark floor's hash (a reference for what the bucketing hash costs
 * when written carefully), not core's implementation. Lone surrogates are encoded as
 * U+FFFD, exactly as TextEncoder does, so the bytes hashed are always well-formed UTF-8.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Mixes one little-endian 4-byte block into the running hash. */
function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Mixes in the 1–3 trailing bytes, if any, and the length; then the final avalanche. */
function finish(h: number, tail: number, hasTail: boolean, length: number): number {
  if (hasTail) {
    let k = Math.imul(tail, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The hash of UTF-8(prefix + value). ASCII (every id we have seen) takes two tight
 * loops, one per string, where a code unit is a byte; the first non-ASCII code unit
 * hands the whole input to the general encoder instead.
 */
export function murmur3Utf8(prefix: string, value: string, seed = 0): number {
  let h = seed | 0;
  let block = 0;
  let filled = 0; // bytes pending in `block`
  const prefixLength = prefix.length;
  for (let i = 0; i < prefixLength; i++) {
    const c = prefix.charCodeAt(i);
    if (c >= 0x80) return murmur3Utf8General(prefix, value, seed);
    block |= c << (filled << 3);
    if (++filled === 4) {
      h = mixBlock(h, block);
      block = 0;
      filled = 0;
    }
  }
  const valueLength = value.length;
  for (let i = 0; i < valueLength; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return murmur3Utf8General(prefix, value, seed);
    block |= c << (filled << 3);
    if (++filled === 4) {
      h = mixBlock(h, block);
      block = 0;
      filled = 0;
    }
  }
  return finish(h, block, filled !== 0, prefixLength + valueLength);
}

/** Any text: encodes UTF-8 on the fly, byte by byte. */
function murmur3Utf8General(prefix: string, value: string, seed: number): number {
  const split = prefix.length;
  const total = split + value.length;
  let h = seed | 0;
  let block = 0; // pending bytes, little-endian
  let shift = 0; // bits pending in `block`
  let length = 0; // bytes hashed so far

  // One pass over the code units of prefix + value, as if concatenated.
  for (let i = 0; i < total; i++) {
    let c = i < split ? prefix.charCodeAt(i) : value.charCodeAt(i - split);
    if (c < 0x80) {
      // ASCII fast path: one byte.
      block |= c << shift;
      length++;
      if (shift === 24) {
        h = mixBlock(h, block);
        block = 0;
        shift = 0;
      } else {
        shift += 8;
      }
      continue;
    }
    // A multi-byte sequence, packed little-endian into `bytes`, `count` bytes long.
    let bytes: number;
    let count: number;
    if (c < 0x800) {
      bytes = 0xc0 | (c >> 6) | ((0x80 | (c & 0x3f)) << 8);
      count = 2;
    } else {
      if (c >= 0xd800 && c < 0xe000) {
        // A surrogate: a high one followed by a low one is a pair (possibly straddling
        // prefix and value); anything else is lone and encodes as U+FFFD.
        const j = i + 1;
        const low = j >= total ? 0 : j < split ? prefix.charCodeAt(j) : value.charCodeAt(j - split);
        if (c < 0xdc00 && low >= 0xdc00 && low < 0xe000) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          i = j;
          bytes =
            0xf0 | (cp >> 18) | ((0x80 | ((cp >> 12) & 0x3f)) << 8) | ((0x80 | ((cp >> 6) & 0x3f)) << 16) | ((0x80 | (cp & 0x3f)) << 24);
          count = 4;
        } else {
          c = 0xfffd;
          bytes = 0xe0 | (c >> 12) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
          count = 3;
        }
      } else {
        bytes = 0xe0 | (c >> 12) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
        count = 3;
      }
    }
    for (let b = 0; b < count; b++) {
      block |= (bytes & 0xff) << shift;
      bytes >>>= 8;
      length++;
      if (shift === 24) {
        h = mixBlock(h, block);
        block = 0;
        shift = 0;
      } else {
        shift += 8;
      }
    }
  }

  return finish(h, block, shift !== 0, length);
}
