import murmurhash from 'murmurhash';
import type { BenchCase } from '../harness.js';
import { murmur3Utf8 } from './murmur3-reference.js';
import { FLAG_KEYS, type User } from './scenarios.js';

/**
 * Side rows: the bucketing hash alone, over the exact keys the rollout hashes
 * (salt + user id). Both sides hash the same precomputed strings, so only the hash
 * differs: the `murmurhash` package (a TextEncoder and a Uint8Array per call) against
 * the floor's allocation-free Math.imul version.
 */

const NON_ASCII = ['', 'a', 'ab', 'abc', 'ü', '日本語', 'emoji 😀 key', 'lone \ud800 surrogate', 'mixé-😀-ü-abc'];

export interface HashCases {
  keyLength: number;
  cases: BenchCase[];
  labels: Record<string, string>;
}

/**
 * The reference against the package on non-ASCII text, split at every position (so
 * surrogate pairs straddling salt and value are covered). Run after timing: feeding the
 * reference non-ASCII first would train its JIT on paths the timed runs never take,
 * which core, verified only on ASCII ids, is spared.
 */
export function verifyReferenceOnNonAscii(): void {
  const encoder = new TextEncoder();
  for (const s of NON_ASCII) {
    const expected = murmurhash.v3(encoder.encode(s), 0);
    for (let cut = 0; cut <= s.length; cut++) {
      if (murmur3Utf8(s.slice(0, cut), s.slice(cut)) !== expected) {
        throw new Error(`murmur3 reference disagrees with murmurhash(TextEncoder) on ${JSON.stringify(s)} split at ${cut}`);
      }
    }
  }
}

export function createHashCases(users: readonly User[]): HashCases {
  const salt = FLAG_KEYS.rollout;
  // Flat strings: `salt + id` would be a rope (V8 ConsString), slower for charCodeAt.
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const keys = users.map((u) => decoder.decode(encoder.encode(salt + u.userId)));

  // The reference must equal the package on every key, whole or split as the rollout hashes it.
  for (let i = 0; i < keys.length; i++) {
    const expected = murmurhash.v3(keys[i]!, 0);
    if (murmur3Utf8(salt, users[i]!.userId) !== expected || murmur3Utf8(keys[i]!, '') !== expected) {
      throw new Error(`murmur3 reference disagrees with the murmurhash package on ${JSON.stringify(keys[i])}`);
    }
  }

  const length = keys.length;
  let packageCursor = 0;
  let referenceCursor = 0;
  return {
    keyLength: keys[0]!.length,
    labels: { 'murmurhash-package': '`murmurhash` package `v3(key)`', 'murmur3-reference': 'floor murmur3 (Math.imul, allocation-free)' },
    cases: [
      {
        id: 'murmur3-reference',
        run(count) {
          let i = referenceCursor;
          let acc = 0;
          for (let n = 0; n < count; n++) {
            acc ^= murmur3Utf8(keys[i]!, '');
            if (++i === length) i = 0;
          }
          referenceCursor = i;
          return acc;
        },
      },
      {
        id: 'murmurhash-package',
        run(count) {
          let i = packageCursor;
          let acc = 0;
          for (let n = 0; n < count; n++) {
            acc ^= murmurhash.v3(keys[i]!, 0);
            if (++i === length) i = 0;
          }
          packageCursor = i;
          return acc;
        },
      },
    ],
  };
}
