import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluate } from './evaluate.js';
import { booleanFlag, percentRollout, snapshotOf } from './test-fixtures.js';
import type { Snapshot } from './snapshot.js';
import { OPERATORS } from './validate/index.js';

const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

function share(snapshot: Snapshot, key: string, subset = ids): Set<string> {
  const inside = new Set<string>();
  for (const id of subset) if (evaluate(snapshot, key, { userId: id }, false).value === true) inside.add(id);
  return inside;
}

// Structurally plausible flags with any field possibly replaced by arbitrary JSON, so
// the generator reaches deep into evaluation instead of failing at the first check.
const anyJson = fc.jsonValue({ maxDepth: 3 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyJson });
const condition = fc.record({
  attribute: maybe(fc.constantFrom('userId', 'country', 'plan', 'version', 'age', 'when', 'tags')),
  operator: maybe(fc.constantFrom<string>(...OPERATORS, 'bogus')),
  values: maybe(
    fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constantFrom('1.2.3', '2024-01-01', '(a+)+$', 'seg')), { maxLength: 4 }),
  ),
  negate: maybe(fc.boolean()),
  caseInsensitive: maybe(fc.boolean()),
});
const serveArb = maybe(
  fc.oneof(
    fc.record({ variant: maybe(fc.constantFrom('on', 'off', 'missing')) }),
    fc.record({
      rollout: maybe(
        fc.array(fc.record({ variant: maybe(fc.constantFrom('on', 'off')), weight: maybe(fc.integer({ min: -5, max: 100_000 })) }), {
          maxLength: 3,
        }),
      ),
      bucketBy: maybe(fc.constantFrom('userId', 'country', 'age')),
    }),
  ),
);
const flagArb = (key: string) =>
  fc.record({
    key: fc.constant(key),
    version: maybe(fc.nat()),
    type: maybe(fc.constantFrom('boolean', 'string', 'number', 'json')),
    enabled: maybe(fc.boolean()),
    variants: maybe(fc.dictionary(fc.constantFrom('on', 'off', 'x'), anyJson)),
    offVariant: maybe(fc.constantFrom('on', 'off', 'nope')),
    salt: maybe(fc.string()),
    prerequisites: maybe(
      fc.array(fc.record({ flag: maybe(fc.constantFrom('a', 'b', 'c')), variant: maybe(fc.constantFrom('on', 'off')) }), { maxLength: 2 }),
    ),
    rules: maybe(
      fc.array(fc.record({ id: maybe(fc.string()), conditions: maybe(fc.array(condition, { maxLength: 3 })), serve: serveArb }), {
        maxLength: 3,
      }),
    ),
    fallthrough: serveArb,
  });
const snapshotArb = fc.record({
  schemaVersion: maybe(fc.constant(1)),
  environment: maybe(fc.string()),
  revision: maybe(fc.nat()),
  flags: maybe(fc.record({ a: maybe(flagArb('a')), b: maybe(flagArb('b')), c: maybe(flagArb('c')) })),
  segments: maybe(
    fc.record({
      seg: maybe(
        fc.record({
          key: fc.constant('seg'),
          included: maybe(fc.array(fc.string())),
          excluded: maybe(fc.array(fc.string())),
          conditions: maybe(fc.array(condition, { maxLength: 2 })),
        }),
      ),
    }),
  ),
});
const contextArb = fc.oneof(
  anyJson,
  fc.record(
    {
      userId: maybe(fc.string()),
      country: maybe(fc.constantFrom('DE', 'FR', 'US')),
      version: maybe(fc.constantFrom('1.2.3', '2.0.0-beta.1', 'nope')),
      age: maybe(fc.integer()),
      when: maybe(fc.oneof(fc.constant('2024-06-01T00:00:00Z'), fc.integer())),
      tags: maybe(fc.array(fc.string())),
    },
    { requiredKeys: [] },
  ),
);

describe('evaluate properties', () => {
  it('never throws, whatever JSON-shaped snapshot, context and default it gets', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyJson, snapshotArb),
        fc.constantFrom('a', 'b', 'c', 'zzz', '__proto__', 'toString'),
        contextArb,
        anyJson,
        (snap, key, ctx, def) => {
          const result = evaluate(snap as unknown as Snapshot, key, ctx as never, def);
          expect(['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'PREREQUISITE_FAILED', 'ERROR']).toContain(result.reason);
          if (result.reason === 'ERROR') expect(result.value).toBe(def);
          // GENERAL would mean the last-resort catch fired: JSON input must be handled on purpose.
          expect(result.errorCode).not.toBe('GENERAL');
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it.each([1, 5, 10, 25, 50, 73.5, 99])('puts %s%% of 100,000 ids in, within ±0.5 points', (p) => {
    const snap = snapshotOf(booleanFlag('rollout', { fallthrough: percentRollout(p) }));
    const inside = share(snap, 'rollout').size / ids.length;
    expect(Math.abs(inside * 100 - p)).toBeLessThanOrEqual(0.5);
  });

  it('keeps everyone who was in at p% when the rollout rises to q%', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), fc.string(), (a, b, salt) => {
        const [p, q] = a <= b ? [a, b] : [b, a];
        const flag = (w: number) =>
          snapshotOf(
            booleanFlag('grow', {
              salt,
              fallthrough: {
                rollout: [
                  { variant: 'on', weight: w },
                  { variant: 'off', weight: 100_000 - w },
                ],
              },
            }),
          );
        const subset = ids.slice(0, 2000);
        const before = share(flag(p), 'grow', subset);
        const after = share(flag(q), 'grow', subset);
        for (const id of before) expect(after.has(id)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('buckets flags with different salts independently: two 50% rollouts overlap on 25% ± 1', () => {
    const snap = snapshotOf(
      booleanFlag('first', { fallthrough: percentRollout(50) }),
      booleanFlag('second', { fallthrough: percentRollout(50) }),
    );
    const a = share(snap, 'first');
    const b = share(snap, 'second');
    let both = 0;
    for (const id of a) if (b.has(id)) both++;
    expect(Math.abs((both / ids.length) * 100 - 25)).toBeLessThanOrEqual(1);
  });

  it('buckets flags with the same salt together', () => {
    const snap = snapshotOf(
      booleanFlag('first', { salt: 'shared', fallthrough: percentRollout(30) }),
      booleanFlag('second', { salt: 'shared', fallthrough: percentRollout(30) }),
    );
    expect([...share(snap, 'first', ids.slice(0, 5000))]).toEqual([...share(snap, 'second', ids.slice(0, 5000))]);
  });

  it('gives the same context the same variant every time', () => {
    fc.assert(
      fc.property(snapshotArb, fc.constantFrom('a', 'b', 'c'), contextArb, (snap, key, ctx) => {
        const first = evaluate(snap as unknown as Snapshot, key, ctx as never, false);
        for (let i = 0; i < 3; i++) expect(evaluate(snap as unknown as Snapshot, key, ctx as never, false)).toEqual(first);
      }),
      { numRuns: 3000 },
    );
  });
});
