import { describe, expect, it } from 'vitest';
import { evaluate } from '@switchboard/core';
import type { Snapshot } from '@switchboard/core';
import { checkPatch, checkSnapshot, diffSnapshots, patchSnapshot, type Patch } from './snapshot-payloads.js';

/** Applies patches in turn to a snapshot held in `ref`, returning each patch's changed keys. */
const patcher = (s: Snapshot) => {
  const ref = { s };
  const apply = (patch: Patch): string[] => {
    const { next, changed } = patchSnapshot(ref.s, patch);
    ref.s = next;
    return changed;
  };
  return { ref, apply };
};
import { booleanFlag, snapshotOf } from './test-support/fixtures.js';

describe('checkSnapshot', () => {
  it('accepts a snapshot and ignores unknown fields', () => {
    const doc = { ...snapshotOf(3, { ...booleanFlag('a'), futureField: 1 } as never), extra: { anything: true } };
    const checked = checkSnapshot(doc);
    expect(JSON.parse(JSON.stringify(checked))).toEqual(snapshotOf(3, booleanFlag('a')));
    expect(checked).not.toHaveProperty('extra');
  });

  it('holds flags compiled, reading back as the evaluation fields in one order, empty lists and a salt equal to the key dropped', () => {
    const checked = checkSnapshot(
      snapshotOf(1, booleanFlag('a', { salt: 'a', rules: [], prerequisites: [], clientSide: true }), booleanFlag('b', { salt: '' })),
    );
    if (typeof checked === 'string') throw new Error(checked);
    const a = checked.flags.a!;
    expect(Object.hasOwn(a, 'fallthrough')).toBe(false); // compiled: read back through a getter
    expect(a.fallthrough).toEqual({ variant: 'on' });
    expect(Object.keys(JSON.parse(JSON.stringify(a)))).toEqual([
      'key',
      'version',
      'type',
      'enabled',
      'variants',
      'offVariant',
      'fallthrough',
    ]);
    expect([a.rules, a.prerequisites, a.clientSide]).toEqual([undefined, [], undefined]);
    expect(JSON.parse(JSON.stringify(checked.flags.b)).salt).toBe(''); // an empty salt is meaningful: it is kept
  });

  it('shares structurally equal parts between flags, and keeps malformed flags as documents', () => {
    const rule = { id: 'r', conditions: [{ attribute: 'country', operator: 'in' as const, values: ['DE'] }], serve: { variant: 'on' } };
    const checked = checkSnapshot(
      JSON.parse(
        JSON.stringify(
          snapshotOf(
            1,
            booleanFlag('a', { rules: [rule] }),
            booleanFlag('b', { rules: [{ ...rule, id: 's' }] }),
            booleanFlag('c', { rules: [rule, 'junk' as never] }),
          ),
        ),
      ) as unknown,
    );
    if (typeof checked === 'string') throw new Error(checked);
    const [a, b, c] = [checked.flags.a!, checked.flags.b!, checked.flags.c!];
    expect(a.variants).toBe(b.variants);
    expect(a.rules![0]!.conditions).toBe(b.rules![0]!.conditions);
    expect(b.rules![0]!.id).toBe('s');
    expect(Object.keys(c)).toEqual([
      'key',
      'version',
      'type',
      'enabled',
      'variants',
      'offVariant',
      'salt',
      'prerequisites',
      'rules',
      'fallthrough',
    ]);
    expect(c.rules![1]).toBe('junk');
  });

  it('holds flag keys like __proto__ as ordinary own keys', () => {
    const doc = JSON.parse(`{"schemaVersion":1,"revision":1,"flags":{"__proto__":${JSON.stringify(booleanFlag('__proto__'))}}}`) as unknown;
    const checked = checkSnapshot(doc);
    if (typeof checked === 'string') throw new Error(checked);
    expect(Object.keys(checked.flags)).toEqual(['__proto__']);
    const { next, changed } = patchSnapshot(checked, { revision: 2, key: '__proto__', flag: null });
    expect(changed).toEqual(['__proto__']);
    expect(Object.keys(next.flags)).toEqual([]);
    expect(Object.keys(checked.flags)).toEqual(['__proto__']);
  });

  it.each([
    ['not an object', 'nope'],
    ['an array', []],
    ['a newer schema', { schemaVersion: 2, revision: 1, flags: {} }],
    ['no revision', { schemaVersion: 1, flags: {} }],
    ['a fractional revision', { schemaVersion: 1, revision: 1.5, flags: {} }],
    ['flags not an object', { schemaVersion: 1, revision: 1, flags: [] }],
    ['a flag that is not an object', { schemaVersion: 1, revision: 1, flags: { a: 1 } }],
    ['a flag without a version', { schemaVersion: 1, revision: 1, flags: { a: { key: 'a' } } }],
    ['segments not an object', { schemaVersion: 1, revision: 1, flags: {}, segments: 'x' }],
  ])('rejects %s', (_name, doc) => {
    expect(typeof checkSnapshot(doc)).toBe('string');
  });

  it('refuses, rather than throws on, a document nested deeper than the stack can walk', () => {
    const depth = 200_000;
    const doc = JSON.parse(
      JSON.stringify(snapshotOf(1, booleanFlag('a'))).replace('{"variant":"on"}', '['.repeat(depth) + ']'.repeat(depth)),
    ) as unknown;
    expect(checkSnapshot(doc)).toMatch(/^snapshot could not be read/);
  });

  it('keeps a flag whose rules are malformed: evaluation handles it per flag', () => {
    const doc = snapshotOf(1, booleanFlag('a', { rules: 'garbage' as never }));
    expect(JSON.parse(JSON.stringify(checkSnapshot(doc)))).toEqual(doc);
  });

  it('evaluates held flags exactly like the documents they came from, and reads them back as equivalent documents', () => {
    const doc = snapshotOf(
      1,
      booleanFlag('plain'),
      booleanFlag('off', { enabled: false }),
      booleanFlag('rollout', {
        salt: 'shared',
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 30 },
            { variant: 'off', weight: 70 },
          ],
          bucketBy: 'orgId',
        },
      }),
      booleanFlag('targeted', {
        prerequisites: [{ flag: 'plain', variant: 'on' }],
        rules: [
          {
            id: 'de',
            conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }],
            serve: {
              rollout: [
                { variant: 'on', weight: 1 },
                { variant: 'off', weight: 1 },
              ],
            },
          },
        ],
      }),
    );
    const checked = checkSnapshot(doc);
    if (typeof checked === 'string') throw new Error(checked);
    const again = checkSnapshot(JSON.parse(JSON.stringify(checked)));
    if (typeof again === 'string') throw new Error(again);
    for (const key of Object.keys(doc.flags)) {
      for (let i = 0; i < 50; i++) {
        const ctx = { userId: `u${i}`, orgId: i % 7 === 0 ? undefined : `o${i % 11}`, country: i % 2 === 0 ? 'DE' : 'FR' };
        const want = evaluate(doc, key, ctx, false);
        expect(evaluate(checked, key, ctx, false)).toStrictEqual(want);
        expect(evaluate(again, key, ctx, false)).toStrictEqual(want);
      }
    }
  });
});

