import { describe, expect, it } from 'vitest';
import bucketing from '@switchboard/spec/bucketing.json' with { type: 'json' };
import operators from '@switchboard/spec/operators.json' with { type: 'json' };
import evaluation from '@switchboard/spec/evaluation.json' with { type: 'json' };
import { evaluate } from './evaluate.js';
import { murmur3 } from './murmur3.js';
import { bucketOf, pickVariant } from './bucketing.js';
import { bucketingSnapshot, operatorSnapshot } from '@switchboard/spec/harness';
import type { EvaluationContext, Snapshot } from './snapshot.js';

// Every evaluator in the repository runs these same files; this is core's run.
describe(`spec ${bucketing.specVersion}: bucketing`, () => {
  it(`maps all ${bucketing.cases.length} (salt, value, weights) vectors to the expected hash, bucket and variant`, () => {
    const failures: string[] = [];
    for (const c of bucketing.cases) {
      const value = String(c.value);
      const total = c.weights.reduce((sum, w) => sum + w.weight, 0);
      const hash = murmur3(c.salt, value);
      const variant = pickVariant(c.salt, value, c.weights);
      if (hash !== c.hash || bucketOf(hash, total) !== c.bucket || variant !== c.variant) {
        failures.push(`${JSON.stringify(c.salt)} + ${JSON.stringify(c.value)}: got ${hash}/${variant}, want ${c.hash}/${c.variant}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('serves the same variants through evaluate() as the vectors say', () => {
    for (const c of bucketing.cases) {
      const snapshot = bucketingSnapshot(c) as Snapshot;
      expect(evaluate(snapshot, 'f', { userId: c.value as string }, '').variant).toBe(c.variant);
    }
  });
});

describe(`spec ${operators.specVersion}: operators`, () => {
  it.each(operators.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const snapshot = operatorSnapshot(c) as Snapshot;
    expect(evaluate(snapshot, 'f', c.context as EvaluationContext, false).value).toBe(c.expected);
  });
});

describe(`spec ${evaluation.specVersion}: evaluation`, () => {
  it.each(evaluation.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = evaluate(c.snapshot as unknown as Snapshot, c.flag, c.context as EvaluationContext, c.default);
    expect(result).toStrictEqual(c.expected);
  });
});
