import { describe, expect, it } from 'vitest';
import { DAY_MS, staleness, usageRows, type StalenessInput } from './staleness.js';

const NOW = Date.parse('2026-04-01T12:00:00.000Z');
const daysAgo = (d: number) => NOW - d * DAY_MS;

function flag(overrides: Partial<StalenessInput> = {}): StalenessInput {
  return {
    temporary: true,
    archived: false,
    createdAt: daysAgo(60),
    trackedSince: daysAgo(30),
    staleAfterDays: 14,
    usage: [],
    ...overrides,
  };
}

describe('staleness', () => {
  it('is launched, and stale, when one variant was served in every environment for N days', () => {
    const s = staleness(
      flag({
        usage: [
          { environment: 'production', variant: 'on', lastSeen: daysAgo(0.01) },
          { environment: 'production', variant: 'off', lastSeen: daysAgo(20) },
          { environment: 'staging', variant: 'on', lastSeen: daysAgo(2) },
        ],
      }),
      NOW,
    );
    expect(s).toEqual({
      stale: true,
      status: 'launched',
      staleAfterDays: 14,
      lastEvaluatedAt: new Date(daysAgo(0.01)).toISOString(),
      environments: {
        production: { lastEvaluatedAt: new Date(daysAgo(0.01)).toISOString(), variantsServed: ['on'] },
        staging: { lastEvaluatedAt: new Date(daysAgo(2)).toISOString(), variantsServed: ['on'] },
      },
    });
  });

  it('is active when two environments serve different variants, or one serves two', () => {
    const differ = [
      { environment: 'production', variant: 'on', lastSeen: daysAgo(1) },
      { environment: 'staging', variant: 'off', lastSeen: daysAgo(1) },
    ];
    expect(staleness(flag({ usage: differ }), NOW)).toMatchObject({ stale: false, status: 'active' });
    const split = [
      { environment: 'production', variant: 'on', lastSeen: daysAgo(1) },
      { environment: 'production', variant: 'off', lastSeen: daysAgo(13.9) },
    ];
    expect(staleness(flag({ usage: split }), NOW)).toMatchObject({ stale: false, status: 'active' });
    // The same data judged over a shorter window: the other variant is older than it.
    expect(staleness(flag({ usage: split, staleAfterDays: 7 }), NOW)).toMatchObject({ stale: true, status: 'launched' });
  });

  it('is inactive, and stale, when nothing was evaluated in N days; evaluated only before then still shows when', () => {
    expect(staleness(flag(), NOW)).toMatchObject({ stale: true, status: 'inactive', lastEvaluatedAt: null, environments: {} });
    const old = staleness(flag({ usage: [{ environment: 'production', variant: 'on', lastSeen: daysAgo(15) }] }), NOW);
    expect(old).toMatchObject({ stale: true, status: 'inactive', environments: { production: { variantsServed: [] } } });
  });

  it("counts callers' defaults as evaluations but not as a variant served", () => {
    const defaultsOnly = [{ environment: 'production', variant: '', lastSeen: daysAgo(1) }];
    expect(staleness(flag({ usage: defaultsOnly }), NOW)).toMatchObject({ stale: false, status: 'active' });
    const withOne = [...defaultsOnly, { environment: 'production', variant: 'on', lastSeen: daysAgo(1) }];
    expect(staleness(flag({ usage: withOne }), NOW)).toMatchObject({ stale: true, status: 'launched' });
  });

  it('is new while the flag, or its tracking, is younger than N days', () => {
    expect(staleness(flag({ createdAt: daysAgo(13) }), NOW)).toMatchObject({ stale: false, status: 'new' });
    expect(staleness(flag({ trackedSince: daysAgo(13) }), NOW)).toMatchObject({ stale: false, status: 'new' });
    expect(staleness(flag({ trackedSince: undefined }), NOW)).toMatchObject({ stale: false, status: 'new' });
    expect(staleness(flag({ trackedSince: daysAgo(14) }), NOW)).toMatchObject({ stale: true, status: 'inactive' });
  });

  it('never calls a permanent or archived flag stale, though it reports their status', () => {
    expect(staleness(flag({ temporary: false }), NOW)).toMatchObject({ stale: false, status: 'inactive' });
    expect(staleness(flag({ archived: true }), NOW)).toMatchObject({ stale: false, status: 'inactive' });
  });

  it('takes fractional thresholds (an hour)', () => {
    const usage = [
      { environment: 'production', variant: 'on', lastSeen: NOW - 10 * 60_000 },
      { environment: 'production', variant: 'off', lastSeen: NOW - 2 * 3_600_000 },
    ];
    const hour = 1 / 24;
    expect(
      staleness(flag({ staleAfterDays: hour, createdAt: NOW - 3 * 3_600_000, trackedSince: NOW - 3 * 3_600_000, usage }), NOW),
    ).toMatchObject({
      stale: true,
      status: 'launched',
    });
  });
});

describe('usageRows', () => {
  it("gives each flag and variant the batch's first and last minute, sorted", () => {
    const m = 60_000;
    expect(
      usageRows([
        { flagKey: 'b', variant: 'on', bucket: 5 * m },
        { flagKey: 'a', variant: 'off', bucket: 3 * m },
        { flagKey: 'b', variant: 'on', bucket: 2 * m },
        { flagKey: 'a', variant: '', bucket: 4 * m },
      ]),
    ).toEqual([
      { flagKey: 'a', variant: '', firstSeen: 4 * m, lastSeen: 4 * m },
      { flagKey: 'a', variant: 'off', firstSeen: 3 * m, lastSeen: 3 * m },
      { flagKey: 'b', variant: 'on', firstSeen: 2 * m, lastSeen: 5 * m },
    ]);
  });
});
