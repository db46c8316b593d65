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
import type { EvaluationResult } from './result.js';
import type { EvaluationContext, Snapshot } from './snapshot.js';
import { OPERATORS } from './validate/index.js';

// The compact engine (`@switchboard/core/evaluator`, for browsers) interprets flag
// documents; the main entry's engine compiles them. They must agree on every input.
const compact = createCompact(extendedOperators);
const compactFast = createCompact(extendedOperators, { hash: murmur3 });
const compactBase = createCompact();
const compiledBase = createCompiled();

type Args = [Snapshot, string, EvaluationContext, unknown];

/**
 * Asserts that the compact engine's result agrees with the compiled engine's. Equal,
 * except in one way on malformed documents: when both return the caller's default with
 * reason ERROR, the error code may differ (PARSE_ERROR where the compiled engine says
 * GENERAL, say). The contract only promises "malformed → the caller's default, with a
 * reason and an error code". FLAG_NOT_FOUND and TYPE_MISMATCH are never relaxed, nor is
 * anything else: a variant, a reason, a rule id, ERROR on one side only.
 */
function expectAgreement(got: EvaluationResult<unknown>, want: EvaluationResult<unknown>, defaultValue: unknown, name?: string): void {
  const exact = ['FLAG_NOT_FOUND', 'TYPE_MISMATCH'];
  const relaxed =
    got.reason === 'ERROR' &&
    want.reason === 'ERROR' &&
    !exact.includes(got.errorCode!) &&
    !exact.includes(want.errorCode!) &&
    Object.is(got.value, defaultValue) &&
    Object.keys(got).sort().join() === 'errorCode,reason,value';
  if (relaxed) expect(want, name).toEqual({ value: defaultValue, reason: 'ERROR', errorCode: want.errorCode });
  else expect(got, name).toEqual(want);
}

