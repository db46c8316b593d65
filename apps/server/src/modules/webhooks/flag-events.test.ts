import { describe, expect, it } from 'vitest';
import { changedFields, flagChangedEvents } from './flag-events.js';
import { eventBody, eventMatches, subscribed } from './outbox.js';

describe('flag.changed events', () => {
  it('names what changed in a config edit, with the new version and the audit row', () => {
    const events = flagChangedEvents(
      'alice (admin key)',
      [
        {
          auditId: 41,
          action: 'config.patch',
          flagKey: 'new-checkout',
          environment: 'production',
          before: { key: 'new-checkout', enabled: true, version: 3, rules: [] },
          after: { key: 'new-checkout', enabled: false, version: 4, rules: [] },
        },
      ],
      [{ environment: 'production', flagKey: 'new-checkout', version: 4 }],
    );
    expect(events).toEqual([
      {
        type: 'flag.changed',
        environment: 'production',
        data: {
          flagKey: 'new-checkout',
          action: 'config.patch',
          actor: 'alice (admin key)',
          auditId: 41,
          version: 4,
          changes: [{ field: 'enabled', before: true, after: false }],
        },
      },
    ]);
  });

  it('gives a flag-wide change one event per environment it rewrote', () => {
    const events = flagChangedEvents(
      'bob',
      [
        {
          auditId: 7,
          action: 'flag.create',
          flagKey: 'beta',
          environment: undefined,
          before: undefined,
          after: { key: 'beta', version: 1 },
        },
      ],
      [
        { environment: 'development', flagKey: 'beta', version: 1 },
        { environment: 'production', flagKey: 'beta', version: 1 },
      ],
    );
    expect(events.map((e) => [e.environment, e.data.version, e.data.auditId])).toEqual([
      ['development', 1, 7],
      ['production', 1, 7],
    ]);
  });

  it('gives a change that rewrote no document one environment-less event', () => {
    const [event, ...rest] = flagChangedEvents(
      'bob',
      [
        {
          auditId: 9,
          action: 'flag.update',
          flagKey: 'beta',
          environment: undefined,
          before: { name: 'a', version: 2 },
          after: { name: 'b', version: 3 },
        },
      ],
      [],
    );
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ environment: null, data: { version: 3, changes: [{ field: 'name', before: 'a', after: 'b' }] } });
  });

  it('skips audit rows about other things', () => {
    expect(
      flagChangedEvents('x', [{ auditId: 1, action: 'segment.update', flagKey: null, environment: undefined, before: {}, after: {} }], []),
    ).toEqual([]);
  });

  it('lists only the field names when the values would make a huge body', () => {
    const big = 'x'.repeat(20_000);
    expect(changedFields({ description: 'a' }, { description: big })).toEqual([{ field: 'description' }]);
  });
});

describe('subscriptions', () => {
  it.each([
    ['flag.changed', 'flag.changed', true],
    ['release.*', 'release.rolled_back', true],
    ['release.*', 'releases.x', false],
    ['*', 'schedule.applied', true],
    ['flag.changed', 'flag.changed.more', false],
  ])('%s covers %s: %s', (pattern, type, expected) => {
    expect(eventMatches(pattern, type)).toBe(expected);
  });

  it('filters by environment, and lets environment-less events through', () => {
    const hook = { events: ['flag.*'], environments: ['production'] };
    expect(subscribed(hook, { type: 'flag.changed', environment: 'production', data: {} })).toBe(true);
    expect(subscribed(hook, { type: 'flag.changed', environment: 'staging', data: {} })).toBe(false);
    expect(subscribed(hook, { type: 'flag.changed', environment: null, data: {} })).toBe(true);
    expect(subscribed({ events: ['release.*'], environments: null }, { type: 'flag.changed', environment: null, data: {} })).toBe(false);
  });

  it('sends { type, timestamp, data } with the environment in data', () => {
    const body = JSON.parse(eventBody({ type: 'flag.changed', environment: 'staging', data: { flagKey: 'a' } }, new Date(0)));
    expect(body).toEqual({ type: 'flag.changed', timestamp: '1970-01-01T00:00:00.000Z', data: { environment: 'staging', flagKey: 'a' } });
  });
});
