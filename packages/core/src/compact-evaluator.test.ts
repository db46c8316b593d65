import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import bucketing from '@switchboard/spec/bucketing.json' with { type: 'json' };
import operators from '@switchboard/spec/operators.json' with { type: 'json' };
import evaluation from '@switchboard/spec/evaluation.json' with { type: 'json' };
import { bucketingSnapshot, operatorSnapshot } from '@switchboard/spec/harness';
import { createEvaluator as createCompact, MAX_PREREQUISITE_DEPTH } from './evaluator.js';
import { createEvaluator as createCompiled, evaluate } from './evaluate.js';
import { compileFlags } from './compiled-flag.js';
import { murmur3 } from './murmur3.js';
import { extendedOperators } from './operators.js';
import { booleanFlag, snapshotOf } from './test-fixtures.js';
import type { EvaluationContext, Snapshot } from './snapshot.js';

// The compact engine (`@switchboard/core/evaluator`, for browsers) interprets flag
// documents; the main entry's engine compiles them. They must agree on every input.
const compact = createCompact(extendedOperators);
const compactFast = createCompact(extendedOperators, { hash: murmur3 });
const compactBase = createCompact();
const compiledBase = createCompiled();

type Args = [Snapshot, string, EvaluationContext, unknown];

/** Every spec case as evaluate's arguments. */
function specArgs(): { name: string; args: Args }[] {
  return [
    ...bucketing.cases.map((c) => ({ name: `bucketing ${c.salt}/${c.value}`, args: [bucketingSnapshot(c) as Snapshot, 'f', { userId: String(c.value) }, ''] as Args })),
    ...operators.cases.map((c) => ({ name: c.name, args: [operatorSnapshot(c) as Snapshot, 'f', c.context as EvaluationContext, false] as Args })),
    ...evaluation.cases.map((c) => ({ name: c.name, args: [c.snapshot as unknown as Snapshot, c.flag, c.context as EvaluationContext, c.default] as Args })),
  ];
}

/** The snapshot with its flags held compiled, as the Node SDK holds them. */
const held = (s: Snapshot): Snapshot => ({ ...s, flags: compileFlags(s.flags) });

