/**
 * A wall-clock time in an IANA zone to the instant it names, with `Intl.DateTimeFormat`
 * (no time zone database of our own). A time skipped by a DST jump names no instant; one
 * repeated by a DST fall-back names two, and needs the UTC offset to pick one.
 */
import { ValidationError } from '../../errors.js';

export interface WallTime {
  /** `YYYY-MM-DDTHH:mm` or `YYYY-MM-DDTHH:mm:ss`, no offset. */
  local: string;
  timeZone: string;
  /** `+01:00`, `-05:30` or `Z`: which of two instants an ambiguous time means. */
  offset?: string | undefined;
}

export interface ResolvedWallTime {
  at: Date;
  /** The zone's offset at that instant, like `+01:00`. */
  offset: string;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const OFFSET = /^(?:Z|([+-])(\d{2}):(\d{2}))$/;
const DAY_MS = 86_400_000;

/** Formats instants in one zone; throws a 400 naming `field` for a zone Intl doesn't know. */
function zoneFormatter(timeZone: string, field: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    throw new ValidationError(`"${timeZone}" is not an IANA time zone (like "Europe/Berlin")`, field);
  }
}

/** The zone's offset from UTC at `instant`, in ms (wall time minus UTC). */
function offsetAt(format: Intl.DateTimeFormat, instant: number): number {
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

export function formatOffset(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${ms < 0 ? '-' : '+'}${hh}:${mm}`;
}

function parseOffset(text: string, field: string): number {
  const match = OFFSET.exec(text);
  if (!match) throw new ValidationError('must be a UTC offset like "+01:00" or "Z"', field);
  if (!match[1]) return 0;
  const ms = (Number(match[2]) * 60 + Number(match[3])) * 60_000;
  return match[1] === '-' ? -ms : ms;
}

/**
 * The instant `wall.local` names in `wall.timeZone`. Fields in errors are relative to
 * `field` (e.g. `runAt.local`). A DST gap is always a 400; a DST overlap is a 400 unless
 * `offset` picks one of its two instants.
 */
export function resolveWallTime(wall: WallTime, field = 'runAt'): ResolvedWallTime {
  const match = LOCAL.exec(wall.local);
  if (!match) throw new ValidationError('must be a wall time like "2026-12-08T03:00" (no offset)', `${field}.local`);
  const [y, mo, d, h, mi, s] = match.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (y < 1970 || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new ValidationError(`"${wall.local}" is not a valid date and time`, `${field}.local`);
  }
  const format = zoneFormatter(wall.timeZone, `${field}.timeZone`);
  // A zone changes offset at most once around any given day: the offsets a day before
  // and after (and at the time itself) are the only ones the wall time can be under.
  const offsets = new Set([offsetAt(format, asUtc - DAY_MS), offsetAt(format, asUtc), offsetAt(format, asUtc + DAY_MS)]);
  const instants = [...offsets].map((o) => asUtc - o).filter((at) => asUtc - at === offsetAt(format, at));
  const candidates = [...new Set(instants)].sort((a, b) => a - b);

  if (candidates.length === 0) {
    throw new ValidationError(`${wall.local} does not exist in ${wall.timeZone} (the clocks skip it)`, `${field}.local`);
  }
  if (wall.offset !== undefined) {
    const offset = parseOffset(wall.offset, `${field}.offset`);
    const at = candidates.find((c) => asUtc - c === offset);
    if (at === undefined) {
      const valid = candidates.map((c) => formatOffset(asUtc - c)).join(' or ');
      throw new ValidationError(`${wall.local} in ${wall.timeZone} is at ${valid}, not ${wall.offset}`, `${field}.offset`);
    }
    return { at: new Date(at), offset: formatOffset(offset) };
  }
  if (candidates.length > 1) {
    const choices = candidates.map((c) => formatOffset(asUtc - c)).join(' or ');
    throw new ValidationError(
      `${wall.local} happens twice in ${wall.timeZone} (the clocks go back); add "offset": ${choices} to say which`,
      `${field}.local`,
    );
  }
  return { at: new Date(candidates[0]!), offset: formatOffset(asUtc - candidates[0]!) };
}
