import { evaluate } from '@switchboard/core';
import { validateSnapshot } from '@switchboard/core/validate';
import { describe, expect, it } from 'vitest';
import { createFlagSpecs, expectedValue, probeUsers, switchboardSnapshot } from './flag-set.js';
import { percentile } from './report-lines.js';

describe('the generated flag set', () => {
  const specs = createFlagSpecs(1000);

  it('mixes plain flags, rollouts and rules, with unique keys', () => {
    expect(new Set(specs.map((s) => s.key)).size).toBe(1000);
    const kinds = { plain: 0, rollout: 0, rules: 0 };
    for (const s of specs) kinds[s.kind]++;
    expect(kinds).toEqual({ plain: 500, rollout: 300, rules: 200 });
  });

  it('is a valid Switchboard snapshot that serves what each spec means', () => {
    const snapshot = switchboardSnapshot(specs);
    expect(validateSnapshot(snapshot)).toEqual([]);
    let checked = 0;
    for (const user of probeUsers(6)) {
      for (const spec of specs) {
        const expected = expectedValue(spec, user);
        if (expected === undefined) continue;
        expect(evaluate(snapshot, spec.key, { ...user }, false).value).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('probe users cover every rule flag, and every user also falls through to rollouts', () => {
    const users = probeUsers(6);
    const ruleFlags = specs.filter((s) => s.kind === 'rules');
    expect(ruleFlags.every((s) => users.some((u) => expectedValue(s, u) === true))).toBe(true);
    for (const u of users) expect(ruleFlags.filter((s) => expectedValue(s, u) === true).length).toBeLessThan(ruleFlags.length);
  });
});

describe('percentile', () => {
  it('is nearest-rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });
});
