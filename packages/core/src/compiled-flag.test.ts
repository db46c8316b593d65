import { describe, expect, it } from 'vitest';
import bucketing from '@switchboard/spec/bucketing.json' with { type: 'json' };
import operators from '@switchboard/spec/operators.json' with { type: 'json' };
import evaluation from '@switchboard/spec/evaluation.json' with { type: 'json' };
import { bucketingSnapshot, operatorSnapshot } from '@switchboard/spec/harness';
import { compileFlag, compileFlags } from './compiled-flag.js';
import { evaluate } from './evaluate.js';
import { booleanFlag, percentRollout, snapshotOf } from './test-fixtures.js';
import type { EvaluationContext, Flag, Snapshot } from './snapshot.js';

/** The snapshot with its flags compiled, and that read back through JSON and compiled again. */
function compiledForms(snapshot: Snapshot): Snapshot[] {
  const once = { ...snapshot, flags: compileFlags(snapshot.flags) };
  const copy = JSON.parse(JSON.stringify(once)) as Snapshot;
  return [once, { ...copy, flags: compileFlags(copy.flags) }];
}

describe('compileFlag: compiled flags evaluate exactly like their documents', () => {
  it('on every evaluation spec case, compiled and read back through JSON', () => {
    for (const c of evaluation.cases) {
      const snapshot = c.snapshot as unknown as Snapshot;
      const want = evaluate(snapshot, c.flag, c.context as EvaluationContext, c.default);
      for (const s of compiledForms(snapshot)) {
        expect(evaluate(s, c.flag, c.context as EvaluationContext, c.default), c.name).toStrictEqual(want);
      }
    }
  });

  it('on every operator and bucketing spec case', () => {
    for (const c of operators.cases) {
      const snapshot = operatorSnapshot(c) as Snapshot;
      for (const s of compiledForms(snapshot))
        expect(evaluate(s, 'f', c.context as EvaluationContext, false).value, c.name).toBe(c.expected);
    }
    for (const c of bucketing.cases) {
      for (const s of compiledForms(bucketingSnapshot(c) as Snapshot))
        expect(evaluate(s, 'f', { userId: c.value as string }, '').variant).toBe(c.variant);
    }
  });

  it('compiles well-formed flags and returns malformed ones as they are', () => {
    const good = booleanFlag('good', {
      salt: 's',
      prerequisites: [{ flag: 'x', variant: 'on' }],
      rules: [{ id: 'r', conditions: [], serve: percentRollout(20, 'orgId') }],
    });
    expect(compileFlag(good)).not.toBe(good);
    const bad: Flag[] = [
      booleanFlag('a', { offVariant: 'missing' }),
      booleanFlag('b', { rules: [{ id: 'r', conditions: [], serve: { variant: 'nope' } }] }),
      booleanFlag('c', { fallthrough: { rollout: [] } }),
      booleanFlag('d', { rules: 'junk' as never }),
      booleanFlag('e', { variants: { on: 'yes', off: false } as never, fallthrough: { variant: 'on' } }),
      booleanFlag('f', { enabled: 'yes' as never }),
    ];
    for (const flag of bad) expect(compileFlag(flag)).toBe(flag);
    expect(compileFlag(null as never)).toBe(null);
  });

  it('reads back as the document: fields, and JSON with a salt equal to the key and empty lists left out', () => {
    const flag = booleanFlag('f', {
      salt: 'f',
      prerequisites: [],
      rules: [{ id: 'r', conditions: [{ attribute: 'a', operator: 'eq', values: [1] }], serve: percentRollout(10) }],
      clientSide: true,
    });
    const compiled = compileFlag(flag);
    expect(JSON.parse(JSON.stringify(compiled))).toEqual({
      key: 'f',
      version: 1,
      type: 'boolean',
      enabled: true,
      variants: { on: true, off: false },
      offVariant: 'off',
      rules: [{ id: 'r', conditions: flag.rules![0]!.conditions, serve: { ...percentRollout(10), bucketBy: 'userId' } }],
      fallthrough: { variant: 'off' },
    });
    expect([compiled.type, compiled.offVariant, compiled.prerequisites, compiled.clientSide]).toEqual(['boolean', 'off', [], undefined]);
    expect(compileFlag(compiled)).toBe(compiled);
  });

  it("shares equal parts, frozen, without freezing or keeping the caller's objects", () => {
    const a = booleanFlag('a', { fallthrough: percentRollout(25) });
    const b = booleanFlag('b', { fallthrough: percentRollout(25) });
    const flags = compileFlags({ a, b });
    expect(flags.a!.variants).toBe(flags.b!.variants);
    expect(flags.a!.variants).not.toBe(a.variants);
    expect(Object.isFrozen(flags.a!.variants)).toBe(true);
    expect(Object.isFrozen(a.variants)).toBe(false);
    const snapshot = snapshotOf(flags.a!, flags.b!);
    const user = { userId: 'u-1' };
    // Same salt-free serve, different salts: each flag still buckets by its own key.
    expect(evaluate(snapshot, 'a', user, false)).toStrictEqual(evaluate(snapshotOf(a), 'a', user, false));
    expect(evaluate(snapshot, 'b', user, false)).toStrictEqual(evaluate(snapshotOf(b), 'b', user, false));
  });

  it('shares results carrying a rule id within one snapshot only (rule ids are often unique)', () => {
    const rule = {
      id: 'staff',
      conditions: [{ attribute: 'email', operator: 'endsWith' as const, values: ['@acme.com'] }],
      serve: { variant: 'on' },
    };
    const one = snapshotOf(
      ...Object.values(compileFlags({ a: booleanFlag('a', { rules: [rule] }), b: booleanFlag('b', { rules: [rule] }) })),
    );
    const other = snapshotOf(...Object.values(compileFlags({ c: booleanFlag('c', { rules: [rule] }) })));
    const staff = { email: 'ann@acme.com' };
    expect(evaluate(one, 'a', staff, false)).toBe(evaluate(one, 'b', staff, false));
    expect(evaluate(one, 'a', staff, false)).not.toBe(evaluate(other, 'c', staff, false));
    expect(evaluate(one, 'a', {}, true)).toBe(evaluate(other, 'c', {}, true)); // no rule id: process-wide
  });

  it('never shares a result whose value JSON would write differently (-0)', () => {
    const zero: Flag = {
      key: 'z',
      version: 1,
      type: 'number',
      enabled: true,
      variants: { a: 0, b: -0 },
      offVariant: 'a',
      fallthrough: { variant: 'b' },
    };
    const other: Flag = { ...zero, key: 'y', fallthrough: { variant: 'a' } };
    const flags = compileFlags({ y: other, z: zero });
    const s = snapshotOf(flags.y!, flags.z!);
    expect(Object.is(evaluate(s, 'z', {}, 1).value, -0)).toBe(true);
    expect(Object.is(evaluate(s, 'y', {}, 1).value, 0)).toBe(true);
  });
});
