/** Reads `X-Change-Reason` (percent-encoded UTF-8, see the contract) from an admin request. */
import { CHANGE_REASON_HEADER, CHANGE_REASON_MAX_LENGTH } from '@switchboard/api-contract';
import { ValidationError } from '../errors.js';

const field = CHANGE_REASON_HEADER;

/** The decoded, trimmed reason; undefined when absent or blank. A malformed one is a 400 naming the header. */
export function changeReasonOf(headers: Record<string, unknown>): string | undefined {
  const raw = headers[CHANGE_REASON_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new ValidationError(`Send ${field} once`, field);
  // Raw non-ASCII would arrive as Latin-1 mojibake: ask for the encoding instead of storing that.
  if (!/^[\x20-\x7e\t]*$/.test(raw)) throw new ValidationError(`${field} must be percent-encoded UTF-8 (encodeURIComponent)`, field);
  let reason: string;
  try {
    reason = decodeURIComponent(raw).trim();
  } catch {
    throw new ValidationError(`${field} is not valid percent-encoded UTF-8`, field);
  }
  if (reason === '') return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(reason)) throw new ValidationError(`${field} must be one line of text`, field);
  if ([...reason].length > CHANGE_REASON_MAX_LENGTH) {
    throw new ValidationError(`${field} must be at most ${CHANGE_REASON_MAX_LENGTH} characters`, field);
  }
  return reason;
}
