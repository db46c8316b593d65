// ISO-8601 calendar dates and date-times. A date-time without an offset is read as
// UTC: the host's time zone must never change an evaluation.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|z|[+-]\d{2}:\d{2})?)?$/;

/** Epoch milliseconds of an ISO string or a millisecond number; NaN for anything else. */
export function toInstant(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value !== 'string') return NaN;
  const m = ISO.exec(value);
  if (!m) return NaN;
  const text = value.length > 10 && m[1] === undefined ? value + 'Z' : value;
  return Date.parse(text.replace(' ', 'T'));
}
