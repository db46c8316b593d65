import { describe, expect, it } from 'vitest';
import { delivered, lost, notReady, type ClientStatus } from './status.js';
import { notReadyResult, placeholder } from './results.js';
import { rolloutFlags } from './track.js';
import { keyKind } from './keys.js';
import type { Flag } from '@switchboard/core';

const all: ClientStatus[] = ['initializing', 'ready', 'stale', 'closed'];

describe('status transitions', () => {
  it('a delivery makes the client ready: announced as ready the first time, recovered after stale', () => {
    expect(all.map(delivered)).toEqual(['ready', undefined, 'recovered', undefined]);
  });

  it('losing the server makes a ready client stale, and an initializing one serve its fallback if it has one', () => {
    expect(all.map((s) => lost(s, true))).toEqual(['fallback', 'stale', undefined, undefined]);
    expect(all.map((s) => lost(s, false))).toEqual([undefined, 'stale', undefined, undefined]);
  });

  it('is not ready only while no snapshot is served, unless offline without one (ready)', () => {
    expect(all.map((s) => notReady(s, 'none'))).toEqual([true, false, true, true]);
    expect(notReady('initializing', 'bootstrap')).toBe(false);
    expect(notReady('initializing', 'persisted')).toBe(false);
  });
});

describe('results before the first snapshot', () => {
  it('answer the default with PROVIDER_NOT_READY', () => {
    expect(notReadyResult({ value: 7, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' })).toEqual({
      value: 7,
      reason: 'ERROR',
      errorCode: 'PROVIDER_NOT_READY',
    });
  });

  it('placeholders have the flag type', () => {
    const flags = Object.fromEntries(['boolean', 'string', 'number', 'json', 'other'].map((type) => [type, { type } as unknown as Flag]));
    expect(['boolean', 'string', 'number', 'json', 'other', 'missing', 'toString'].map((k) => placeholder(flags, k))).toEqual([
      false,
      '',
      0,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('rollout flags for tracked events', () => {
  it('lists flags whose rules or fallthrough roll out, at most 50', () => {
    const base = { version: 1, type: 'boolean', enabled: true, variants: { on: true, off: false }, offVariant: 'off' } as const;
    const flags: Record<string, Flag> = {
      fixed: { ...base, key: 'fixed', fallthrough: { variant: 'on' } },
      split: { ...base, key: 'split', fallthrough: { rollout: [{ variant: 'on', weight: 1 }] } },
    };
    expect(rolloutFlags(flags)).toEqual(['split']);
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, { ...flags.split!, key: `f${i}` }]));
    expect(rolloutFlags(many)).toHaveLength(50);
  });
});

describe('key kinds', () => {
  it('reads the kind off the prefix', () => {
    expect(['sb_client_abcd', 'sb_server_abcd', 'sb_admin_abcd', 'sb_other_x', 'whatever'].map(keyKind)).toEqual([
      'client',
      'server',
      'admin',
      undefined,
      undefined,
    ]);
  });
});
