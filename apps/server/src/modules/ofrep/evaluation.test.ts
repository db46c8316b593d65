import { describe, expect, it } from 'vitest';
import type { Flag, Snapshot } from '@switchboard/core';
import { DeliveredEnvironment } from '../sdk/delivered-environment.js';
import { bulkEtag, canonicalJson, evaluateAll, evaluateFlag, ofrepSnapshot, readContext, toEvaluationContext } from './evaluation.js';

const flag = (key: string, overrides: Partial<Flag> = {}): Flag => ({
  key,
  version: 1,
  type: 'boolean',
  enabled: true,
  variants: { on: true, off: false },
  offVariant: 'off',
  fallthrough: { variant: 'on' },
  ...overrides,
});

const snapshot: Snapshot = {
  schemaVersion: 1,
  environment: 'production',
  revision: 7,
  flags: {
    'b-client': flag('b-client', { clientSide: true }),
    'a-server': flag('a-server'),
    'c-broken': flag('c-broken', { clientSide: true, fallthrough: { variant: 'missing' } }),
    'd-text': flag('d-text', { type: 'string', variants: { x: 'X' }, offVariant: 'x', fallthrough: { variant: 'x' } }),
  },
  segments: {},
};

describe('readContext', () => {
  it('takes an absent body or context as an empty context', () => {
    expect(readContext(undefined)).toEqual({ context: {} });
    expect(readContext({})).toEqual({ context: {} });
    expect(readContext({ context: null })).toEqual({ context: {} });
  });

  it("refuses what isn't an OpenFeature context with OFREP's codes", () => {
    expect(readContext('x')).toMatchObject({ errorCode: 'PARSE_ERROR' });
    expect(readContext({ context: 3 })).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
    expect(readContext({ context: { targetingKey: ['u'] } })).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
    expect(readContext({ context: { targetingKey: '' } })).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
    expect(readContext({ context: { a: Array.from({ length: 1000 }, () => 1) } })).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
    expect(readContext({ context: { a: Array.from({ length: 998 }, () => 1) } })).toHaveProperty('context');
  });

  it('maps targetingKey to userId unless userId is set, as the OpenFeature providers do', () => {
    expect(toEvaluationContext({ targetingKey: 'u1', plan: 'pro' })).toEqual({ userId: 'u1', plan: 'pro' });
    expect(toEvaluationContext({ targetingKey: 'u1', userId: 'u2' })).toEqual({ userId: 'u2' });
  });
});

describe('evaluation', () => {
  it("answers core's result, a malformed flag as PARSE_ERROR and an unknown one as FLAG_NOT_FOUND", () => {
    expect(evaluateFlag(snapshot, 'a-server', {})).toEqual({ ok: true, key: 'a-server', value: true, variant: 'on', reason: 'STATIC' });
    expect(evaluateFlag(snapshot, 'd-text', {})).toMatchObject({ ok: true, value: 'X' });
    expect(evaluateFlag(snapshot, 'c-broken', {})).toMatchObject({ ok: false, errorCode: 'PARSE_ERROR' });
    expect(evaluateFlag(snapshot, 'nope', {})).toMatchObject({ ok: false, errorCode: 'FLAG_NOT_FOUND' });
    expect(evaluateFlag(snapshot, '__proto__', {})).toMatchObject({ ok: false, errorCode: 'FLAG_NOT_FOUND' });
    expect(evaluateAll(snapshot, {}).map((r) => r.key)).toEqual(['a-server', 'b-client', 'c-broken', 'd-text']);
  });

  it('gives client keys the client-side flags only, one snapshot object per revision', () => {
    const view = new DeliveredEnvironment(snapshot);
    const client = ofrepSnapshot(view, 'client');
    expect(Object.keys(client.flags).sort()).toEqual(['b-client', 'c-broken']);
    expect(Object.keys(ofrepSnapshot(view, 'server').flags)).toHaveLength(4);
    expect(ofrepSnapshot(view, 'client')).toBe(client);
    view.apply({ environment: 'production', revision: 8, flags: { 'a-server': null }, committedAt: 0 });
    expect(ofrepSnapshot(view, 'client')).not.toBe(client);
    expect(Object.keys(ofrepSnapshot(view, 'server').flags)).toHaveLength(3);
  });
});

describe('bulk ETag', () => {
  it('is the same for the same context in any key order, and differs by context, key kind and revision', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x', u: undefined })).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
    const etag = bulkEtag(7, 'client', { targetingKey: 'u1', plan: 'pro' });
    expect(bulkEtag(7, 'client', { plan: 'pro', targetingKey: 'u1' })).toBe(etag);
    expect(bulkEtag(7, 'client', { plan: 'free', targetingKey: 'u1' })).not.toBe(etag);
    expect(bulkEtag(7, 'server', { targetingKey: 'u1', plan: 'pro' })).not.toBe(etag);
    expect(bulkEtag(8, 'client', { targetingKey: 'u1', plan: 'pro' })).not.toBe(etag);
    expect(etag).toMatch(/^"7-[A-Za-z0-9_-]{22}"$/);
  });
});
