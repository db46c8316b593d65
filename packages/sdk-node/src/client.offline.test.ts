import { describe, expect, it, vi } from 'vitest';
import { evaluate, type Snapshot } from '@switchboard/core';
import { createClient } from './index.js';
import { booleanFlag, memoryLogger, percentRollout, snapshotOf } from './test-support/fixtures.js';

const theme = {
  key: 'theme',
  version: 1,
  type: 'string' as const,
  enabled: true,
  variants: { light: 'light', dark: 'dark' },
  offVariant: 'light',
  rules: [{ id: 'de', conditions: [{ attribute: 'country', operator: 'in' as const, values: ['DE'] }], serve: { variant: 'dark' } }],
  fallthrough: { variant: 'light' },
};
const limit = {
  key: 'limit',
  version: 1,
  type: 'number' as const,
  enabled: true,
  variants: { low: 10, high: 100 },
  offVariant: 'low',
  fallthrough: { variant: 'high' },
};
const config = {
  key: 'config',
  version: 1,
  type: 'json' as const,
  enabled: true,
  variants: { v1: { a: 1 } },
  offVariant: 'v1',
  fallthrough: { variant: 'v1' },
};

function offlineClient(
  snapshot: Snapshot = snapshotOf(1, booleanFlag('on'), booleanFlag('killed', { enabled: false }), theme, limit, config),
) {
  return createClient({ offline: true, bootstrap: snapshot });
}

