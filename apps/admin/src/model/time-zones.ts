/**
 * Time zones for the forms that take a wall time (scheduled changes, a plan's start): the
 * browser's zone by default, every IANA zone the browser knows to pick from, and instants
 * shown both in the reader's zone and in the zone they were typed in.
 */

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

let zones: string[] | undefined;

/** IANA zones, sorted; the browser's list when it has one, else a short list of common ones. */
export function timeZones(): string[] {
  if (zones) return zones;
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  let list: string[] = [];
  try {
    list = intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    list = [];
  }
  if (list.length === 0)
    list = ['America/Los_Angeles', 'America/New_York', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney', 'Europe/Berlin', 'Europe/London'];
  zones = [...new Set([...list, 'UTC'])].sort();
  return zones;
}

/** The list with `zone` in it, for a zone the browser's list lacks (an alias like Asia/Calcutta). */
export function zonesWith(zone: string): string[] {
  const list = timeZones();
  return list.includes(zone) ? list : [zone, ...list];
}

/** "Mon 8 Dec 2026, 03:00 GMT+1": an instant in a zone, with that zone's offset. */
export function formatInZone(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return d.toLocaleString(undefined, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    });
  } catch {
    return d.toISOString();
  }
}

/** "UTC+01:00" for `timeZone` at `at`: what a zone picker says beside the zone. */
export function offsetLabel(timeZone: string, at: Date = new Date()): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    if (!part || part === 'GMT') return 'UTC+00:00';
    return part.replace('GMT', 'UTC');
  } catch {
    return '';
  }
}

/** A `datetime-local` value (`YYYY-MM-DDTHH:mm`) `minutes` from now in `timeZone`: a form's starting point. */
export function localInputIn(timeZone: string, minutesFromNow: number, now: Date = new Date()): string {
  const at = new Date(now.getTime() + minutesFromNow * 60_000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/**
 * The zone's offset around a typed wall time (read as if UTC: within a day of the instant it
 * names, so right except in the hours next to a clock change), for the hint beside the input.
 */
export function offsetNear(timeZone: string, local: string): string {
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(local) ? new Date(`${local.slice(0, 16)}:00Z`) : new Date();
  return offsetLabel(timeZone, Number.isNaN(at.getTime()) ? new Date() : at);
}
