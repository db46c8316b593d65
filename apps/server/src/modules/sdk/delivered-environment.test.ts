import { describe, expect, it } from 'vitest';
import type { Flag, Snapshot } from '@switchboard/core';
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
    const emailRule = (operator: 'in' | 'endsWith', values: string[]): Partial<Flag> => ({
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
    const stub = (key: string, version: number) => ({ key, version, type: 'boolean', remote: true });
    const clientFlags = (view: DeliveredEnvironment) => (JSON.parse(view.client.body) as Snapshot).flags;

    it('sends clients a stub for a flag that reads a private attribute, and servers the flag', () => {
      const view = new DeliveredEnvironment(snapshot(1, [priv('p', 1), flag('plain', 1, { clientSide: true })]));
      expect(clientFlags(view)).toEqual({ p: stub('p', 1), plain: flag('plain', 1, { clientSide: true }) });
      expect(view.client.body).not.toContain('acme');
      expect(view.client.body).not.toContain('email');
      expect(JSON.parse(view.server.body).flags.p).toEqual(priv('p', 1));
      // A view built from the Redis cache (the server projection) builds the same client projection.
      const cached = new DeliveredEnvironment(JSON.parse(view.cacheBody()) as EnvironmentSnapshot);
      expect(cached.client.body).toBe(view.client.body);
    });

    it('treats an attribute any flag lists as private everywhere: in rules, in segments at any depth, through prerequisites', () => {
      const segments = {
        outer: { key: 'outer', conditions: [{ attribute: 'x', operator: 'inSegment' as const, values: ['inner'] }] },
        inner: { key: 'inner', conditions: [{ attribute: 'email', operator: 'endsWith' as const, values: ['@acme.com'] }] },
        open: { key: 'open', conditions: [{ attribute: 'plan', operator: 'eq' as const, values: ['pro'] }] },
      };
      const view = new DeliveredEnvironment(
        snapshot(
          1,
          [
            // Lists `email` as private but is server-only: still makes `email` private for the rest.
            flag('declares', 1, { privateAttributes: ['email'] }),
            flag('by-segment', 1, { clientSide: true, ...inSegment('outer') }),
            flag('by-rule', 1, { clientSide: true, ...emailRule('endsWith', ['@acme.com']) }),
            flag('child', 1, { clientSide: true, prerequisites: [{ flag: 'by-rule', variant: 'on' }] }),
            flag('open-segment', 1, { clientSide: true, ...inSegment('open') }),
          ],
          segments,
        ),
      );
      const client = JSON.parse(view.client.body) as Snapshot;
      expect(client.flags['by-segment']).toEqual(stub('by-segment', 1));
      expect(client.flags['by-rule']).toEqual(stub('by-rule', 1));
      expect(client.flags.child).toEqual(stub('child', 1));
      expect(client.flags['open-segment']).toEqual(flag('open-segment', 1, { clientSide: true, ...inSegment('open') }));
      // Only the segment a local flag uses is sent.
      expect(Object.keys(client.segments!)).toEqual(['open']);
      expect(view.client.body).not.toContain('acme');
    });

    it('sends clients a put when the set of server-evaluated flags or one of their prerequisites changes, patches otherwise', () => {
      const parent = (version: number, extra: Partial<Flag> = {}) => flag('parent', version, { clientSide: true, ...extra });
      const view = new DeliveredEnvironment(
        snapshot(1, [priv('p', 1, { prerequisites: [{ flag: 'parent', variant: 'on' }] }), parent(1), flag('a', 1, { clientSide: true })]),
      );
      const change = (revision: number, flags: Record<string, Flag>) =>
        view.apply({ environment: 'prod', revision, flags, committedAt: 0 });
      const plain = change(2, { a: flag('a', 2, { clientSide: true, enabled: false }) });
      if (typeof plain === 'string') throw new Error(plain);
      expect(plain.client).toHaveLength(1);
      // The server-evaluated flag itself changes: a patch with its new stub (the browser asks again).
      const own = change(3, { p: priv('p', 2, { enabled: false, prerequisites: [{ flag: 'parent', variant: 'on' }] }) });
      if (typeof own === 'string') throw new Error(own);
      expect(JSON.parse((own.client[0] as string).split('data: ')[1]!)).toEqual({ revision: 3, key: 'p', flag: stub('p', 2) });
      // Its prerequisite changes: its result may too, so a put.
      expect(change(4, { parent: parent(2, { enabled: false }) })).toMatchObject({ client: 'put' });
      // `a` starts reading `email`: it becomes server-evaluated, a put.
      expect(change(5, { a: flag('a', 3, { clientSide: true, ...emailRule('in', ['x@y.z']) }) })).toMatchObject({ client: 'put' });
      expect(clientFlags(view).a).toEqual(stub('a', 3));
      // No flag lists `email` any more: everything is evaluated in the browser again.
      expect(change(6, { p: priv('p', 3, { privateAttributes: [] }) })).toMatchObject({ client: 'put' });
      expect(clientFlags(view).a).toMatchObject({ rules: [{ conditions: [{ attribute: 'email', values: ['x@y.z'] }, {}] }] });
    });
  });
});
