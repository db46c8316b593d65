/** Field-level differences between two JSON values, for audit entries and conflicts. */

export interface Change {
  /** `rules[0].conditions[1].values`, or '' for the whole value. */
  path: string;
  before: unknown;
  after: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/**
 * Changes from `before` to `after`. Small arrays of scalars (values lists, tags) are
 * reported whole; arrays of objects are compared item by item.
 */
export function diff(before: unknown, after: unknown, options: { ignore?: string[] } = {}, path = ''): Change[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys
      .filter((k) => !(path === '' && options.ignore?.includes(k)))
      .flatMap((k) => diff(before[k], after[k], options, join(path, k)));
  }
  if (Array.isArray(before) && Array.isArray(after) && [...before, ...after].some((v) => typeof v === 'object' && v !== null)) {
    const n = Math.max(before.length, after.length);
    const out: Change[] = [];
    for (let i = 0; i < n; i++) out.push(...diff(before[i], after[i], options, join(path, i)));
    return out;
  }
  return [{ path, before, after }];
}

/** A value in one line, for tables. `undefined` reads as "—". */
export function show(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
