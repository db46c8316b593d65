// Reference bucketing used to compute expectations in the generated cases.
//
// The hash comes from the `murmurhash` package (v3 = MurmurHash3 x86 32-bit). A second,
// independent MurmurHash3 written here from the algorithm's definition is run on every
// input as a cross-check, and the package is checked to hash UTF-8 bytes before anything
// is generated. Bucket arithmetic uses BigInt so h × W is exact even when it needs 63 bits.

import murmur from 'murmurhash';
import { TextEncoder } from 'node:util';

const utf8 = new TextEncoder();
const TWO_POW_32 = 2n ** 32n;

/** MurmurHash3 x86 32-bit over raw bytes, seed 0. Independent of the package on purpose. */
export function murmur3Bytes(bytes, seed = 0) {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length - (bytes.length % 4);
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = bytes.length % 4;
  if (tail === 3) k ^= bytes[blocks + 2] << 16;
  if (tail >= 2) k ^= bytes[blocks + 1] << 8;
  if (tail >= 1) {
    k ^= bytes[blocks];
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The text an evaluator hashes: salt followed by the bucketing value (numbers as String(n)). */
export function hashInput(salt, value) {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(`bucketing value must be a string or a number, got ${typeof value}`);
  }
  return salt + String(value);
}

/** murmur3_x86_32(utf8(text), 0) from the reference package, confirmed by the local implementation. */
export function referenceHash(text) {
  const fromPackage = murmur.v3(text, 0) >>> 0;
  const fromBytes = murmur3Bytes(utf8.encode(text));
  if (fromPackage !== fromBytes) {
    throw new Error(`hash disagreement for ${JSON.stringify(text)}: package ${fromPackage}, local ${fromBytes}`);
  }
  return fromPackage;
}

export function totalWeight(weights) {
  return weights.reduce((sum, w) => sum + w.weight, 0);
}

/** floor(h × W / 2^32), exactly. */
export function bucketOf(hash, total) {
  return Number((BigInt(hash) * BigInt(total)) / TWO_POW_32);
}

/** The first variant whose cumulative weight exceeds the bucket. */
export function variantForBucket(weights, bucket) {
  let cumulative = 0;
  for (const { variant, weight } of weights) {
    cumulative += weight;
    if (bucket < cumulative) return variant;
  }
  throw new Error(`bucket ${bucket} is outside the rollout (total ${cumulative})`);
}

/** Everything a bucketing case records for one (salt, value, weights). */
export function assign(salt, value, weights) {
  const hash = referenceHash(hashInput(salt, value));
  const bucket = bucketOf(hash, totalWeight(weights));
  return { hash, bucket, variant: variantForBucket(weights, bucket) };
}

/**
 * Fails loudly unless the package hashes UTF-8 bytes (not UTF-16 code units or Latin-1)
 * and agrees with the local implementation on known inputs.
 */
export function verifyReferenceHash() {
  const expectations = [
    // [text, bytes it must be hashed as]
    ['é', [0xc3, 0xa9]],
    ['ü', [0xc3, 0xbc]],
    ['用户', [0xe7, 0x94, 0xa8, 0xe6, 0x88, 0xb7]],
    ['שלום', [0xd7, 0xa9, 0xd7, 0x9c, 0xd7, 0x95, 0xd7, 0x9d]],
    ['😀', [0xf0, 0x9f, 0x98, 0x80]],
  ];
  for (const [text, bytes] of expectations) {
    const viaPackageString = murmur.v3(text, 0) >>> 0;
    const viaPackageBytes = murmur.v3(Uint8Array.from(bytes), 0) >>> 0;
    const viaLocal = murmur3Bytes(Uint8Array.from(bytes));
    if (viaPackageString !== viaPackageBytes || viaPackageBytes !== viaLocal) {
      throw new Error(`murmurhash does not hash ${JSON.stringify(text)} as its UTF-8 bytes`);
    }
  }
  // A Latin-1 or UTF-16 encoding of "é" must give a different hash, or the check above proves nothing.
  if (murmur.v3('é', 0) === murmur.v3(Uint8Array.from([0xe9]), 0)) {
    throw new Error('murmurhash hashed "é" as a single Latin-1 byte');
  }
  // Values published with the flagd testbed's fractional hash-edge examples.
  const published = [
    ['ejOoVL', 0],
    ['bY9fO-', 1],
    ['SI7p-', 2147483647],
    ['6LvT0', 2147483648],
    ['ceQdGm', 4294967295],
  ];
  for (const [text, hash] of published) {
    if (referenceHash(text) !== hash) throw new Error(`murmur3(${text}) should be ${hash}`);
  }
  if (referenceHash('') !== 0) throw new Error('murmur3("") with seed 0 should be 0');
}
