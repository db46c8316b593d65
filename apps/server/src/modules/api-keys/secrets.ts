/** API key secrets: `sb_<kind>_<43 base64url chars>`; only their SHA-256 is ever stored. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyKind } from '../../db/schema/index.js';

export function generateSecret(kind: ApiKeyKind): string {
  return `sb_${kind}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** What lists show to tell keys apart: the kind prefix and the first 4 random characters. */
export function secretHint(secret: string): string {
  const prefixEnd = secret.indexOf('_', 3) + 1;
  return `${secret.slice(0, prefixEnd + 4)}…`;
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The bearer token of an `Authorization` header, or null when absent or malformed. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header);
  return match ? match[1]! : null;
}