describe('checkPatch', () => {
  it('accepts an upsert and a delete', () => {
    expect(typeof checkPatch({ revision: 2, key: 'a', flag: booleanFlag('a') })).toBe('object');
    expect(typeof checkPatch({ revision: 2, key: 'a', flag: null, unknown: 1 })).toBe('object');
  });

  it.each([
    ['no revision', { key: 'a', flag: null }],
    ['no key', { revision: 1, flag: null }],
    ['a missing flag field', { revision: 1, key: 'a' }],
    ['a flag without a version', { revision: 1, key: 'a', flag: { key: 'a' } }],
    ['bad segments', { revision: 1, key: 'a', flag: null, segments: [] }],
  ])('rejects %s', (_name, doc) => {
    expect(typeof checkPatch(doc)).toBe('string');
  });
});

describe('patchSnapshot', () => {
  it('upserts a newer version into a new snapshot, and ignores an equal or older one', () => {
    const s = snapshotOf(5, booleanFlag('a', { version: 3 }));
    const { ref, apply } = patcher(s);
    expect(apply({ revision: 6, key: 'a', flag: booleanFlag('a', { version: 3, enabled: false }) })).toEqual([]);
    expect(apply({ revision: 6, key: 'a', flag: booleanFlag('a', { version: 2, enabled: false }) })).toEqual([]);
    expect(apply({ revision: 7, key: 'a', flag: booleanFlag('a', { version: 4, enabled: false }) })).toEqual(['a']);
    expect(ref.s.flags.a!.enabled).toBe(false);
    expect(ref.s.revision).toBe(7);
    // The snapshot the patches started from is never mutated: others may hold it.
    expect(s.flags.a!.enabled).toBe(true);
    expect(s.revision).toBe(5);
  });

  it('ignores a patch older than the snapshot, and applies several patches of one revision', () => {
    const { ref, apply } = patcher(snapshotOf(5, booleanFlag('a'), booleanFlag('b')));
    expect(apply({ revision: 4, key: 'a', flag: booleanFlag('a', { version: 9 }) })).toEqual([]);
    expect(apply({ revision: 6, key: 'a', flag: booleanFlag('a', { version: 2 }) })).toEqual(['a']);
    expect(apply({ revision: 6, key: 'b', flag: null })).toEqual(['b']);
    expect(Object.keys(ref.s.flags)).toEqual(['a']);
  });

  it('adds a new flag whatever its version, and reports dependents through prerequisites', () => {
    const child = booleanFlag('child', { prerequisites: [{ flag: 'parent', variant: 'on' }] });
    const grandchild = booleanFlag('grandchild', { prerequisites: [{ flag: 'child', variant: 'on' }] });
    const { apply } = patcher(snapshotOf(1, child, grandchild));
    expect(apply({ revision: 2, key: 'parent', flag: booleanFlag('parent') }).sort()).toEqual(['child', 'grandchild', 'parent']);
  });

  it('finds dependents that earlier patches added, removed or gave prerequisites', () => {
    const { apply } = patcher(snapshotOf(1, booleanFlag('parent'), booleanFlag('plain')));
    // Nothing depends on anything yet (and that answer is carried to the next snapshots).
    expect(apply({ revision: 2, key: 'parent', flag: booleanFlag('parent', { version: 2 }) })).toEqual(['parent']);
    apply({ revision: 3, key: 'plain', flag: booleanFlag('plain', { version: 2, prerequisites: [{ flag: 'parent', variant: 'on' }] }) });
    expect(apply({ revision: 4, key: 'parent', flag: booleanFlag('parent', { version: 3 }) }).sort()).toEqual(['parent', 'plain']);
    apply({ revision: 5, key: 'plain', flag: null });
    expect(apply({ revision: 6, key: 'parent', flag: booleanFlag('parent', { version: 4 }) })).toEqual(['parent']);
  });

  it('merges segments carried by a patch and reports flags that use them', () => {
    const user = booleanFlag('uses', {
      rules: [{ id: 'r', conditions: [{ attribute: '', operator: 'inSegment', values: ['beta'] }], serve: { variant: 'on' } }],
    });
    const { ref, apply } = patcher(snapshotOf(1, user, booleanFlag('other')));
    const changed = apply({ revision: 2, key: 'other', flag: null, segments: { beta: { key: 'beta', included: ['u1'], conditions: [] } } });
    expect(changed.sort()).toEqual(['other', 'uses']);
    expect(ref.s.segments!.beta!.included).toEqual(['u1']);
    // The same segment again changes nothing.
    expect(apply({ revision: 3, key: 'other', flag: null, segments: { beta: { key: 'beta', included: ['u1'], conditions: [] } } })).toEqual(
      [],
    );
  });
});

describe('diffSnapshots', () => {
  it('reports added, removed and re-versioned flags, and flags using a changed segment', () => {
    const seg = (included: string[]) => ({ beta: { key: 'beta', included, conditions: [] } });
    const uses = booleanFlag('uses', {
      rules: [{ id: 'r', conditions: [{ attribute: '', operator: 'inSegment', values: ['beta'] }], serve: { variant: 'on' } }],
    });
    const before = { ...snapshotOf(1, booleanFlag('same'), booleanFlag('gone'), booleanFlag('bumped'), uses), segments: seg(['a']) };
    const after = {
      ...snapshotOf(2, booleanFlag('same'), booleanFlag('bumped', { version: 2 }), booleanFlag('new'), uses),
      segments: seg(['a', 'b']),
    };
    expect(diffSnapshots(before, after).sort()).toEqual(['bumped', 'gone', 'new', 'uses']);
    expect(diffSnapshots(after, after)).toEqual([]);
  });
});
