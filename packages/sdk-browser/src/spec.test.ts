/// <reference types="node" />
import { describe, expect, it } from 'vitest';
import bucketing from '@switchboard/spec/bucketing.json' with { type: 'json' };
import operators from '@switchboard/spec/operators.json' with { type: 'json' };
import evaluation from '@switchboard/spec/evaluation.json' with { type: 'json' };
import { bucketingSnapshot, operatorSnapshot } from '@switchboard/spec/harness';
import type { EvaluationContext, FlagValue, Snapshot } from '@switchboard/core';
import { createClient } from './index.js';

// Every evaluator in the repository runs the shared spec; this is the browser SDK's run,
// through the public client (offline, bootstrapped). `ready()` waits for the extended
// operators chunk when a case's snapshot uses `matches`, dates or versions.
describe(`spec ${evaluation.specVersion}: evaluation through the browser SDK`, () => {
  it.each(evaluation.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const client = createClient({ offline: true, bootstrap: c.snapshot as unknown as Snapshot });
    await client.ready();
    expect(client.variant(c.flag, c.context as EvaluationContext, c.default as FlagValue)).toStrictEqual(c.expected);
    expect(client.value(c.flag, c.context as EvaluationContext, c.default as FlagValue)).toStrictEqual(c.expected.value);
    if (c.default === false) expect(client.isEnabled(c.flag, c.context as EvaluationContext)).toBe(c.expected.value === true);
  });
});

describe(`spec ${bucketing.specVersion}: bucketing through the browser SDK`, () => {
  it(`serves the expected variant for all ${bucketing.cases.length} (salt, value, weights) vectors`, async () => {
    const failures: string[] = [];
    for (const c of bucketing.cases) {
      const client = createClient({ offline: true, bootstrap: bucketingSnapshot(c) as Snapshot, context: { userId: String(c.value) } });
      await client.ready();
      const viaClientContext = client.variant('f', undefined, '').variant;
      const viaId = client.variant('f', String(c.value), '').variant;
      if (viaId !== c.variant || viaClientContext !== c.variant)
        failures.push(`${JSON.stringify(c.salt)} + ${JSON.stringify(c.value)}: ${viaId}/${viaClientContext}, want ${c.variant}`);
    }
    expect(failures).toEqual([]);
  });
});

describe(`spec ${operators.specVersion}: operators through the browser SDK`, () => {
  it.each(operators.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    // The case's context is the client's own context, as a page would set it.
    const client = createClient({ offline: true, bootstrap: operatorSnapshot(c) as Snapshot, context: c.context as EvaluationContext });
    await client.ready();
    expect(client.isEnabled('f')).toBe(c.expected);
  });
});