/** Every spec case as evaluate's arguments. */
function specArgs(): { name: string; args: Args }[] {
  return [
    ...bucketing.cases.map((c) => ({
      name: `bucketing ${c.salt}/${c.value}`,
      args: [bucketingSnapshot(c) as Snapshot, 'f', { userId: String(c.value) }, ''] as Args,
    })),
    ...operators.cases.map((c) => ({
      name: c.name,
      args: [operatorSnapshot(c) as Snapshot, 'f', c.context as EvaluationContext, false] as Args,
    })),
    ...evaluation.cases.map((c) => ({
      name: c.name,
      args: [c.snapshot as unknown as Snapshot, c.flag, c.context as EvaluationContext, c.default] as Args,
    })),
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
          booleanFlag(`f${i}`, {
            fallthrough: { variant: 'on' },
            prerequisites: i < n ? [{ flag: `f${i + 1}`, variant: 'on' }] : undefined,
          }),
        ),
      );
    for (const n of [MAX_PREREQUISITE_DEPTH, MAX_PREREQUISITE_DEPTH + 1]) {
      const s = chain(n);
      expect(compact(s, 'f0', {}, false)).toEqual(evaluate(s, 'f0', {}, false));
    }
    expect(compact(chain(MAX_PREREQUISITE_DEPTH + 1), 'f0', {}, false)).toEqual({
      value: false,
      reason: 'ERROR',
      errorCode: 'PARSE_ERROR',
    });
    expect(compact(chain(MAX_PREREQUISITE_DEPTH), 'f0', {}, false)).toEqual({ value: true, variant: 'on', reason: 'DEFAULT' });
  });

  it('returns the default with PARSE_ERROR instead of throwing on hostile input (the compiled engine says GENERAL)', () => {
    const flag = booleanFlag('f');
    Object.defineProperty(flag, 'enabled', {
      get: () => {
        throw new Error('hostile');
      },
    });
    expect(compact(snapshotOf(flag), 'f', {}, false)).toEqual({ value: false, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(evaluate(snapshotOf(flag), 'f', {}, false)).toEqual({ value: false, reason: 'ERROR', errorCode: 'GENERAL' });
  });

  it('agrees on edges by name: JS-only inputs, odd operators, Unicode case folding', () => {
    const on = (conditions: unknown[], context: EvaluationContext, segments: unknown = {}): Args => [
      {
        ...snapshotOf(booleanFlag('f', { rules: [{ id: 'r', conditions: conditions as never, serve: { variant: 'on' } }] })),
        segments: segments as never,
      },
      'f',
      context,
      false,
    ];
    // A two-element list whose first element is a hole.
    const hole = (second: unknown): unknown[] => Object.assign(new Array<unknown>(2), { 1: second });
    const cases: [string, Args][] = [
      // A hole in an attribute list is an undefined value: invalid for `neq`, so false
      // even though no element equals 0.
      ['sparse attribute', on([{ attribute: 'tags', operator: 'neq', values: [0] }], { tags: hole('a') })],
      ['sparse values', on([{ attribute: 'tags', operator: 'notIn', values: hole('b') }], { tags: 'a' })],
      ['sparse conditions', on(hole({ attribute: 'a', operator: 'exists', values: [] }), { a: 1 })],
      [
        'sparse segment keys',
        on(
          [{ attribute: 'a', operator: 'inSegment', values: hole('s') }],
          { userId: 'u' },
          { s: { key: 's', conditions: [], included: ['u'] } },
        ),
      ],
      // An operator that isn't a string: the ordering table converts it to its key (and
      // then compares numbers), the other operators don't.
      ['operator ["lt"]', on([{ attribute: 'n', operator: ['lt'], values: [2] }], { n: 1 })],
      ['operator ["before"]', on([{ attribute: 'n', operator: ['before'], values: [2] }], { n: 1 })],
      ['operator ["in"]', on([{ attribute: 'n', operator: ['in'], values: [1], negate: true }], { n: 1 })],
      ['operator constructor', on([{ attribute: 'n', operator: 'constructor', values: [1], negate: true }], { n: 1 })],
      ['unknown operator, no values', on([{ attribute: 'n', operator: 'bogus', values: [], negate: true }], { n: 1 })],
      // Lowercasing "İ" gives two code units: not equal, even case-insensitively.
      ['İ vs i̇', on([{ attribute: 'a', operator: 'eq', values: ['i̇'], caseInsensitive: true }], { a: 'İ' })],
      ['İ contains i̇', on([{ attribute: 'a', operator: 'contains', values: ['i̇'], caseInsensitive: true }], { a: 'xİ' })],
      ['Infinity', on([{ attribute: 'n', operator: 'gt', values: [1], negate: true }], { n: Infinity })],
      ['-0 lte 0', on([{ attribute: 'n', operator: 'lte', values: [0] }], { n: -0 })],
      ['bigint', on([{ attribute: 'n', operator: 'eq', values: [1], negate: true }], { n: 1n })],
      ['function context', on([{ attribute: 'length', operator: 'exists', values: [] }], (() => 0) as unknown as EvaluationContext)],
      ['string context', on([{ attribute: 'length', operator: 'exists', values: [] }], 'abc' as unknown as EvaluationContext)],
      ['segments a string', on([{ attribute: 'a', operator: 'inSegment', values: ['length', '0'], negate: true }], {}, 'ab')],
      ['segments empty string', on([{ attribute: 'a', operator: 'inSegment', values: ['length'], negate: true }], {}, '')],
      // An own property holding undefined, where only JS can put one.
      ['flag undefined', [{ ...snapshotOf(), flags: { f: undefined } } as never, 'f', {}, false]],
      [
        'prerequisite undefined',
        [
          {
            ...snapshotOf(booleanFlag('f', { prerequisites: [{ flag: 'g', variant: 'on' }] })),
            flags: { f: booleanFlag('f', { prerequisites: [{ flag: 'g', variant: 'on' }] }), g: undefined },
          } as never,
          'f',
          {},
          false,
        ],
      ],
      // A prerequisite without a flag name looks up "undefined", as the compiled engine does.
      [
        'prerequisite without flag',
        [
          snapshotOf(
            booleanFlag('f', { prerequisites: [{ variant: 'on' } as never] }),
            booleanFlag('undefined', { fallthrough: { variant: 'on' } }),
          ),
          'f',
          {},
          false,
        ],
      ],
      ['prerequisite 5', [snapshotOf(booleanFlag('f', { prerequisites: [5 as never] }), { key: 'undefined' } as never), 'f', {}, false]],
      [
        'weights past 2^32',
        [
          snapshotOf(
            booleanFlag('f', {
              fallthrough: {
                rollout: [
                  { variant: 'on', weight: 2 ** 32 - 1 },
                  { variant: 'off', weight: 6 },
                ],
              },
            }),
          ),
          'f',
          { userId: 'u' },
          false,
        ],
      ],
      [
        'weight -0',
        [
          snapshotOf(
            booleanFlag('f', {
              fallthrough: {
                rollout: [
                  { variant: 'on', weight: -0 },
                  { variant: 'off', weight: 6 },
                ],
              },
            }),
          ),
          'f',
          { userId: 'u' },
          false,
        ],
      ],
      [
        'total 2^31 − 1',
        [
          snapshotOf(
            booleanFlag('f', {
              fallthrough: {
                rollout: [
                  { variant: 'on', weight: 2 ** 31 - 2 },
                  { variant: 'off', weight: 1 },
                ],
              },
            }),
          ),
          'f',
          { userId: 'u' },
          false,
        ],
      ],
      [
        'total 2^31',
        [
          snapshotOf(
            booleanFlag('f', {
              fallthrough: {
                rollout: [
                  { variant: 'on', weight: 2 ** 31 - 1 },
                  { variant: 'off', weight: 1 },
                ],
              },
            }),
          ),
          'f',
          { userId: 'u' },
          false,
        ],
      ],
      ['flag type ["json"]', [snapshotOf({ ...booleanFlag('f'), type: ['json'] as never, variants: { on: {}, off: {} } }), 'f', {}, {}]],
    ];
    for (const [name, args] of cases) {
      expectAgreement(compact(...args), evaluate(...args), args[3], name);
      expectAgreement(compactBase(...args), compiledBase(...args), args[3], name);
    }
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
    operator: maybe(fc.constantFrom<string>(...OPERATORS, 'constructor', 'bogus')),
    values: maybe(
      fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constantFrom('DE', '1.2.3', '2024-01-01', '^a', 'seg', 'other')), {
        maxLength: 4,
      }),
    ),
    negate: maybe(fc.boolean()),
    caseInsensitive: maybe(fc.boolean()),
  },
  { requiredKeys: ['attribute', 'operator', 'values'] },
);
const variantName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('on', 'off', 'x') },
  { weight: 1, arbitrary: fc.constantFrom('missing', 'toString', '__proto__') },
);
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
        variants: maybe(
          fc.dictionary(
            fc.constantFrom('on', 'off', 'x'),
            fc.oneof({ weight: 6, arbitrary: valueOf(type) }, { weight: 1, arbitrary: anyJson }),
          ),
        ),
        offVariant: maybe(variantName),
        salt: maybe(fc.string()),
        prerequisites: maybe(
          fc.array(maybe(fc.record({ flag: maybe(fc.constantFrom('a', 'b', 'c', 'nope', 'toString')), variant: maybe(variantName) })), {
            maxLength: 2,
          }),
        ),
        rules: maybe(
          fc.array(
            maybe(
              fc.record(
                { id: maybe(fc.string()), conditions: maybe(fc.array(condition, { maxLength: 2 })), serve },
                { requiredKeys: ['conditions', 'serve'] },
              ),
            ),
            {
              maxLength: 3,
            },
          ),
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
      fc.property(
        fc.oneof({ weight: 1, arbitrary: anyJson }, { weight: 9, arbitrary: snapshotArb }),
        keyArb,
        contextArb,
        defaultArb,
        (snap, key, ctx, def) => {
          // The generated default, and one of each flag type so evaluation gets past the type check.
          const before = JSON.stringify([snap, ctx]);
          for (const d of [def, false, '', 0, {}]) {
            const args = [snap as unknown as Snapshot, key, ctx as EvaluationContext, d] as const;
            let got: EvaluationResult<unknown> | undefined;
            expect(() => (got = compact(...args))).not.toThrow();
            expectAgreement(got!, evaluate(...args), d);
            expectAgreement(compactBase(...args), compiledBase(...args), d);
          }
          // Evaluation reads its inputs and never changes them.
          expect(JSON.stringify([snap, ctx])).toBe(before);
        },
      ),
      { numRuns: 6_000 },
    );
  });

  it('agrees with evaluate on flags held compiled', () => {
    fc.assert(
      fc.property(snapshotArb, keyArb, contextArb, defaultArb, (snap, key, ctx, def) => {
        const s = snap as unknown as Snapshot;
        if (typeof s.flags !== 'object' || s.flags === null || Array.isArray(s.flags)) return;
        const h = held(s);
        expectAgreement(compact(h, key, ctx as EvaluationContext, def), evaluate(s, key, ctx as EvaluationContext, def), def);
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
      [
        'DEFAULT',
        'DISABLED',
        'FLAG_NOT_FOUND',
        'PARSE_ERROR',
        'PREREQUISITE_FAILED',
        'SPLIT',
        'STATIC',
        'TARGETING_MATCH',
        'TYPE_MISMATCH',
      ].sort(),
    );
  });
});
