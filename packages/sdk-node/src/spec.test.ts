import { describe, expect, it } from 'vitest';
import bucketing from '@switchboard/spec/bucketing.json' with { type: 'json' };
import operators from '@switchboard/spec/operators.json' with { type: 'json' };
import evaluation from '@switchboard/spec/evaluation.json' with { type: 'json' };
import { bucketingSnapshot, operatorSnapshot } from '@switchboard/spec/harness';
import type { EvaluationContext, FlagValue, Snapshot } from '@switchboard/core';
import { createClient } from './index.js';

// Every evaluator in the repository runs the shared spec; this is the Node SDK's run,
// through the public client (offline, bootstrapped), not through core directly.
describe(`spec ${evaluation.specVersion}: evaluation through the Node SDK`, () => {
  it.each(evaluation.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const client = createClient({ offline: true, bootstrap: c.snapshot as unknown as Snapshot });
    const result = client.variant(c.flag, c.context as EvaluationContext, c.default as FlagValue);
    expect(result).toStrictEqual(c.expected);
    expect(client.value(c.flag, c.context as EvaluationContext, c.default as FlagValue)).toStrictEqual(c.expected.value);
    if (typeof c.default === 'boolean' && c.default === false) {
      expect(client.isEnabled(c.flag, c.context as EvaluationContext)).toBe(c.expected.value === true);
    }
  });
});

describe(`spec ${bucketing.specVersion}: bucketing through the Node SDK`, () => {
  it(`serves the expected variant for all ${bucketing.cases.length} (salt, value, weights) vectors`, () => {
    const failures: string[] = [];
    for (const c of bucketing.cases) {
      const snapshot = bucketingSnapshot(c) as Snapshot;
      const client = createClient({ offline: true, bootstrap: snapshot });
      // Both the user-id shorthand and a context (numbers bucket by their decimal string).
      const viaId = client.variant('f', String(c.value), '').variant;
      const viaContext = client.variant('f', { userId: c.value as string }, '').variant;
      if (viaId !== c.variant || viaContext !== c.variant)
        failures.push(`${JSON.stringify(c.salt)} + ${JSON.stringify(c.value)}: ${viaId}/${viaContext}, want ${c.variant}`);
    }
    expect(failures).toEqual([]);
  });
});

describe(`spec ${operators.specVersion}: operators through the Node SDK`, () => {
  it.each(operators.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const snapshot = operatorSnapshot(c) as Snapshot;
    const client = createClient({ offline: true, bootstrap: snapshot });
    expect(client.isEnabled('f', c.context as EvaluationContext)).toBe(c.expected);
  });
});
