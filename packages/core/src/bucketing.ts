import { murmur3 } from './murmur3.js';
import type { WeightedVariant } from './snapshot.js';

/**
 * `floor(hash × total / 2^32)`, exact for any total up to 2^31 − 1. The product can
 * exceed 2^53, so it is split into 16-bit halves: every intermediate stays an exact
 * integer in a double and the floors compose without rounding.
 */
export function bucketOf(hash: number, total: number): number {
  const high = (hash >>> 16) * total;
  const low = Math.floor(((hash & 0xffff) * total) / 65536);
  return Math.floor((high + low) / 65536);
}

/**
 * The variant a bucketing value lands on: the first whose cumulative weight exceeds
 * its bucket. Returns undefined when the weights can't be used (empty, negative,
 * fractional, or summing to zero) so the caller reports a malformed flag.
 */
export function pickVariant(salt: string, value: string, rollout: readonly WeightedVariant[]): string | undefined {
  let total = 0;
  for (let i = 0; i < rollout.length; i++) {
    const entry = rollout[i];
    if (typeof entry !== 'object' || entry === null) return undefined;
    const w = entry.weight;
    if (!Number.isInteger(w) || w < 0) return undefined;
    total += w;
  }
  if (total <= 0 || total > 0x7fffffff) return undefined;
  const bucket = bucketOf(murmur3(salt, value), total);
  let cumulative = 0;
  for (let i = 0; i < rollout.length; i++) {
    const entry = rollout[i]!;
    cumulative += entry.weight;
    if (bucket < cumulative) return entry.variant;
  }
  return undefined;
}
