/** What a change request's approvals are bound to, and how its patch is computed. */
import { createHash } from 'node:crypto';
import type { ConfigFields } from '../../db/schema/index.js';
import type { Principal } from '../api-keys/key-verifier.js';

const FIELDS: readonly (keyof ConfigFields)[] = ['enabled', 'offVariant', 'fallthrough', 'rules', 'prerequisites', 'salt'];

/** JSON with object keys sorted, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface Content {
  flag: string;
  environment: string;
  action: string;
  baseVersion: number;
  patch: Partial<ConfigFields>;
  reason: string | null;
}

/** Everything a reviewer sees; any edit changes it, and with it which approvals count. */
export function contentHash(content: Content): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The fields `next` sets differently from `base`. */
export function patchBetween(base: ConfigFields, next: ConfigFields): Partial<ConfigFields> {
  const patch: Record<string, unknown> = {};
  for (const field of FIELDS) if (canonicalJson(base[field]) !== canonicalJson(next[field])) patch[field] = next[field];
  return patch as Partial<ConfigFields>;
}

/** Only the kill switch: `enabled` goes (or stays) false and nothing else changes. Break-glass, never held. */
export function isKillOnly(base: ConfigFields, next: ConfigFields): boolean {
  return next.enabled === false && Object.keys(patchBetween({ ...base, enabled: false }, next)).length === 0;
}

/** Who a caller is for "an author can't approve their own request": a person, else a key, else the admin token. */
export function identityOf(principal: Principal): string {
  return principal.userId ?? principal.keyId ?? principal.name;
}
