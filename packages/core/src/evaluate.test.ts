import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { booleanFlag, percentRollout, snapshotOf } from './test-fixtures.js';
import type { Flag } from './snapshot.js';
import { createEvaluator as createCompactEvaluator } from './evaluator.js';

const staffRule = {
  id: 'staff',
  conditions: [{ attribute: 'email', operator: 'endsWith' as const, values: ['@acme.com'] }],
  serve: { variant: 'on' },
};

describe('evaluate', () => {
  it('serves the off variant with DISABLED when the kill switch is pulled, whatever the rules say', () => {
    const snap = snapshotOf(booleanFlag('f', { enabled: false, rules: [staffRule], fallthrough: { variant: 'on' } }));
    expect(evaluate(snap, 'f', { userId: 'u', email: 'a@acme.com' }, true)).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });
  });

  it('returns the caller default for an unknown flag, including inherited property names', () => {
    const snap = snapshotOf();
    for (const key of ['nope', 'toString', '__proto__', 'constructor']) {
      expect(evaluate(snap, key, {}, 'dflt')).toEqual({ value: 'dflt', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    }
  });

  it('refuses a default of the wrong type with TYPE_MISMATCH', () => {
    const snap = snapshotOf(booleanFlag('f', { fallthrough: { variant: 'on' } }));
    expect(evaluate(snap, 'f', {}, 'yes')).toEqual({ value: 'yes', reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('reports STATIC for an untargeted flag and DEFAULT when rules were tried and none matched', () => {
    const plain = snapshotOf(booleanFlag('f', { fallthrough: { variant: 'on' } }));
    expect(evaluate(plain, 'f', {}, false).reason).toBe('STATIC');
    const targeted = snapshotOf(booleanFlag('f', { rules: [staffRule] }));
    expect(evaluate(targeted, 'f', { email: 'x@other.org' }, true)).toEqual({ value: false, variant: 'off', reason: 'DEFAULT' });
    expect(evaluate(targeted, 'f', { email: 'x@acme.com' }, false)).toEqual({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      ruleId: 'staff',
    });
  });

  it('serves the first matching rule', () => {
    const snap = snapshotOf(
      booleanFlag('f', {
        rules: [
          { id: 'first', conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }], serve: { variant: 'off' } },
          { id: 'second', conditions: [], serve: { variant: 'on' } },
        ],
      }),
    );
    expect(evaluate(snap, 'f', { country: 'DE' }, true).ruleId).toBe('first');
    expect(evaluate(snap, 'f', { country: 'FR' }, false).ruleId).toBe('second');
  });

  it('reports SPLIT with the rule id for a rule-level rollout, bucketing by the chosen attribute', () => {
    const snap = snapshotOf(booleanFlag('f', { rules: [{ id: 'r', conditions: [], serve: percentRollout(100, 'orgId') }] }));
    expect(evaluate(snap, 'f', { userId: 'u', orgId: 'org-1' }, false)).toEqual({
      value: true,
      variant: 'on',
      reason: 'SPLIT',
      ruleId: 'r',
    });
    // Without the bucketing attribute there is no stable bucket: off variant, never a random one.
    expect(evaluate(snap, 'f', { userId: 'u' }, true)).toEqual({ value: false, variant: 'off', reason: 'DEFAULT' });
  });

  it('checks prerequisites against the variant the parent serves', () => {
    const parent = booleanFlag('parent', { fallthrough: { variant: 'on' } });
    const child = booleanFlag('child', { prerequisites: [{ flag: 'parent', variant: 'on' }], fallthrough: { variant: 'on' } });
    expect(evaluate(snapshotOf(parent, child), 'child', {}, false)).toEqual({ value: true, variant: 'on', reason: 'DEFAULT' });
    const killed = { ...parent, enabled: false };
    expect(evaluate(snapshotOf(killed, child), 'child', {}, true)).toEqual({ value: false, variant: 'off', reason: 'PREREQUISITE_FAILED' });
    expect(evaluate(snapshotOf(child), 'child', {}, true).reason).toBe('PREREQUISITE_FAILED');
  });

  it("answers a prerequisite whose flag can't be a key (its conversion throws) with PARSE_ERROR, as the compact engine does", () => {
    const child = booleanFlag('child', {
      prerequisites: [{ flag: { toString: false } as unknown as string, variant: 'on' }],
      fallthrough: { variant: 'on' },
    });
    const expected = { value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR' };
    expect(evaluate(snapshotOf(child), 'child', {}, true)).toEqual(expected);
    expect(createCompactEvaluator()(snapshotOf(child), 'child', {}, true)).toEqual(expected);
  });

  it('answers a prerequisite cycle with the caller default and PARSE_ERROR instead of recursing forever', () => {
    const a = booleanFlag('a', { prerequisites: [{ flag: 'b', variant: 'on' }] });
    const b = booleanFlag('b', { prerequisites: [{ flag: 'a', variant: 'on' }] });
    const self = booleanFlag('self', { prerequisites: [{ flag: 'self', variant: 'on' }] });
    const snap = snapshotOf(a, b, self);
    expect(evaluate(snap, 'a', {}, true)).toEqual({ value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(evaluate(snap, 'self', {}, true)).toEqual({ value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
  });

  it('matches segments by included, excluded and conditions', () => {
    const snap = snapshotOf(
      booleanFlag('f', {
        rules: [{ id: 'beta', conditions: [{ attribute: '', operator: 'inSegment', values: ['beta'] }], serve: { variant: 'on' } }],
      }),
    );
    snap.segments = {
      beta: { key: 'beta', included: ['vip'], excluded: ['banned'], conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }] },
    };
    expect(evaluate(snap, 'f', { userId: 'vip' }, false).value).toBe(true);
    expect(evaluate(snap, 'f', { userId: 'x', plan: 'pro' }, false).value).toBe(true);
    expect(evaluate(snap, 'f', { userId: 'banned', plan: 'pro' }, true).value).toBe(false);
    expect(evaluate(snap, 'f', { userId: 'x', plan: 'free' }, true).value).toBe(false);
  });

  it('treats a malformed flag as PARSE_ERROR with the caller default', () => {
    const missingVariant: Flag = booleanFlag('f', { fallthrough: { variant: 'gone' } });
    const zeroWeights: Flag = booleanFlag('g', { fallthrough: { rollout: [{ variant: 'on', weight: 0 }] } });
    const wrongValue: Flag = booleanFlag('h', { variants: { on: 'yes', off: false }, fallthrough: { variant: 'on' } });
    const snap = snapshotOf(missingVariant, zeroWeights, wrongValue);
    for (const key of ['f', 'g', 'h']) {
      expect(evaluate(snap, key, { userId: 'u' }, true)).toEqual({ value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    }
  });

  it('serves typed values for string, number and json flags', () => {
    const theme: Flag = {
      key: 'theme',
      version: 1,
      type: 'string',
      enabled: true,
      variants: { dark: 'dark', light: 'light' },
      offVariant: 'light',
      fallthrough: { variant: 'dark' },
    };
    const limit: Flag = {
      key: 'limit',
      version: 1,
      type: 'number',
      enabled: true,
      variants: { low: 10, high: 100 },
      offVariant: 'low',
      fallthrough: { variant: 'high' },
    };
    const config: Flag = {
      key: 'config',
      version: 1,
      type: 'json',
      enabled: true,
      variants: { v1: { retries: 3 } },
      offVariant: 'v1',
      fallthrough: { variant: 'v1' },
    };
    const snap = snapshotOf(theme, limit, config);
    expect(evaluate(snap, 'theme', {}, 'light').value).toBe('dark');
    expect(evaluate(snap, 'limit', {}, 0).value).toBe(100);
    expect(evaluate(snap, 'config', {}, {}).value).toEqual({ retries: 3 });
    expect(evaluate(snap, 'limit', {}, '0').errorCode).toBe('TYPE_MISMATCH');
  });

  it('hashes a numeric bucketing attribute as its decimal string', () => {
    const snap = snapshotOf(booleanFlag('f', { fallthrough: percentRollout(50, 'accountId') }));
    for (let n = 0; n < 200; n++) {
      expect(evaluate(snap, 'f', { accountId: n }, false)).toEqual(evaluate(snap, 'f', { accountId: String(n) }, false));
    }
  });
});
