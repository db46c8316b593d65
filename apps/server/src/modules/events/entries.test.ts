import { describe, expect, it } from 'vitest';
import type { Flag } from '@switchboard/core';
import { BatchChecker, type KeyScope } from './entries.js';
import type { EventsBody } from './schemas.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 30);
const OLDEST = NOW - 90 * 24 * 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 0, 1, 11, 0);

const flag = (key: string, clientSide: boolean): Flag =>
  ({ key, type: 'boolean', variants: { on: true, off: false }, clientSide }) as unknown as Flag;
const flags = new Map([
  ['web', flag('web', true)],
  ['backend', flag('backend', false)],
]);
const server: KeyScope = { flags, clientSideOnly: false };
const client: KeyScope = { flags, clientSideOnly: true };
const body = (parts: Partial<EventsBody>): EventsBody => ({ sdk: { name: 'test', version: '0' }, evaluations: [], events: [], ...parts });
const summary = (flagKey: string, variant: string | null, count = 1, windowEnd = T0) => ({
  flag: flagKey,
  variant,
  count,
  windowStart: windowEnd - 10_000,
  windowEnd,
});

describe('BatchChecker', () => {
  const checker = new BatchChecker();

  it('keeps flags and variants the key can see; drops the rest, adding their counts to what was lost', () => {
    const evaluations = [
      summary('web', 'on', 2),
      summary('web', null, 1),
      summary('web', 'maybe', 3),
      summary('nope', 'on', 4),
      summary('backend', 'on', 5),
      summary('toString', 'on', 6),
      summary('web', 'constructor', 7),
    ];
    const asClient = checker.check(body({ evaluations }), client, NOW, OLDEST);
    expect(asClient.evaluations.map((e) => `${e.flag}/${String(e.variant)}`)).toEqual(['web/on', 'web/null']);
    expect(asClient.dropped).toEqual({ evaluations: 5, events: 0 });
    expect(asClient.lost).toEqual({ evaluations: 3 + 4 + 5 + 6 + 7, events: 0 });
    const asServer = checker.check(body({ evaluations }), server, NOW, OLDEST);
    expect(asServer.evaluations.map((e) => e.flag)).toEqual(['web', 'web', 'backend']);
  });

  it("strips attributions to flags and variants the key can't see; the event still counts", () => {
    const out = checker.check(
      body({
        events: [
          { name: 'buy', timestamp: T0, variants: { web: 'on', backend: 'on', nope: 'on', 'web-x': 'off' } },
          { name: 'buy', timestamp: T0, variants: { backend: 'off' } },
        ],
      }),
      client,
      NOW,
      OLDEST,
    );
    expect(out.events).toEqual([
      { name: 'buy', timestamp: T0, variants: { web: 'on' } },
      { name: 'buy', timestamp: T0 },
    ]);
    expect(out.dropped.events).toBe(0);
  });

  it('refuses bad entries one by one, with a JSON pointer and a reason; the good ones stay', () => {
    const out = checker.check(
      body({
        evaluations: [
          summary('web', 'on'),
          summary('f'.repeat(257), 'on'),
          { ...summary('web', 'on'), count: 1e13 },
          { ...summary('web', 'on'), flagg: 1 },
          summary('web', 'on', 1, NOW + 6 * M),
          { ...summary('web', 'on'), windowStart: T0 + 1 },
          42,
        ],
        events: [
          { name: 'ok', timestamp: T0 },
          { name: 'a\nb', timestamp: T0 },
          { name: 'ok', timestamp: T0, value: 1e16 },
          { timestamp: T0 },
          { name: 'ok', timestamp: NOW + 6 * M },
        ],
      }),
      client,
      NOW,
      OLDEST,
    );
    expect(out.evaluations).toHaveLength(1);
    expect(out.events).toHaveLength(1);
    expect(out.invalid).toEqual({ evaluations: 6, events: 4 });
    expect(out.rejected.map((r) => r.path)).toEqual([
      '/evaluations/1/flag',
      '/evaluations/2/count',
      '/evaluations/3/flagg',
      '/evaluations/4/windowEnd',
      '/evaluations/5/windowStart',
      '/evaluations/6',
      '/events/1/name',
      '/events/2/value',
      '/events/3/name',
      '/events/4/timestamp',
    ]);
    expect(out.rejected[0]!.reason).toMatch(/256/);
    expect(out.rejected[2]!.reason).toBe('is not a known property');
    // Lost: the usable counts of refused summaries (a count too large is taken at the cap), one per event.
    expect(out.lost).toEqual({ evaluations: 1 + 1e12 + 1 + 1 + 1 + 1, events: 4 });
  });

  it('skips and reports entries older than the retention', () => {
    const out = checker.check(
      body({
        evaluations: [summary('web', 'on', 1, OLDEST - M)],
        events: [
          { name: 'x', timestamp: OLDEST - M },
          { name: 'x', timestamp: OLDEST },
        ],
      }),
      server,
      NOW,
      OLDEST,
    );
    expect(out.expired).toEqual({ evaluations: 1, events: 1 });
    expect(out.events).toHaveLength(1);
  });

  it('lists at most 20 rejections and counts them all', () => {
    const out = checker.check(body({ events: Array.from({ length: 100 }, () => ({ name: '' })) }), server, NOW, OLDEST);
    expect(out.rejected).toHaveLength(20);
    expect(out.invalid.events).toBe(100);
  });
});
