import { describe, expect, it } from 'vitest';
import { resolveWallTime } from './wall-time.js';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { field?: string }).field;
  }
  throw new Error('expected a validation error');
}

describe('resolveWallTime', () => {
  it('turns a wall time in an IANA zone into the UTC instant it names', () => {
    expect(resolveWallTime({ local: '2026-12-08T03:00', timeZone: 'Europe/Berlin' })).toEqual({
      at: new Date('2026-12-08T02:00:00Z'),
      offset: '+01:00',
    });
    expect(resolveWallTime({ local: '2026-07-01T09:30:15', timeZone: 'America/New_York' }).at.toISOString()).toBe(
      '2026-07-01T13:30:15.000Z',
    );
    expect(resolveWallTime({ local: '2026-03-01T12:00', timeZone: 'Asia/Kolkata' })).toEqual({
      at: new Date('2026-03-01T06:30:00Z'),
      offset: '+05:30',
    });
    expect(resolveWallTime({ local: '2026-03-01T12:00', timeZone: 'UTC' }).at.toISOString()).toBe('2026-03-01T12:00:00.000Z');
  });

  it('refuses a time the spring-forward jump skips (Europe/Berlin, 2026-03-29 02:30)', () => {
    expect(() => resolveWallTime({ local: '2026-03-29T02:30', timeZone: 'Europe/Berlin' })).toThrow(/does not exist/);
    expect(fieldOf(() => resolveWallTime({ local: '2026-03-29T02:30', timeZone: 'Europe/Berlin' }))).toBe('runAt.local');
    // Either side of the gap exists.
    expect(resolveWallTime({ local: '2026-03-29T01:59', timeZone: 'Europe/Berlin' }).at.toISOString()).toBe('2026-03-29T00:59:00.000Z');
    expect(resolveWallTime({ local: '2026-03-29T03:00', timeZone: 'Europe/Berlin' }).at.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('refuses a time the fall-back repeats (Europe/Berlin, 2026-10-25 02:30) unless an offset picks one', () => {
    const wall = { local: '2026-10-25T02:30', timeZone: 'Europe/Berlin' };
    expect(() => resolveWallTime(wall)).toThrow(/happens twice.*"offset": \+02:00 or \+01:00/);
    expect(fieldOf(() => resolveWallTime(wall))).toBe('runAt.local');
    expect(resolveWallTime({ ...wall, offset: '+02:00' })).toEqual({ at: new Date('2026-10-25T00:30:00Z'), offset: '+02:00' });
    expect(resolveWallTime({ ...wall, offset: '+01:00' })).toEqual({ at: new Date('2026-10-25T01:30:00Z'), offset: '+01:00' });
    expect(fieldOf(() => resolveWallTime({ ...wall, offset: '+03:00' }))).toBe('runAt.offset');
    expect(fieldOf(() => resolveWallTime({ ...wall, offset: 'soon' }))).toBe('runAt.offset');
  });

  it('accepts an offset that matches an unambiguous time and refuses one that does not', () => {
    const wall = { local: '2026-12-08T03:00', timeZone: 'Europe/Berlin' };
    expect(resolveWallTime({ ...wall, offset: '+01:00' }).at.toISOString()).toBe('2026-12-08T02:00:00.000Z');
    expect(() => resolveWallTime({ ...wall, offset: '+02:00' })).toThrow(/is at \+01:00, not \+02:00/);
  });

  it('names the field at fault for an unknown zone or a malformed or impossible time', () => {
    expect(fieldOf(() => resolveWallTime({ local: '2026-12-08T03:00', timeZone: 'Mars/Olympus' }))).toBe('runAt.timeZone');
    expect(fieldOf(() => resolveWallTime({ local: '2026-12-08 03:00', timeZone: 'UTC' }))).toBe('runAt.local');
    expect(fieldOf(() => resolveWallTime({ local: '2026-12-08T03:00+01:00', timeZone: 'UTC' }))).toBe('runAt.local');
    expect(fieldOf(() => resolveWallTime({ local: '2026-02-30T03:00', timeZone: 'UTC' }))).toBe('runAt.local');
    expect(fieldOf(() => resolveWallTime({ local: '2026-12-08T24:00', timeZone: 'UTC' }))).toBe('runAt.local');
  });
});
