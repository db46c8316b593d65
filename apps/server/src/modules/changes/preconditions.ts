/** Optimistic concurrency: every edit names the version it was made against. */
import { PreconditionRequiredError, ValidationError } from '../../errors.js';

/**
 * The version a write expects, from `If-Match: "<version>"` or a `version` body field.
 * Missing → 428; malformed or contradictory → 400.
 */
export function expectedVersion(ifMatch: string | undefined, bodyVersion: number | undefined): number {
  let fromHeader: number | undefined;
  if (ifMatch !== undefined) {
    const match = /^\s*"?([1-9]\d{0,8})"?\s*$/.exec(ifMatch);
    if (!match) throw new ValidationError('If-Match must be the version you edit, like "7"', 'If-Match');
    fromHeader = Number(match[1]);
  }
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    throw new ValidationError('If-Match and the "version" field disagree', 'If-Match');
  }
  const version = fromHeader ?? bodyVersion;
  if (version === undefined) throw new PreconditionRequiredError();
  return version;
}

export function etag(version: number): string {
  return `"${version}"`;
}
