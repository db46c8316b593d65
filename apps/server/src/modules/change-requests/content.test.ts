import { describe, expect, it } from 'vitest';
import type { ConfigFields } from '../../db/schema/index.js';
import { canonicalJson, contentHash, identityOf, isKillOnly, patchBetween, type Content } from './content.js';

const base: ConfigFields = {
  enabled: true,
  offVariant: 'off',
  fallthrough: { variant: 'on' },
  rules: [],
  prerequisites: [],
  salt: 'f',
};

describe('change request content', () => {
  it('hashes equal content equally whatever the key order, and any difference differently', () => {
    const content: Content = {
      flag: 'f',
      environment: 'production',
      action: 'config.update',
      baseVersion: 3,
      patch: { enabled: false },
      reason: null,
    };
    const reordered = {
      reason: null,
      patch: { enabled: false },
      baseVersion: 3,
      action: 'config.update',
      environment: 'production',
      flag: 'f',
    };
    expect(contentHash(reordered)).toBe(contentHash(content));
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    for (const edit of [
      { reason: 'why' },
      { baseVersion: 4 },
      { patch: { enabled: true } },
      { environment: 'staging' },
      { action: 'config.rollout' },
    ]) {
      expect(contentHash({ ...content, ...edit })).not.toBe(contentHash(content));
    }
  });

  it('patches only the fields that differ', () => {
    expect(patchBetween(base, { ...base, fallthrough: { variant: 'off' } })).toEqual({ fallthrough: { variant: 'off' } });
    expect(patchBetween(base, { ...base })).toEqual({});
  });

  it('tells the kill switch from every other change', () => {
    expect(isKillOnly(base, { ...base, enabled: false })).toBe(true);
    expect(isKillOnly({ ...base, enabled: false }, { ...base, enabled: false })).toBe(true);
    expect(isKillOnly(base, { ...base, enabled: false, salt: 'x' })).toBe(false);
    expect(isKillOnly({ ...base, enabled: false }, base)).toBe(false);
    expect(isKillOnly(base, { ...base, fallthrough: { variant: 'off' } })).toBe(false);
  });

  it('identifies a person before a key before the admin token', () => {
    const p = { kind: 'admin' as const, environment: null, role: 'admin' as const, environments: null, name: 'ADMIN_TOKEN' };
    expect(identityOf({ ...p, userId: 'u1', keyId: 'k1' })).toBe('u1');
    expect(identityOf({ ...p, userId: null, keyId: 'k1' })).toBe('k1');
    expect(identityOf({ ...p, userId: null, keyId: null })).toBe('ADMIN_TOKEN');
  });
});
