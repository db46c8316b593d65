import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, type EvaluationContext, type Flag, type FlagValue, type Snapshot } from '@switchboard/core';
import { resolvedFlag } from './private-flags.js';

interface SpecCase {
  name: string;
  snapshot: unknown;
  flag: string;
  context: unknown;
  default: unknown;
}
const evaluation = JSON.parse(readFileSync(new URL('../../../../../packages/spec/cases/evaluation.json', import.meta.url), 'utf8')) as {
  specVersion: string;
  cases: SpecCase[];
};

// The browser evaluates the document the server resolved for its context: on every spec case
// that context must get exactly what the full snapshot gives it (value, variant, reason, rule).
describe(`resolvedFlag on spec ${evaluation.specVersion}`, () => {
  it.each(evaluation.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const snapshot = c.snapshot as unknown as Snapshot;
    const context = c.context as EvaluationContext;
    const full = evaluate(snapshot, c.flag, context, c.default as FlagValue);
    const flag = snapshot.flags[c.flag];
    const resolved = flag && typeof flag === 'object' ? resolvedFlag(flag, full) : null;
    if (!resolved) {
      expect(full.reason).toBe('ERROR');
      return;
    }
    const alone: Snapshot = { ...snapshot, flags: { [c.flag]: resolved }, segments: {} };
    expect(evaluate(alone, c.flag, context, c.default as FlagValue)).toStrictEqual(full);
  });

  it('keeps the bucketing attribute of a split, so a release still counts the unit', () => {
    const flag: Flag = {
      key: 'f',
      version: 2,
      type: 'boolean',
      enabled: true,
      variants: { on: true, off: false },
      offVariant: 'off',
      fallthrough: { rollout: [{ variant: 'on', weight: 1 }], bucketBy: 'accountId' },
    };
    const snapshot: Snapshot = { schemaVersion: 1, environment: 'e', revision: 1, flags: { f: flag } };
    const resolved = resolvedFlag(flag, evaluate(snapshot, 'f', { accountId: 'a1' }, false))!;
    expect(resolved.fallthrough).toEqual({ rollout: [{ variant: 'on', weight: 1 }], bucketBy: 'accountId' });
    expect(resolved).toMatchObject({ key: 'f', version: 2, remote: true, variants: { on: true } });
    expect(resolved.variants).not.toHaveProperty('off');
  });
});