describe('the compact evaluator agrees with evaluate', () => {
  const cases = specArgs();

  it(`on all ${cases.length} spec cases (bucketing, operators, evaluation), with the extended operators`, () => {
    for (const { name, args } of cases) {
      const want = evaluate(...args);
      expect(compact(...args), name).toEqual(want);
      expect(compactFast(...args), name).toEqual(want);
    }
  });

  it('on every spec case without the extended operators', () => {
    for (const { name, args } of cases) expect(compactBase(...args), name).toEqual(compiledBase(...args));
  });

  it('on every spec case with the flags held compiled (compileFlags), which read as their documents', () => {
    for (const { name, args } of cases) {
      const [s, ...rest] = args;
      expect(compact(held(s), ...rest), name).toEqual(evaluate(s, ...rest));
    }
  });

  it('reports a prerequisite chain past MAX_PREREQUISITE_DEPTH as PARSE_ERROR, and one at the limit normally', () => {
    const chain = (n: number): Snapshot =>
      snapshotOf(
        ...Array.from({ length: n + 1 }, (_, i) =>
          booleanFlag(`f${i}`, { fallthrough: { variant: 'on' }, prerequisites: i < n ? [{ flag: `f${i + 1}`, variant: 'on' }] : undefined }),
        ),
      );
    for (const n of [MAX_PREREQUISITE_DEPTH, MAX_PREREQUISITE_DEPTH + 1]) {
      const s = chain(n);
      expect(compact(s, 'f0', {}, false)).toEqual(evaluate(s, 'f0', {}, false));
    }
    expect(compact(chain(MAX_PREREQUISITE_DEPTH + 1), 'f0', {}, false)).toEqual({ value: false, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(compact(chain(MAX_PREREQUISITE_DEPTH), 'f0', {}, false)).toEqual({ value: true, variant: 'on', reason: 'DEFAULT' });
  });

  it('returns GENERAL instead of throwing on hostile input', () => {
    const flag = booleanFlag('f');
    Object.defineProperty(flag, 'enabled', { get: () => { throw new Error('hostile'); } });
    expect(compact(snapshotOf(flag), 'f', {}, false)).toEqual({ value: false, reason: 'ERROR', errorCode: 'GENERAL' });
  });
});

// Flags that are plausible enough to get deep into evaluation, with any part possibly
// replaced by garbage: wrong types, missing fields, bad weights, unknown variants,
// prerequisites among the three flags (cycles included) or on missing ones.
const anyJson = fc.jsonValue({ maxDepth: 3 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: anyJson });
const attribute = fc.constantFrom('userId', 'country', 'plan', 'version', 'age', 'when', 'tags', 'toString', '__proto__');
const condition = fc.record(
  {
    attribute: maybe(attribute),
    operator: maybe(
      fc.constantFrom('in', 'notIn', 'eq', 'neq', 'contains', 'startsWith', 'endsWith', 'matches', 'lt', 'lte', 'gt', 'gte', 'before', 'after', 'semverEq', 'semverLt', 'semverGt', 'exists', 'inSegment', 'constructor', 'bogus'),
    ),
    values: maybe(fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constantFrom('DE', '1.2.3', '2024-01-01', '^a', 'seg', 'other')), { maxLength: 4 })),
    negate: maybe(fc.boolean()),
    caseInsensitive: maybe(fc.boolean()),
  },
  { requiredKeys: ['attribute', 'operator', 'values'] },
);
const variantName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('on', 'off', 'x') }, { weight: 1, arbitrary: fc.constantFrom('missing', 'toString', '__proto__') });
const weight = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 100_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 53, Number.NaN, '50', null) },
);
const serve = maybe(
  fc.oneof(
    fc.record({ variant: maybe(variantName) }),
    fc.record(
      {
        rollout: maybe(fc.array(maybe(fc.record({ variant: maybe(variantName), weight }, { requiredKeys: ['weight'] })), { maxLength: 4 })),
        bucketBy: maybe(attribute),
      },
      { requiredKeys: ['rollout'] },
    ),
  ),
);
// Values of the flag's type, mostly, so that flags can serve; anything now and then.
const valueOf = (type: unknown): fc.Arbitrary<unknown> =>
  type === 'boolean' ? fc.boolean() : type === 'string' ? fc.string() : type === 'number' ? fc.oneof(fc.integer(), fc.double()) : anyJson;
const flagArb = (key: string) =>
  maybe(fc.constantFrom('boolean', 'string', 'number', 'json')).chain((type) =>
    fc.record(
      {
        key: maybe(fc.constant(key)),
        version: maybe(fc.nat()),
        type: fc.constant(type),
        enabled: maybe(fc.boolean()),
        variants: maybe(fc.dictionary(fc.constantFrom('on', 'off', 'x'), fc.oneof({ weight: 6, arbitrary: valueOf(type) }, { weight: 1, arbitrary: anyJson }))),
        offVariant: maybe(variantName),
        salt: maybe(fc.string()),
        prerequisites: maybe(
          fc.array(maybe(fc.record({ flag: maybe(fc.constantFrom('a', 'b', 'c', 'nope', 'toString')), variant: maybe(variantName) })), { maxLength: 2 }),
        ),
        rules: maybe(
          fc.array(maybe(fc.record({ id: maybe(fc.string()), conditions: maybe(fc.array(condition, { maxLength: 2 })), serve }, { requiredKeys: ['conditions', 'serve'] })), {
            maxLength: 3,
          }),
        ),
        fallthrough: serve,
      },
      { requiredKeys: ['type', 'enabled'] },
    ),
  );
