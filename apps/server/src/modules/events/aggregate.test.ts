import { describe, expect, it } from 'vitest';
import { MAX_COUNTER, aggregate } from './aggregate.js';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 1, 11, 0);

describe('aggregate', () => {
  it('counts each summary in the minute its window ended, merging equal keys', () => {
    const out = aggregate(
      [
        { flag: 'a', variant: 'on', count: 2, windowStart: T0 - 5000, windowEnd: T0 + 5000 },
        { flag: 'a', variant: 'on', count: 3, windowStart: T0 + 5000, windowEnd: T0 + 59_999 },
        { flag: 'a', variant: 'on', count: 4, windowStart: T0 + 59_999, windowEnd: T0 + M },
        { flag: 'a', variant: null, count: 1, windowStart: T0, windowEnd: T0 + 1 },
        { flag: 'a', variant: 'off', count: 0, windowStart: T0, windowEnd: T0 + 1 },
      ],
      [],
    );
    expect(out.evaluations).toEqual([
      { flagKey: 'a', bucket: T0, variant: '', count: 1 },
      { flagKey: 'a', bucket: T0, variant: 'on', count: 5 },
      { flagKey: 'a', bucket: T0 + M, variant: 'on', count: 4 },
    ]);
  });

  it('counts every event under its name and under each flag variant it carries, with value sums', () => {
    const out = aggregate(
      [],
      [
        { name: 'buy', timestamp: T0 + 1, value: 3, variants: { f: 'on', g: 'b' } },
        { name: 'buy', timestamp: T0 + 2, value: -1, variants: { f: 'on' } },
        { name: 'buy', timestamp: T0 + 3 },
      ],
    );
    expect(out.events).toEqual([
      { flagKey: '', bucket: T0, eventName: 'buy', variant: '', count: 3, valueCount: 2, valueSum: 2, valueSumSquares: 10 },
      { flagKey: 'f', bucket: T0, eventName: 'buy', variant: 'on', count: 2, valueCount: 2, valueSum: 2, valueSumSquares: 10 },
      { flagKey: 'g', bucket: T0, eventName: 'buy', variant: 'b', count: 1, valueCount: 1, valueSum: 3, valueSumSquares: 9 },
    ]);
  });

  it('sorts rows the same way whatever order they came in (one lock order for every batch)', () => {
    const evaluations = ['z', 'a', 'm'].flatMap((flag) => [
      { flag, variant: 'on', count: 1, windowStart: T0, windowEnd: T0 + 2 * M },
      { flag, variant: 'off', count: 1, windowStart: T0, windowEnd: T0 },
    ]);
    const forward = aggregate(evaluations, []).evaluations;
    const backward = aggregate([...evaluations].reverse(), []).evaluations;
    expect(backward).toEqual(forward);
    expect(forward.map((r) => `${r.bucket - T0}/${r.flagKey}/${r.variant}`)).toEqual([
      '0/a/off',
      '0/m/off',
      '0/z/off',
      '120000/a/on',
      '120000/m/on',
      '120000/z/on',
    ]);
  });

  it('saturates a merged count at MAX_COUNTER', () => {
    const huge = Array.from({ length: 10_000 }, () => ({ flag: 'a', variant: 'on', count: 1e12, windowStart: T0, windowEnd: T0 }));
    expect(aggregate(huge, []).evaluations).toEqual([{ flagKey: 'a', bucket: T0, variant: 'on', count: MAX_COUNTER }]);
  });
});
