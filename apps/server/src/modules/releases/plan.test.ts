import { describe, expect, it } from 'vitest';
import { checkStages, sampleLimit, stageEndsAt, stageFallthrough } from './plan.js';

const plan = { variant: 'on', control: 'off', bucketBy: 'userId', stages: [] };

describe('release plan stages', () => {
  it('puts the variant first so a unit keeps it as the percentage grows', () => {
    expect(stageFallthrough(plan, 0.001)).toEqual({
      rollout: [
        { variant: 'on', weight: 1 },
        { variant: 'off', weight: 99_999 },
      ],
      bucketBy: 'userId',
    });
    expect(stageFallthrough(plan, 25)).toEqual({
      rollout: [
        { variant: 'on', weight: 25_000 },
        { variant: 'off', weight: 75_000 },
      ],
      bucketBy: 'userId',
    });
    expect(stageFallthrough(plan, 100)).toEqual({ variant: 'on' });
  });

  it('refuses percentages that do not grow and missing durations, naming the field', () => {
    expect(() => checkStages([{ percent: 5, minDurationSec: 60 }, { percent: 5 }])).toThrow(/stages\[1\]\.percent/);
    expect(() => checkStages([{ percent: 1 }, { percent: 5 }])).toThrow(/stages\[0\]\.minDurationSec/);
    expect(() => checkStages([{ percent: 1, minDurationSec: 0 }, { percent: 100 }])).not.toThrow();
  });

  it('ends a stage after its duration; a last stage without one never ends', () => {
    const started = new Date('2026-12-07T10:00:00Z');
    expect(stageEndsAt({ percent: 1, minDurationSec: 600 }, started)).toBe(started.getTime() + 600_000);
    expect(stageEndsAt({ percent: 100 }, started)).toBeUndefined();
    expect(stageEndsAt({ percent: 1, minDurationSec: 5 }, null)).toBeUndefined();
  });

  it('halves the kept share of units per sample bit', () => {
    expect([0, 1, 2].map(sampleLimit)).toEqual([2 ** 32, 2 ** 31, 2 ** 30]);
  });
});
