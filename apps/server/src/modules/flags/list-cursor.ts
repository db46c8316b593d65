/**
 * The opaque cursor of `GET /api/admin/flags`: the last key of a page. Pages are in key order
 * and keys are unique, so a flag created behind the cursor never shifts or repeats a later page.
 */
import { ValidationError } from '../../errors.js';

export function encodeFlagCursor(lastKey: string): string {
  return Buffer.from(JSON.stringify({ k: lastKey })).toString('base64url');
}

export function decodeFlagCursor(cursor: string): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && typeof (value as { k?: unknown }).k === 'string') return (value as { k: string }).k;
  } catch {
    // falls through to the 400 below
  }
  throw new ValidationError('cursor is not one this server returned', 'cursor');
}
