import { describe, expect, it } from 'vitest';
import { aggregate, minuteOf } from './aggregate.js';
import type { EventsBody } from './schemas.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 30);
const OLDEST = NOW - 90 * 24 * 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 0, 1, 11, 0);

function body(parts: Partial<EventsBody>): EventsBody {
  return { sdk: { name: 'test', version: '0' }, evaluations: [], events: [], ...parts };
}

describe('aggregate', () => {
  it('counts each summary in the minute its window ended, merging equal keys', () => {
    const out = aggregate(
      body({
        evaluations: [
          { flag: 'a', variant: 'on', count: 2, windowStart: T0 - 5000, windowEnd: T0 + 5000 },
          { flag: 'a', variant: 'on', count: 3, windowStart: T0 + 5000, windowEnd: T0 + 59_999 },
          { flag: 'a', variant: 'on', count: 4, windowStart: T0 + 59_999, windowEnd: T0 + M },
          { flag: 'a', variant: null, count: 1, windowStart: T0, windowEnd: T0 + 1 },
          { flag: 'a', variant: 'off', count: 0, windowStart: T0, windowEnd: T0 + 1 },
        ],
      }),
      NOW,
      OLDEST,
    );
    expect(out.evaluations).toEqual([
      { flagKey: 'a', bucket: T0, variant: '', count: 1 },
      { flagKey: 'a', bucket: T0, variant: 'on', count: 5 },
      { flagKey: 'a', bucket: T0 + M, variant: 'on', count: 4 },
    ]);
    expect(out.accepted).toEqual({ evaluations: 5, events: 0 });
  });

  it('counts every event under its name and under each flag variant it carries, with value sums', () => {
    const out = aggregate(
      body({
        events: [
          { name: 'buy', timestamp: T0 + 1, value: 3, variants: { f: 'on', g: 'b' } },
          { name: 'buy', timestamp: T0 + 2, value: -1, variants: { f: 'on' } },
          { name: 'buy', timestamp: T0 + 3 },
        ],
      }),
      NOW,
      OLDEST,
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
    const forward = aggregate(body({ evaluations }), NOW, OLDEST).evaluations;
    const backward = aggregate(body({ evaluations: [...evaluations].reverse() }), NOW, OLDEST).evaluations;
    expect(backward).toEqual(forward);
    expect(forward.map((r) => `${r.bucket - T0}/${r.flagKey}/${r.variant}`)).toEqual(['0/a/off', '0/m/off', '0/z/off', '120000/a/on', '120000/m/on', '120000/z/on']);
  });

  it('skips and reports entries older than the retention', () => {
    const out = aggregate(
      body({
        evaluations: [{ flag: 'a', variant: 'on', count: 1, windowStart: OLDEST - M, windowEnd: OLDEST - M }],
        events: [{ name: 'x', timestamp: OLDEST - M }, { name: 'x', timestamp: minuteOf(OLDEST) }],
      }),
      NOW,
      OLDEST,
    );
    expect(out.evaluations).toEqual([]);
    expect(out.events).toHaveLength(1);
    expect(out.expired).toEqual({ evaluations: 1, events: 1 });
    expect(out.accepted).toEqual({ evaluations: 0, events: 1 });
  });

  it('refuses inverted windows and times ahead of the clock by more than the allowed skew, naming the entry', () => {
    const window = (windowStart: number, windowEnd: number) => body({ evaluations: [{ flag: 'a', variant: 'on', count: 1, windowStart, windowEnd }] });
    expect(() => aggregate(window(T0 + 1, T0), NOW, OLDEST)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'evaluations[0].windowStart' }));
    expect(() => aggregate(window(NOW, NOW + 6 * M), NOW, OLDEST)).toThrow(expect.objectContaining({ field: 'evaluations[0].windowEnd' }));
    expect(aggregate(window(NOW, NOW + 4 * M), NOW, OLDEST).accepted.evaluations).toBe(1);
    const events = body({ events: [{ name: 'x', timestamp: NOW }, { name: 'x', timestamp: NOW + 6 * M }] });
    expect(() => aggregate(events, NOW, OLDEST)).toThrow(expect.objectContaining({ field: 'events[1].timestamp' }));
  });

  it('passes on what the SDK dropped only when something was', () => {
    expect(aggregate(body({ dropped: { events: 0, evaluations: 0 } }), NOW, OLDEST).dropped).toBeUndefined();
    expect(aggregate(body({ dropped: { events: 2, evaluations: 0 } }), NOW, OLDEST).dropped).toEqual({ events: 2, evaluations: 0 });
  });
});
