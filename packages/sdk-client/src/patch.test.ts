import type { Flag, Snapshot } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { applyPatch } from './patch.js';

const flag = (key: string, version: number, enabled = true): Flag => ({
  key,
  version,
  type: 'boolean',
  enabled,
  variants: { on: true, off: false },
  offVariant: 'off',
  fallthrough: { variant: 'on' },
});

const snapshot = (): Snapshot =>
  Object.freeze({
    schemaVersion: 1,
    environment: 'production',
    revision: 5,
    flags: Object.freeze({ a: flag('a', 1), b: flag('b', 1) }),
    segments: Object.freeze({ staff: { key: 'staff', conditions: [] } }),
  }) as Snapshot;

describe('applyPatch', () => {
  it('makes a new snapshot and leaves the one others hold as it was (frozen here, so a write would throw)', () => {
    const before = snapshot();
    const copy = JSON.stringify(before);
    const after = applyPatch(before, { revision: 6, key: 'a', flag: flag('a', 2, false) });
    expect(after).not.toBe(before);
    expect(JSON.stringify(before)).toBe(copy);
    expect(after.revision).toBe(6);
    expect(after.flags.a!.enabled).toBe(false);
    // Unchanged flags are shared, not copied; so are the segments when the patch brings none.
    expect(after.flags.b).toBe(before.flags.b);
    expect(after.segments).toBe(before.segments);
  });

  it('removes a flag or segment given null, and adds a flag keyed "__proto__" as an own property', () => {
    const before = snapshot();
    const removed = applyPatch(before, { revision: 6, key: 'b', flag: null, segments: { staff: null } });
    expect(Object.keys(removed.flags)).toEqual(['a']);
    expect(Object.keys(removed.segments!)).toEqual([]);
    const odd = applyPatch(before, { revision: 6, key: '__proto__', flag: flag('__proto__', 1) });
    expect(Object.prototype.hasOwnProperty.call(odd.flags, '__proto__')).toBe(true);
    expect(Object.keys(odd.flags)).toEqual(['a', 'b', '__proto__']);
  });

  it('ignores an older patch and a flag version not higher than the one held; an equal revision applies', () => {
    const before = snapshot();
    expect(applyPatch(before, { revision: 4, key: 'a', flag: flag('a', 9) })).toBe(before);
    const same = applyPatch(before, { revision: 5, key: 'a', flag: flag('a', 1, false) });
    expect(same.flags.a).toBe(before.flags.a);
    const next = applyPatch(before, { revision: 5, key: 'c', flag: flag('c', 1) });
    expect(Object.keys(next.flags)).toEqual(['a', 'b', 'c']);
  });

  it('merges the segments a patch brings', () => {
    const after = applyPatch(snapshot(), {
      revision: 6,
      key: 'a',
      flag: flag('a', 2),
      segments: { beta: { key: 'beta', conditions: [] } },
    });
    expect(Object.keys(after.segments!).sort()).toEqual(['beta', 'staff']);
  });
});
