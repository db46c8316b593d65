import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import evaluation from '@switchboard/spec/evaluation.json' with { type: 'json' };
import { evaluate } from './evaluate.js';
import { explain, type FlagExplanation } from './explain.js';
import { booleanFlag, percentRollout, snapshotOf } from './test-fixtures.js';
import type { EvaluationContext, Flag, Segment, Snapshot } from './snapshot.js';

const staffRule = {
  id: 'staff',
  conditions: [
    { attribute: 'email', operator: 'endsWith' as const, values: ['@acme.com'] },
    { attribute: 'country', operator: 'in' as const, values: ['DE', 'FR'] },
  ],
  serve: { variant: 'on' },
};

/** The reason the trace's walk implies, to hold it to the engine's result. */
function impliedReason(e: FlagExplanation): string {
  if (!e.found) return 'ERROR';
  if (!e.enabled) return 'DISABLED';
  if (e.prerequisites.some((p) => !p.met)) return 'PREREQUISITE_FAILED';
  const matched = e.rules.find((r) => r.matched);
  const split = e.serve?.bucket !== undefined;
  const unbucketed = e.serve?.bucketBy !== undefined && !split;
  if (matched) return unbucketed ? 'DEFAULT' : split ? 'SPLIT' : 'TARGETING_MATCH';
  if (split) return 'SPLIT';
  return e.rules.length || e.prerequisites.length || unbucketed ? 'DEFAULT' : 'STATIC';
}

