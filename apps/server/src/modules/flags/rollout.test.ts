import { describe, expect, it } from 'vitest';
import { largestRemainder, rolloutServe } from './rollout.js';

const threeWay = {
  rollout: [
    { variant: 'light', weight: 50_000 },
    { variant: 'dark', weight: 30_000 },
    { variant: 'contrast', weight: 20_000 },
  ],
};

describe('rolloutServe', () => {
  it('keeps the other variants of a three-way split in their proportions', () => {
    expect(rolloutServe(threeWay, 'light', 'dark', 30)).toEqual(threeWay);
    expect(rolloutServe(threeWay, 'light', 'dark', 40)).toEqual({
      rollout: [
        { variant: 'light', weight: 42_857 },
        { variant: 'dark', weight: 40_000 },
        { variant: 'contrast', weight: 17_143 },
      ],
    });
    expect(rolloutServe(threeWay, 'light', 'contrast', 0)).toEqual({
      rollout: [
        { variant: 'light', weight: 62_500 },
        { variant: 'dark', weight: 37_500 },
        { variant: 'contrast', weight: 0 },
      ],
    });
  });

  it('is the two-way rollout against the off variant when the flag serves one variant', () => {
    expect(rolloutServe({ variant: 'off' }, 'off', 'on', 12.5)).toEqual({
      rollout: [
        { variant: 'on', weight: 12_500 },
        { variant: 'off', weight: 87_500 },
      ],
    });
    // Serving the rolled-out variant to everyone: the rest goes to the off variant.
    expect(rolloutServe({ variant: 'on' }, 'off', 'on', 30)).toEqual({
      rollout: [
        { variant: 'on', weight: 30_000 },
        { variant: 'off', weight: 70_000 },
      ],
    });
    // Serving another variant: that one keeps the rest.
    expect(rolloutServe({ variant: 'dark' }, 'light', 'contrast', 10)).toEqual({
      rollout: [
        { variant: 'contrast', weight: 10_000 },
        { variant: 'dark', weight: 90_000 },
      ],
    });
  });

  it('gives the rest back to the others after a full rollout only through the off variant (their shares were all zero)', () => {
    const full = rolloutServe(threeWay, 'light', 'dark', 100);
    expect(full).toEqual({
      rollout: [
        { variant: 'light', weight: 0 },
        { variant: 'dark', weight: 100_000 },
        { variant: 'contrast', weight: 0 },
      ],
    });
    expect(rolloutServe(full, 'light', 'dark', 25).rollout).toEqual([
      { variant: 'light', weight: 75_000 },
      { variant: 'dark', weight: 25_000 },
      { variant: 'contrast', weight: 0 },
    ]);
  });

  it('keeps bucketBy unless a new one is given', () => {
    const byAccount = { ...threeWay, bucketBy: 'accountId' };
    expect(rolloutServe(byAccount, 'light', 'dark', 30).bucketBy).toBe('accountId');
    expect(rolloutServe(byAccount, 'light', 'dark', 30, 'userId').bucketBy).toBe('userId');
    expect(rolloutServe({ variant: 'off' }, 'off', 'on', 30)).not.toHaveProperty('bucketBy');
  });

  it('always writes weights that add up to 100000, whatever the current total', () => {
    const odd = {
      rollout: [
        { variant: 'a', weight: 1 },
        { variant: 'b', weight: 1 },
        { variant: 'c', weight: 1 },
      ],
    };
    for (const p of [0, 0.001, 33.333, 50, 99.999, 100]) {
      const out = rolloutServe(odd, 'a', 'c', p);
      expect(out.rollout.reduce((s, w) => s + w.weight, 0)).toBe(100_000);
    }
  });
});

describe('largestRemainder', () => {
  it('splits exactly, larger remainders first, ties to the earlier entry', () => {
    expect(largestRemainder([1, 1, 1], 100)).toEqual([34, 33, 33]);
    expect(largestRemainder([50, 20], 60_000)).toEqual([42_857, 17_143]);
  });
});
