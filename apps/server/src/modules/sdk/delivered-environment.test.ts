import { describe, expect, it } from 'vitest';
import type { Flag, Snapshot } from '@switchboard/core';
import { createHash } from 'node:crypto';
import { DeliveredEnvironment, type EnvironmentSnapshot } from './delivered-environment.js';

const flag = (key: string, version: number, extra: Partial<Flag> = {}): Flag => ({
  key,
  version,
  type: 'boolean',
  enabled: true,
  variants: { on: true, off: false },
  offVariant: 'off',
  fallthrough: { variant: 'on' },
  ...extra,
});

const inSegment = (segment: string): Partial<Flag> => ({
  rules: [{ id: 'r', conditions: [{ attribute: 'userId', operator: 'inSegment', values: [segment] }], serve: { variant: 'on' } }],
});

function snapshot(revision: number, flags: Flag[], segments: Snapshot['segments'] = {}): Snapshot {
  return { schemaVersion: 1, environment: 'prod', revision, flags: Object.fromEntries(flags.map((f) => [f.key, f])), segments };
}

describe('DeliveredEnvironment', () => {
  it('pre-serializes both projections with the revision as ETag', () => {
    const view = new DeliveredEnvironment(
      snapshot(5, [flag('web', 1, { clientSide: true, ...inSegment('a') }), flag('server', 1, inSegment('c'))], {
        a: { key: 'a', conditions: [{ attribute: 'x', operator: 'inSegment', values: ['b'] }] },
        b: { key: 'b', conditions: [], included: ['u1'] },
        c: { key: 'c', conditions: [], included: ['secret'] },
      }),
    );
    expect(view.server.etag).toBe('"5"');
    const client = JSON.parse(view.client.body) as Snapshot;
    expect(Object.keys(client.flags)).toEqual(['web']);
    expect(Object.keys(client.segments!).sort()).toEqual(['a', 'b']);
    expect(view.client.body).not.toContain('secret');
    expect(JSON.parse(view.server.body)).toEqual(
      snapshot(
        5,
        [flag('web', 1, { clientSide: true, ...inSegment('a') }), flag('server', 1, inSegment('c'))],
        JSON.parse(view.server.body).segments,
      ),
    );
  });

  it("encodes each projection's put and body once per revision and hands every stream and response the same Buffer", () => {
    const view = new DeliveredEnvironment(snapshot(1, [flag('a', 1, { clientSide: true })]));
    const first = view.putEvent(view.client);
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(view.putEvent(view.client)).toBe(first);
    expect(first.toString()).toBe(`event: put\nid: 1\ndata: ${view.client.body}\n\n`);
    expect(
      view.apply({ environment: 'prod', revision: 2, flags: { a: flag('a', 2, { clientSide: true, enabled: false }) }, committedAt: 0 }),
    ).not.toBe('gap');
    const next = view.putEvent(view.client);
    expect(next).not.toBe(first);
    expect(next.toString()).toContain('id: 2\n');
    expect(view.putEvent(view.client)).toBe(next);
    const body = view.bodyBytes(view.client);
    expect(body.toString()).toBe(view.client.body);
    expect(view.bodyBytes(view.client)).toBe(body);
  });

  it('applies the next revision as patches, ignores stale ones, reports gaps', () => {
    const view = new DeliveredEnvironment(snapshot(1, [flag('a', 1, { clientSide: true }), flag('b', 1)]));
    expect(view.apply({ environment: 'prod', revision: 1, flags: { a: flag('a', 2) }, committedAt: 0 })).toBe('stale');
    expect(view.apply({ environment: 'prod', revision: 3, flags: { a: flag('a', 2) }, committedAt: 0 })).toBe('gap');
    const out = view.apply({
      environment: 'prod',
      revision: 2,
      flags: { a: flag('a', 2, { enabled: false, clientSide: true }), b: flag('b', 2, { enabled: false }) },
      committedAt: 0,
    });
    if (typeof out === 'string') throw new Error(out);
    expect(out.server).toHaveLength(2);
    expect(out.client).toHaveLength(1);
    expect(out.client[0]).toContain('"key":"a"');
    expect(view.revision).toBe(2);
    expect(view.server.etag).toBe('"2"');
  });

  it('sends null to clients when a flag stops being client-side, and a put when segments change', () => {
    const view = new DeliveredEnvironment(snapshot(1, [flag('a', 1, { clientSide: true })]));
    const hidden = view.apply({ environment: 'prod', revision: 2, flags: { a: flag('a', 2) }, committedAt: 0 });
    if (typeof hidden === 'string') throw new Error(hidden);
    expect(JSON.parse(hidden.client[0]!.split('data: ')[1]!)).toEqual({ revision: 2, key: 'a', flag: null });
    const seg = view.apply({ environment: 'prod', revision: 3, segments: { s: { key: 's', conditions: [] } }, committedAt: 0 });
    expect(seg).toEqual({ server: 'put', client: 'put' });
  });

  it('describes a resync as patches for the flags that differ', () => {
    const view = new DeliveredEnvironment(snapshot(1, [flag('a', 1), flag('b', 1), flag('c', 1)]));
    const out = view.replace(snapshot(4, [flag('a', 1), flag('b', 3), flag('d', 1)]));
    if (typeof out === 'string') throw new Error(out);
    const keys = (out.server as string[]).map((e) => JSON.parse(e.split('data: ')[1]!).key).sort();
    expect(keys).toEqual(['b', 'c', 'd']);
    expect(view.replace(snapshot(3, []))).toBe('stale');
    // Postgres is authoritative over a view that came from the Redis cache.
    expect(view.replace(snapshot(3, [flag('a', 1)]), true)).toEqual({ server: 'put', client: 'put' });
    expect(view.revision).toBe(3);
  });

  describe('private attributes', () => {
    const sha = (v: string) => createHash('sha256').update(v).digest('hex');
    const emailRule = (operator: 'in' | 'notIn', values: string[]): Partial<Flag> => ({
      rules: [
        {
          id: 'r',
          conditions: [
            { attribute: 'email', operator, values },
            { attribute: 'plan', operator: 'eq', values: ['pro'] },
          ],
          serve: { variant: 'on' },
        },
      ],
    });
    const priv = (key: string, version: number, extra: Partial<Flag> = {}) =>
      flag(key, version, {
        clientSide: true,
        privateAttributes: ['email'],
        ...emailRule('in', ['ann@acme.com', 'bob@acme.com']),
        ...extra,
      });
    const salted = (revision: number, flags: Flag[], salt = 'pepper'): EnvironmentSnapshot => ({
      ...snapshot(revision, flags),
      privateAttributeSalt: salt,
    });
    const data = (event: string) => JSON.parse(event.split('data: ')[1]!) as Record<string, unknown>;

    it('hashes private values for clients only, and says how', () => {
      const view = new DeliveredEnvironment(salted(1, [priv('p', 1), flag('plain', 1, { clientSide: true })]));
      expect(view.client.body).not.toContain('acme.com');
      const client = JSON.parse(view.client.body) as Snapshot & { privateAttributes: unknown };
      expect(client.privateAttributes).toEqual({ salt: 'pepper', attributes: ['email'] });
      expect(client.flags.p!.rules![0]!.conditions).toEqual([
        { attribute: '#email', operator: 'in', values: [sha('pepperann@acme.com'), sha('pepperbob@acme.com')] },
        { attribute: 'plan', operator: 'eq', values: ['pro'] },
      ]);
      expect(client.flags.plain).toEqual(flag('plain', 1, { clientSide: true }));
      expect(JSON.parse(view.server.body).flags.p).toEqual(priv('p', 1));
      expect(view.server.body).not.toContain('pepper');
      // Redis holds the salt with the server projection, so a view built from it can hash.
      const cached = new DeliveredEnvironment(JSON.parse(view.cacheBody()) as EnvironmentSnapshot);
      expect(cached.client.body).toBe(view.client.body);
      expect(cached.server.body).toBe(view.server.body);
    });

    it('leaves projections without private attributes as they were, and server-only private flags out of the union', () => {
      const flags = [flag('a', 1, { clientSide: true }), flag('s', 1, { privateAttributes: ['email'], ...emailRule('in', ['x@y.z']) })];
      const view = new DeliveredEnvironment(salted(1, flags));
      expect(view.client.body).toBe(new DeliveredEnvironment(snapshot(1, flags)).client.body);
      expect(view.client.body).not.toContain('privateAttributes');
    });

    it('keeps flags with private attributes out of the client projection while the salt is unknown', () => {
      const view = new DeliveredEnvironment(snapshot(1, [priv('p', 1), flag('a', 1, { clientSide: true })]));
      expect(Object.keys(JSON.parse(view.client.body).flags)).toEqual(['a']);
      expect(view.client.body).not.toContain('acme.com');
      expect(view.replace(salted(1, [priv('p', 1), flag('a', 1, { clientSide: true })]), true)).toEqual({ server: [], client: 'put' });
      expect(JSON.parse(view.client.body).flags.p.rules[0].conditions[0].attribute).toBe('#email');
    });

    it('sends clients a put when a flag with private attributes changes or the union does, patches otherwise', () => {
      const view = new DeliveredEnvironment(salted(1, [priv('p', 1), flag('a', 1, { clientSide: true })]));
      const plain = view.apply({
        environment: 'prod',
        revision: 2,
        flags: { a: flag('a', 2, { clientSide: true, enabled: false }) },
        committedAt: 0,
      });
      if (typeof plain === 'string') throw new Error(plain);
      expect(plain.client).toHaveLength(1);
      expect(
        view.apply({ environment: 'prod', revision: 3, flags: { p: priv('p', 2, { enabled: false }) }, committedAt: 0 }),
      ).toMatchObject({ client: 'put' });
      // `a` gains a private attribute: the union changes.
      const gained = view.apply({
        environment: 'prod',
        revision: 4,
        flags: { a: flag('a', 3, { clientSide: true, privateAttributes: ['country'] }) },
        committedAt: 0,
      });
      expect(gained).toMatchObject({ client: 'put' });
      expect(JSON.parse(view.client.body).privateAttributes.attributes).toEqual(['country', 'email']);
      // `p` stops being client-side: a put, and the body no longer names its attribute.
      expect(
        view.apply({ environment: 'prod', revision: 5, flags: { p: priv('p', 3, { clientSide: false }) }, committedAt: 0 }),
      ).toMatchObject({ client: 'put' });
      expect(JSON.parse(view.client.body).privateAttributes.attributes).toEqual(['country']);
      expect(view.client.body).not.toContain('acme.com');
      const server = view.apply({
        environment: 'prod',
        revision: 6,
        flags: { p: priv('p', 4, { clientSide: false, enabled: true }) },
        committedAt: 0,
      });
      if (typeof server === 'string') throw new Error(server);
      expect(server.client).toEqual([]);
      expect(data(server.server[0] as string).flag).toMatchObject({
        rules: [{ conditions: [{ attribute: 'email', values: ['ann@acme.com', 'bob@acme.com'] }, {}] }],
      });
    });
  });
});