describe('offline client', () => {
  it('is ready at once, emits ready asynchronously, and makes no request', async () => {
    const fetch = vi.fn();
    const client = createClient({ offline: true, bootstrap: snapshotOf(1, booleanFlag('on')), fetch: fetch as never });
    const ready = vi.fn();
    client.on('ready', ready);
    expect(client.status).toBe('ready');
    await client.ready();
    expect(ready).toHaveBeenCalledTimes(1);
    expect(client.isEnabled('on', 'u1')).toBe(true);
    await client.close();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('answers isEnabled for a user id or a context, false for unknown, killed or non-boolean flags', () => {
    const client = offlineClient();
    expect(client.isEnabled('on', 'user-42')).toBe(true);
    expect(client.isEnabled('on', { userId: 'user-42', country: 'DE' })).toBe(true);
    expect(client.isEnabled('on')).toBe(true);
    expect(client.isEnabled('killed', 'u')).toBe(false);
    expect(client.isEnabled('missing', 'u')).toBe(false);
    expect(client.isEnabled('theme', 'u')).toBe(false);
  });

  it('returns typed values with the default on any error', () => {
    const client = offlineClient();
    const n: number = client.value('limit', 'u', 10);
    expect(n).toBe(100);
    expect(client.value('theme', { country: 'DE' }, 'none')).toBe('dark');
    expect(client.value('theme', { country: 'FR' }, 'none')).toBe('light');
    expect(client.value('missing', 'u', 7)).toBe(7);
    expect(client.value('limit', 'u', 'wrong type')).toBe('wrong type');
    expect(client.value('config', 'u', {})).toEqual({ a: 1 });
  });

  it('returns the full outcome from variant(), with or without a default', () => {
    const client = offlineClient();
    expect(client.variant('theme', { country: 'DE' }, 'x')).toEqual({
      value: 'dark',
      variant: 'dark',
      reason: 'TARGETING_MATCH',
      ruleId: 'de',
    });
    expect(client.variant('theme', { country: 'DE' })).toEqual({ value: 'dark', variant: 'dark', reason: 'TARGETING_MATCH', ruleId: 'de' });
    expect(client.variant('limit', 'u')).toEqual({ value: 100, variant: 'high', reason: 'STATIC' });
    expect(client.variant('killed', 'u')).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });
    expect(client.variant('missing', 'u')).toEqual({ value: undefined, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(client.variant('limit', 'u', true)).toEqual({ value: true, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('serves defaults when offline without a bootstrap', async () => {
    const client = createClient({ offline: true });
    await client.ready();
    expect(client.isEnabled('anything', 'u')).toBe(false);
    expect(client.value('anything', 'u', 'd')).toBe('d');
    expect(client.source).toBe('none');
  });

  it('never throws on hostile input', () => {
    const client = offlineClient();
    const hostile = [
      null,
      undefined,
      42,
      {},
      [],
      {
        get userId(): string {
          throw new Error('boom');
        },
      },
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
        },
      ),
    ];
    for (const ctx of hostile) {
      expect(() => client.isEnabled('on', ctx as never)).not.toThrow();
      expect(() => client.variant('theme', ctx as never)).not.toThrow();
      expect(() => client.value('limit', ctx as never, 1)).not.toThrow();
    }
    for (const key of [undefined, null, 5, '__proto__', 'constructor', 'toString']) {
      expect(client.isEnabled(key as never, 'u')).toBe(false);
    }
  });

  it('does not share the bootstrap object: later mutation by the caller changes nothing', () => {
    const snapshot = snapshotOf(1, booleanFlag('on'));
    const client = createClient({ offline: true, bootstrap: snapshot });
    snapshot.flags.on!.enabled = false;
    expect(client.isEnabled('on', 'u')).toBe(true);
  });

  it('ignores an invalid bootstrap with a warning and serves defaults', () => {
    const logger = memoryLogger();
    const client = createClient({ offline: true, bootstrap: { schemaVersion: 99 } as never, logger });
    expect(client.isEnabled('on', 'u')).toBe(false);
    expect(logger.lines.join('\n')).toMatch(/ignoring bootstrap/);
  });

  it('gives each client its own state: two clients in one process never share a snapshot', () => {
    const a = createClient({ offline: true, bootstrap: snapshotOf(1, booleanFlag('f')) });
    const b = createClient({ offline: true, bootstrap: snapshotOf(1, booleanFlag('f', { enabled: false })) });
    expect([a.isEnabled('f', 'u'), b.isEnabled('f', 'u')]).toEqual([true, false]);
  });

  it('buckets user-id shorthand exactly as a context with that userId, for many users', () => {
    const snapshot = snapshotOf(1, booleanFlag('ramp', { fallthrough: percentRollout(30) }));
    const client = createClient({ offline: true, bootstrap: snapshot });
    let on = 0;
    for (let i = 0; i < 10_000; i++) {
      const id = `user-${i}`;
      const viaId = client.isEnabled('ramp', id);
      expect(viaId).toBe(evaluate(snapshot, 'ramp', { userId: id }, false).value);
      expect(client.isEnabled('ramp', { userId: id })).toBe(viaId);
      if (viaId) on++;
    }
    expect(on / 10_000).toBeGreaterThan(0.28);
    expect(on / 10_000).toBeLessThan(0.32);
  });

  it('refuses options that can only be a mistake', () => {
    expect(() => createClient({})).toThrow(TypeError);
    expect(() => createClient({ url: 'http://x' })).toThrow(/key/);
    expect(() => createClient({ url: 'not a url', key: 'k' })).toThrow(/URL/);
    expect(() => createClient({ url: 'http://x', key: 'k', pollInterval: -1 })).toThrow(/pollInterval/);
    // No transport can send these in an Authorization header.
    expect(() => createClient({ url: 'http://x', key: 'sb_server_a\nb' })).toThrow(/key/);
    expect(() => createClient({ url: 'http://x', key: 'sb_server_\u20ac' })).toThrow(/key/);
    expect(() => createClient({ url: 'http://x', key: ' \n' })).toThrow(/key/);
  });

  it('keeps answering after close, and track is a no-op offline', async () => {
    const client = offlineClient();
    client.track('purchase', 'u', 10);
    await client.close();
    expect(client.status).toBe('closed');
    expect(client.isEnabled('on', 'u')).toBe(true);
    await expect(client.ready()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('logs and survives a listener that throws', async () => {
    const logger = memoryLogger();
    const client = createClient({ offline: true, logger });
    client.on('ready', () => {
      throw new Error('listener bug');
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(logger.lines.join('\n')).toMatch(/'ready' listener threw/);
  });
});
