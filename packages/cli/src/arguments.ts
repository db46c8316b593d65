/** Checks of command-line values, done before any request: a bad argument is exit 2 and nothing is sent. */
import { LIMITS } from '@switchboard/core/validate';
import { UsageError } from './errors.js';

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function stringOption(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requiredOption(values: Values, name: string, command: string): string {
  const v = stringOption(values, name);
  if (v === undefined) throw new UsageError(`--${name} is required`, command);
  return v;
}

/** A flag, variant or environment key, as the server accepts them (also keeps `/` and `..` out of URLs). */
export function key(value: string, what: string, command: string): string {
  if (!LIMITS.keyPattern.test(value)) {
    throw new UsageError(
      `${what} "${value}" is not a key: letters, digits, ".", "_" or "-", starting with a letter or digit, at most 128`,
      command,
    );
  }
  return value;
}

/**
 * A rollout percentage: 0 to 100 in 0.001 steps ("12.5", "0.001", "100", "25%").
 * Parsed from its digits, so "1e1", "0x10", " 5" and "12.3456" are refused rather than rounded.
 */
export function percentage(value: string, command: string): number {
  const match = /^(\d{1,3})(?:\.(\d{1,3}))?%?$/.exec(value);
  const n = match ? Number(`${match[1]}.${match[2] ?? '0'}`) : Number.NaN;
  if (!match || n > 100) {
    throw new UsageError(`percentage "${value}" must be a number from 0 to 100 with at most 3 decimals (0.001 % steps)`, command);
  }
  return n;
}

export function positiveInteger(value: string, name: string, command: string, max = 1_000_000_000): number {
  if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}, not "${value}"`, command);
  }
  return Number(value);
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function keyId(value: string, command: string): string {
  if (!UUID.test(value)) throw new UsageError(`"${value}" is not a key id (a UUID, as \`switchboard keys list\` shows)`, command);
  return value;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], name: string, command: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not "${value}"`, command);
  }
  return value as T;
}