describe('explain', () => {
  it('reports the kill switch and traces nothing else when the flag is disabled', () => {
    const snap = snapshotOf(booleanFlag('f', { enabled: false, rules: [staffRule] }));
    const e = explain(snap, 'f', { email: 'a@acme.com' });
    expect(e).toEqual({
      flag: 'f',
      result: { value: false, variant: 'off', reason: 'DISABLED' },
      found: true,
      enabled: false,
      prerequisites: [],
      rules: [],
      serve: { from: 'off' },
    });
  });

  it("gives every condition's outcome in order, with the context's value, and stops at the rule that matches", () => {
    const other = { id: 'others', conditions: [{ attribute: 'plan', operator: 'exists' as const, values: [] }], serve: { variant: 'off' } };
    const snap = snapshotOf(booleanFlag('f', { rules: [staffRule, other, { ...other, id: 'never-reached' }] }));
    const e = explain(snap, 'f', { email: 'a@acme.com', country: 'US', plan: 'pro' });
    expect(e.result).toEqual(evaluate(snap, 'f', { email: 'a@acme.com', country: 'US', plan: 'pro' }, false));
    expect(e.rules.map((r) => [r.id, r.matched, r.conditions.map((c) => [c.attribute, c.actual, c.outcome])])).toEqual([
      [
        'staff',
        false,
        [
          ['email', 'a@acme.com', 'match'],
          ['country', 'US', 'noMatch'],
        ],
      ],
      ['others', true, [['plan', 'pro', 'match']]],
    ]);
    expect(e.serve).toEqual({ from: 'rule', ruleId: 'others' });
    expect(e.result.ruleId).toBe('others');
  });

  it('leaves out the value of a missing attribute and reports the condition unmatched', () => {
    const snap = snapshotOf(booleanFlag('f', { rules: [staffRule] }));
    const e = explain(snap, 'f', { country: 'DE' });
    expect(e.rules[0]!.conditions[0]).toEqual({ attribute: 'email', operator: 'endsWith', values: ['@acme.com'], outcome: 'noMatch' });
    expect(e.result.reason).toBe('DEFAULT');
  });

  it('reports a bad value as invalid, and negation keeps it invalid', () => {
    const rule = {
      id: 'v',
      conditions: [{ attribute: 'age', operator: 'lt' as const, values: [30], negate: true }],
      serve: { variant: 'on' },
    };
    const e = explain(snapshotOf(booleanFlag('f', { rules: [rule] })), 'f', { age: 'old' });
    expect(e.rules[0]!.conditions[0]).toMatchObject({ actual: 'old', negate: true, outcome: 'invalid' });
    expect(e.rules[0]!.matched).toBe(false);
  });

  it('gives each segment its own outcome and what decided it', () => {
    const snap: Snapshot = {
      ...snapshotOf(
        booleanFlag('f', {
          rules: [
            {
              id: 'beta',
              conditions: [{ attribute: '', operator: 'inSegment', values: ['blocked', 'testers', 'gone'] }],
              serve: { variant: 'on' },
            },
          ],
        }),
      ),
      segments: {
        blocked: { key: 'blocked', excluded: ['u1'], conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }] },
        testers: { key: 'testers', conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }] },
      },
    };
    const e = explain(snap, 'f', { userId: 'u1', country: 'DE' });
    expect(e.rules[0]!.conditions[0]!.segments).toEqual([
      { key: 'blocked', outcome: 'noMatch', decidedBy: 'excluded', conditions: [] },
      {
        key: 'testers',
        outcome: 'match',
        decidedBy: 'conditions',
        conditions: [{ attribute: 'country', operator: 'in', values: ['DE'], actual: 'DE', outcome: 'match' }],
      },
      { key: 'gone', outcome: 'noMatch', decidedBy: 'missing', conditions: [] },
    ]);
    expect(e.result).toMatchObject({ reason: 'TARGETING_MATCH', ruleId: 'beta' });
  });

  it('explains prerequisites recursively and stops at the first unmet one', () => {
    const snap = snapshotOf(
      booleanFlag('parent', { rules: [staffRule] }),
      booleanFlag('other', { fallthrough: { variant: 'on' } }),
      booleanFlag('child', {
        prerequisites: [
          { flag: 'other', variant: 'on' },
          { flag: 'parent', variant: 'on' },
          { flag: 'missing', variant: 'on' },
        ],
        fallthrough: { variant: 'on' },
      }),
    );
    const e = explain(snap, 'child', { email: 'a@acme.com', country: 'US' });
    expect(e.result).toEqual({ value: false, variant: 'off', reason: 'PREREQUISITE_FAILED' });
    expect(e.prerequisites.map((p) => [p.flag, p.met, p.explanation?.result.reason])).toEqual([
      ['other', true, 'STATIC'],
      ['parent', false, 'DEFAULT'],
    ]);
    expect(e.prerequisites[1]!.explanation!.rules[0]!.conditions.map((c) => c.outcome)).toEqual(['match', 'noMatch']);
    expect(e.serve).toEqual({ from: 'off' });
  });

  it('gives a rollout its bucketing attribute and bucket, and no bucket when the attribute is missing', () => {
    const snap = snapshotOf(booleanFlag('f', { fallthrough: percentRollout(50, 'accountId') }));
    const e = explain(snap, 'f', { accountId: 'acct-7' });
    expect(e.serve).toMatchObject({ from: 'fallthrough', bucketBy: 'accountId', total: 100_000 });
    expect(e.serve!.bucket).toBeGreaterThanOrEqual(0);
    expect(e.serve!.bucket! < 50_000 ? 'on' : 'off').toBe(e.result.variant);
    const missing = explain(snap, 'f', { userId: 'u1' });
    expect(missing.serve).toEqual({ from: 'fallthrough', bucketBy: 'accountId' });
    expect(missing.result).toEqual({ value: false, variant: 'off', reason: 'DEFAULT' });
  });

  it('reports an unknown flag as not found', () => {
    const e = explain(snapshotOf(), 'nope', {});
    expect(e).toMatchObject({ found: false, result: { reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' }, rules: [] });
  });

  it('on every spec case, gives the engine its result and a walk that implies the same reason', () => {
    const mismatches: string[] = [];
    for (const c of evaluation.cases) {
      const snapshot = c.snapshot as unknown as Snapshot;
      const context = c.context as EvaluationContext;
      const e = explain(snapshot, c.flag, context);
      const flag = snapshot.flags[c.flag];
      const plain = evaluate(snapshot, c.flag, context, e.result.value);
      if (JSON.stringify(plain) !== JSON.stringify(e.result)) mismatches.push(`${c.name}: result ${JSON.stringify(e.result)}`);
      // Malformed documents end in PARSE_ERROR whatever the walk saw; every other case must agree.
      if (e.result.reason !== 'ERROR' && flag && impliedReason(e) !== e.result.reason) {
        mismatches.push(`${c.name}: trace implies ${impliedReason(e)}, engine says ${e.result.reason}`);
      }
      const matched = e.rules.find((r) => r.matched);
      if (e.result.ruleId !== undefined && matched?.id !== e.result.ruleId) mismatches.push(`${c.name}: rule ${matched?.id}`);
    }
    expect(mismatches).toEqual([]);
    expect(evaluation.cases.length).toBeGreaterThan(20);
  });

  // Well-formed documents with random targeting: every result's reason and rule must be
  // what the walk implies, so a change to evaluation order shows up here too.
  const attribute = fc.constantFrom('userId', 'country', 'plan', 'age', 'accountId');
  const condition = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        attribute,
        operator: fc.constantFrom('in', 'notIn', 'eq', 'neq', 'startsWith', 'lt', 'gte', 'exists', 'semverGt', 'before'),
        values: fc.array(fc.oneof(fc.constantFrom('DE', 'FR', 'pro', 'u1', '1.2.3', '2024-01-01'), fc.integer({ min: 0, max: 40 })), {
          maxLength: 3,
        }),
        negate: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        attribute: fc.constant(''),
        operator: fc.constant('inSegment'),
        values: fc.array(fc.constantFrom('s1', 's2', 'gone'), { minLength: 1, maxLength: 2 }),
      }),
    },
  );
  const serve = fc.oneof(
    fc.record({ variant: fc.constantFrom('on', 'off') }),
    fc.record({
      rollout: fc.constant([
        { variant: 'on', weight: 30 },
        { variant: 'off', weight: 70 },
      ]),
      bucketBy: fc.constantFrom('userId', 'accountId'),
    }),
  );
  const flagArb = (key: string) =>
    fc
      .record({
        enabled: fc.boolean(),
        prerequisites: fc.array(fc.record({ flag: fc.constantFrom('a', 'b', 'missing'), variant: fc.constantFrom('on', 'off') }), {
          maxLength: 2,
        }),
        rules: fc.array(fc.record({ id: fc.constantFrom('r1', 'r2', 'r3'), conditions: fc.array(condition, { maxLength: 3 }), serve }), {
          maxLength: 3,
        }),
        fallthrough: serve,
      })
      .map((f) => booleanFlag(key, f as Partial<Flag>));
  const segmentArb = (key: string) =>
    fc
      .record({
        included: fc.array(fc.constantFrom('u1', 'u2'), { maxLength: 1 }),
        excluded: fc.array(fc.constantFrom('u1', 'u3'), { maxLength: 1 }),
        conditions: fc.array(condition, { maxLength: 2 }),
      })
      .map((s) => ({ key, ...s }) as Segment);
  const contextArb = fc.record(
    {
      userId: fc.constantFrom('u1', 'u2', 'u3'),
      country: fc.constantFrom('DE', 'US'),
      plan: fc.constantFrom('pro', 'free'),
      age: fc.integer({ min: 0, max: 40 }),
      accountId: fc.constantFrom('a1', 'a2'),
    },
    { requiredKeys: [] },
  );

  it('on random well-formed documents, implies the reason and rule the engine reports', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(flagArb('a'), flagArb('b'), flagArb('c'), segmentArb('s1'), segmentArb('s2'), contextArb, (a, b, c, s1, s2, context) => {
        // Prerequisites name only a and b, and neither a nor a b naming itself keeps any: no cycles.
        const snapshot: Snapshot = {
          ...snapshotOf({ ...a, prerequisites: [] }, b.prerequisites?.some((p) => p.flag === 'b') ? { ...b, prerequisites: [] } : b, c),
          segments: { s1, s2 },
        };
        for (const key of ['a', 'b', 'c']) {
          const e = explain(snapshot, key, context as EvaluationContext);
          expect(e.result).toEqual(evaluate(snapshot, key, context as EvaluationContext, false));
          expect(impliedReason(e)).toBe(e.result.reason);
          const matched = e.rules.find((r) => r.matched);
          if (e.result.ruleId !== undefined) expect(matched?.id).toBe(e.result.ruleId);
          // DEFAULT after a matched rule: its rollout's bucketing attribute was missing.
          if (matched && e.result.reason !== 'DEFAULT') expect(e.result.ruleId).toBe(matched.id);
          seen.add(e.result.reason);
        }
      }),
      { numRuns: 500 },
    );
    expect([...seen].sort()).toEqual(['DEFAULT', 'DISABLED', 'PREREQUISITE_FAILED', 'SPLIT', 'STATIC', 'TARGETING_MATCH']);
  });
});
