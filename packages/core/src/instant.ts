// ISO-8601 calendar dates and date-times. A date-time must carry `Z` or an offset:
// without one its instant would depend on the host's time zone, so it is refused.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function daysIn(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Epoch milliseconds of an ISO string or a millisecond number; NaN for anything else. */
export function toInstant(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value !== 'string') return NaN;
  const m = ISO.exec(value);
  if (!m) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  // Date.parse rolls 2023-02-29 over to March 1st; a date that doesn't exist is invalid.
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN;
  return Date.parse(value);
}
