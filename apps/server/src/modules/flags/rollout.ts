/** What `PUT …/rollout` writes: one variant's share changes, the others keep their proportions. */
import type { RolloutServe, Serve } from '@switchboard/core';

/** Weights of a rollout the route writes: percentages to 0.001. */
export const ROLLOUT_TOTAL = 100_000;

type Weighted = { variant: string; weight: number };

/**
 * The fallthrough after setting `variant` to `percentage` %. The rest is shared by the other
 * variants the fallthrough serves now, in their current proportions (a 50/30/20 split with
 * the 30 set to 40 becomes 42.857/40/17.143); when it serves no other, the rest goes to
 * `offVariant`. Entries keep their order; `bucketBy` is kept unless a new one is given, since
 * changing it reshuffles every user.
 */
export function rolloutServe(current: Serve, offVariant: string, variant: string, percentage: number, bucketBy?: string): RolloutServe {
  const weight = Math.round(percentage * 1000);
  const rest = ROLLOUT_TOTAL - weight;
  const entries: Weighted[] =
    'rollout' in current ? current.rollout.map((w) => ({ ...w })) : [{ variant: current.variant, weight: ROLLOUT_TOTAL }];
  if (!entries.some((w) => w.variant === variant)) entries.unshift({ variant, weight: 0 });
  let others = entries.filter((w) => w.variant !== variant && w.weight > 0);
  if (others.length === 0) {
    let off = entries.find((w) => w.variant === offVariant);
    if (!off) entries.push((off = { variant: offVariant, weight: 0 }));
    off.weight = 1;
    others = [off];
  }
  const shares = largestRemainder(
    others.map((w) => w.weight),
    rest,
  );
  others.forEach((w, i) => (w.weight = shares[i]!));
  for (const w of entries) if (w.variant === variant) w.weight = weight;
  const serve: RolloutServe = { rollout: entries };
  const by = bucketBy ?? ('rollout' in current ? current.bucketBy : undefined);
  if (by !== undefined) serve.bucketBy = by;
  return serve;
}

/** `total` split in proportion to `weights` as integers that add up to it exactly (largest remainder first). */
export function largestRemainder(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w * total) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    out[i]! += 1;
    left -= 1;
  }
  return out;
}