const segment = fc.record({
  key: fc.constant('seg'),
  included: maybe(fc.array(fc.constantFrom('u1', 'u2', ''))),
  excluded: maybe(fc.array(fc.constantFrom('u1', 'u3'))),
  conditions: maybe(fc.array(condition, { maxLength: 2 })),
});
const snapshotArb = fc.record({
  schemaVersion: fc.constant(1),
  environment: fc.constant('test'),
  revision: fc.nat(),
  flags: maybe(fc.record({ a: maybe(flagArb('a')), b: maybe(flagArb('b')), c: maybe(flagArb('c')) }, { requiredKeys: [] })),
  segments: maybe(fc.record({ seg: maybe(segment), other: maybe(segment) }, { requiredKeys: [] })),
});
const contextArb = fc.oneof(
  { weight: 1, arbitrary: anyJson },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        userId: maybe(fc.oneof(fc.constantFrom('u1', 'u2', 'u3', ''), fc.string(), fc.integer())),
        country: maybe(fc.constantFrom('DE', 'de', 'FR', 'US')),
        plan: maybe(fc.constantFrom('free', 'pro')),
        version: maybe(fc.constantFrom('1.2.3', '2.0.0-beta.1', 'nope')),
        age: maybe(fc.oneof(fc.integer(), fc.double())),
        when: maybe(fc.oneof(fc.constant('2024-06-01T00:00:00Z'), fc.integer())),
        tags: maybe(fc.array(fc.constantFrom('a', 'b', 'DE'))),
      },
      { requiredKeys: ['userId'] },
    ),
  },
);
const defaultArb = fc.oneof(fc.constantFrom(true, 'd', 1.5, [], null, Number.NaN), anyJson);
const keyArb = fc.constantFrom('a', 'b', 'c', 'zzz', '__proto__', 'toString');

describe('the compact evaluator, on random flags valid and malformed', () => {
  it('agrees with evaluate, with and without the extended operators, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 1, arbitrary: anyJson }, { weight: 9, arbitrary: snapshotArb }), keyArb, contextArb, defaultArb, (snap, key, ctx, def) => {
        // The generated default, and one of each flag type so evaluation gets past the type check.
        for (const d of [def, false, '', 0, {}]) {
          const args = [snap as unknown as Snapshot, key, ctx as EvaluationContext, d] as const;
          let got;
          expect(() => (got = compact(...args))).not.toThrow();
          expect(got).toEqual(evaluate(...args));
          expect(compactBase(...args)).toEqual(compiledBase(...args));
          // JSON input is handled on purpose: the last-resort catch never fires.
          expect(got!.errorCode).not.toBe('GENERAL');
        }
      }),
      { numRuns: 6_000 },
    );
  });

  it('agrees with evaluate on flags held compiled', () => {
    fc.assert(
      fc.property(snapshotArb, keyArb, contextArb, defaultArb, (snap, key, ctx, def) => {
        const s = snap as unknown as Snapshot;
        if (typeof s.flags !== 'object' || s.flags === null || Array.isArray(s.flags)) return;
        const h = held(s);
        expect(compact(h, key, ctx as EvaluationContext, def)).toEqual(evaluate(s, key, ctx as EvaluationContext, def));
      }),
      { numRuns: 5_000 },
    );
  });

  it('reaches every outcome, so the agreement above means something', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(snapshotArb, keyArb, contextArb, (snap, key, ctx) => {
        for (const def of [false, '', 0, {}]) {
          const r = compact(snap as unknown as Snapshot, key, ctx as EvaluationContext, def);
          seen.add(r.errorCode ?? r.reason);
        }
      }),
      { numRuns: 5_000, seed: 42 },
    );
    expect([...seen].sort()).toEqual(
      ['DEFAULT', 'DISABLED', 'FLAG_NOT_FOUND', 'PARSE_ERROR', 'PREREQUISITE_FAILED', 'SPLIT', 'STATIC', 'TARGETING_MATCH', 'TYPE_MISMATCH'].sort(),
    );
  });
});

