import { describe, expect, it } from 'vitest';
import type { Flag } from '@switchboard/core';
import { UNIT_LIMITS, unitId } from '@switchboard/core';
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

  describe('unit summaries', () => {
    const units = (flagKey: string, variant: string, list: string[] = [unitId('u1'), unitId('u2')], windowEnd = T0) => ({
      flag: flagKey,
      variant,
      units: list,
      windowStart: windowEnd - 10_000,
      windowEnd,
    });

    it('keeps summaries of flags and variants the key can see and drops the rest, like evaluation counts', () => {
      const all = [
        units('web', 'on'),
        { ...units('web', 'off'), more: 12 },
        units('nope', 'on'),
        units('web', 'maybe'),
        units('backend', 'on'),
      ];
      const asClient = checker.check(body({ units: all }), client, NOW, OLDEST);
      expect(asClient.units).toEqual([all[0], all[1]]);
      expect(asClient.unitTally).toEqual({ expired: 0, dropped: 3, invalid: 0 });
      expect(asClient.rejected).toEqual([]);
      // Units are not evaluations or events: neither counter moves.
      expect(asClient.lost).toEqual({ evaluations: 0, events: 0 });
      expect(checker.check(body({ units: all }), server, NOW, OLDEST).units.map((u) => u.flag)).toEqual(['web', 'web', 'backend']);
    });

    it('refuses a bad summary on its own, naming what is wrong; the good ones stay', () => {
      const out = checker.check(
        body({
          units: [
            units('web', 'on'),
            units('web', 'on', [unitId('u1'), 'B972DAD0']),
            units('web', 'on', ['b972dad']),
            units(
              'web',
              'on',
              Array.from({ length: UNIT_LIMITS.perVariant + 1 }, (_, i) => i.toString(16).padStart(8, '0')),
            ),
            units('web', 'on', [unitId('u1'), unitId('u2'), unitId('u1')]),
            { ...units('web', 'on'), more: -1 },
            { ...units('web', 'on'), windowStart: T0 + 1 },
            units('web', 'on', undefined, NOW + 6 * M),
            { ...units('web', 'on'), count: 3 },
            units('web', null as unknown as string),
          ],
        }),
        server,
        NOW,
        OLDEST,
      );
      expect(out.units).toHaveLength(1);
      expect(out.unitTally).toEqual({ expired: 0, dropped: 0, invalid: 9 });
      expect(out.rejected.map((r) => r.path)).toEqual([
        '/units/1/units/1',
        '/units/2/units/0',
        '/units/3/units',
        '/units/4/units/2',
        '/units/5/more',
        '/units/6/windowStart',
        '/units/7/windowEnd',
        '/units/8/count',
        '/units/9/variant',
      ]);
      expect(out.rejected[0]!.reason).toBe('has characters not allowed here');
      expect(out.rejected[2]!.reason).toMatch(/10000/);
      expect(out.rejected[3]!.reason).toMatch(/distinct/);
    });

    it('takes exactly UNIT_LIMITS.perVariant units in a summary', () => {
      const list = Array.from({ length: UNIT_LIMITS.perVariant }, (_, i) => i.toString(16).padStart(8, '0'));
      expect(checker.check(body({ units: [units('web', 'on', list)] }), server, NOW, OLDEST).units).toHaveLength(1);
    });

    it('skips summaries older than the retention', () => {
      const out = checker.check(body({ units: [units('web', 'on', undefined, OLDEST - M)] }), server, NOW, OLDEST);
      expect(out.units).toEqual([]);
      expect(out.unitTally.expired).toBe(1);
    });

    it("keeps an event's units only for the flags whose attribution the key can make", () => {
      const out = checker.check(
        body({
          events: [
            {
              name: 'buy',
              timestamp: T0,
              variants: { web: 'on', backend: 'on' },
              units: { web: unitId('u1'), backend: unitId('u1'), nope: unitId('u1') },
            },
            { name: 'buy', timestamp: T0, variants: { web: 'on' }, units: { web: unitId('u1') } },
            { name: 'buy', timestamp: T0, units: { web: 'nothex!!' } },
          ],
        }),
        client,
        NOW,
        OLDEST,
      );
      expect(out.events).toEqual([
        { name: 'buy', timestamp: T0, variants: { web: 'on' }, units: { web: unitId('u1') } },
        { name: 'buy', timestamp: T0, variants: { web: 'on' }, units: { web: unitId('u1') } },
      ]);
      expect(out.rejected.map((r) => r.path)).toEqual(['/events/2/units/web']);
    });
  });
});
