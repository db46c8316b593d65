import { describe, expect, it } from 'vitest';
import type { Flag, Snapshot } from '@switchboard/core';
import { EnvironmentView } from './environment-view.js';

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

describe('EnvironmentView', () => {
  it('pre-serializes both projections with the revision as ETag', () => {
    const view = new EnvironmentView(
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
    expect(JSON.parse(view.server.body)).toEqual(snapshot(5, [flag('web', 1, { clientSide: true, ...inSegment('a') }), flag('server', 1, inSegment('c'))], JSON.parse(view.server.body).segments));
  });

  it('applies the next revision as patches, ignores stale ones, reports gaps', () => {
    const view = new EnvironmentView(snapshot(1, [flag('a', 1, { clientSide: true }), flag('b', 1)]));
    expect(view.apply({ environment: 'prod', revision: 1, flags: { a: flag('a', 2) }, committedAt: 0 })).toBe('stale');
    expect(view.apply({ environment: 'prod', revision: 3, flags: { a: flag('a', 2) }, committedAt: 0 })).toBe('gap');
    const out = view.apply({ environment: 'prod', revision: 2, flags: { a: flag('a', 2, { enabled: false, clientSide: true }), b: flag('b', 2, { enabled: false }) }, committedAt: 0 });
    if (typeof out === 'string') throw new Error(out);
    expect(out.server).toHaveLength(2);
    expect(out.client).toHaveLength(1);
    expect(out.client[0]).toContain('"key":"a"');
    expect(view.revision).toBe(2);
    expect(view.server.etag).toBe('"2"');
  });

  it('sends null to clients when a flag stops being client-side, and a put when segments change', () => {
    const view = new EnvironmentView(snapshot(1, [flag('a', 1, { clientSide: true })]));
    const hidden = view.apply({ environment: 'prod', revision: 2, flags: { a: flag('a', 2) }, committedAt: 0 });
    if (typeof hidden === 'string') throw new Error(hidden);
    expect(JSON.parse(hidden.client[0]!.split('data: ')[1]!)).toEqual({ revision: 2, key: 'a', flag: null });
    const seg = view.apply({ environment: 'prod', revision: 3, segments: { s: { key: 's', conditions: [] } }, committedAt: 0 });
    expect(seg).toEqual({ server: 'put', client: 'put' });
  });

  it('describes a resync as patches for the flags that differ', () => {
    const view = new EnvironmentView(snapshot(1, [flag('a', 1), flag('b', 1), flag('c', 1)]));
    const out = view.replace(snapshot(4, [flag('a', 1), flag('b', 3), flag('d', 1)]));
    if (typeof out === 'string') throw new Error(out);
    const keys = (out.server as string[]).map((e) => JSON.parse(e.split('data: ')[1]!).key).sort();
    expect(keys).toEqual(['b', 'c', 'd']);
    expect(view.replace(snapshot(3, []))).toBe('stale');
    // Postgres is authoritative over a view that came from the Redis cache.
    expect(view.replace(snapshot(3, [flag('a', 1)]), true)).toEqual({ server: 'put', client: 'put' });
    expect(view.revision).toBe(3);
  });
});
