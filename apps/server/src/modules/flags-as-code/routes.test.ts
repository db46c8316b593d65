/**
 * Export and import on embedded servers: a rich environment goes out, into a fresh server
 * and out again unchanged, and both servers' SDK snapshots evaluate alike; imports are all
 * or nothing (a stale version or a bad document writes nothing), and a dry run writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type Snapshot } from '@switchboard/core';
import type { EnvironmentExport, ImportResult } from '@switchboard/api-contract';
import type { App } from '../../app.js';
import { testApp } from '../../test-support/app.js';
import { auditCount, createFlag, createKey, http, patchConfig, type Http } from '../../test-support/http.js';

let source: App;
let api: Http;
const fresh: App[] = [];

async function ok(res: { statusCode: number; body: string }, status = 200): Promise<void> {
  expect(res.statusCode, res.body).toBe(status);
}

async function exportOf(client: Http, env: string, versions = true): Promise<EnvironmentExport> {
  const res = await client.get(`/api/admin/environments/${env}/export${versions ? '' : '?versions=false'}`);
  await ok(res);
  return res.json();
}

async function freshServer(): Promise<Http> {
  const app = await testApp();
  fresh.push(app);
  return http(app);
}

beforeAll(async () => {
  source = await testApp();
  api = http(source);
  await ok(
    await api.post('/api/admin/segments', {
      key: 'eu',
      name: 'Europe',
      conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR', 'IT'] }],
    }),
    201,
  );
  await ok(
    await api.post('/api/admin/segments', {
      key: 'eu-pro',
      included: ['u-vip'],
      excluded: ['u-banned'],
      conditions: [
        { operator: 'inSegment', values: ['eu'] },
        { attribute: 'plan', operator: 'eq', values: ['pro'] },
      ],
    }),
    201,
  );
  await createFlag(api, 'checkout-base', { tags: ['checkout'], owner: 'team-payments' });
  await createFlag(api, 'new-checkout', { description: 'One-page checkout', temporary: false });
  await createFlag(api, 'theme', { type: 'string', variants: { light: 'light', dark: 'dark', contrast: 'contrast' } });
  await createFlag(api, 'page-size', { type: 'number', variants: { small: 10, large: 50 } });
  await createFlag(api, 'banner', {
    type: 'json',
    variants: { none: null, sale: { text: 'Sale!', color: '#c00' } },
    clientSide: true,
    privateAttributes: ['email'],
  });
  for (const env of ['production', 'staging']) {
    await ok(await patchConfig(api, 'checkout-base', env, { enabled: true, fallthrough: { variant: 'on' } }));
    await ok(
      await patchConfig(api, 'new-checkout', env, {
        enabled: true,
        salt: `nc-${env}`,
        prerequisites: [{ flag: 'checkout-base', variant: 'on' }],
        rules: [
          {
            id: 'staff',
            conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'], caseInsensitive: true }],
            serve: { variant: 'on' },
          },
          { id: 'eu-pro', conditions: [{ operator: 'inSegment', values: ['eu-pro'] }], serve: { variant: 'on' } },
        ],
        fallthrough: {
          rollout: [
            { variant: 'on', weight: env === 'production' ? 20_000 : 80_000 },
            { variant: 'off', weight: env === 'production' ? 80_000 : 20_000 },
          ],
          bucketBy: 'accountId',
        },
      }),
    );
    await ok(
      await patchConfig(api, 'theme', env, {
        enabled: true,
        offVariant: 'light',
        rules: [
          {
            id: 'old-app',
            conditions: [{ attribute: 'appVersion', operator: 'semverLt', values: ['2.0.0'], negate: true }],
            serve: { variant: 'contrast' },
          },
        ],
        fallthrough: {
          rollout: [
            { variant: 'light', weight: 33_334 },
            { variant: 'dark', weight: 33_333 },
            { variant: 'contrast', weight: 33_333 },
          ],
        },
      }),
    );
    await ok(
      await patchConfig(api, 'page-size', env, {
        enabled: env === 'production',
        offVariant: 'small',
        rules: [{ id: 'big', conditions: [{ attribute: 'age', operator: 'gte', values: [30] }], serve: { variant: 'large' } }],
        fallthrough: { variant: 'small' },
      }),
    );
    await ok(
      await patchConfig(api, 'banner', env, {
        enabled: true,
        offVariant: 'none',
        rules: [
          { id: 'vip', conditions: [{ attribute: 'email', operator: 'in', values: ['vip@example.com'] }], serve: { variant: 'sale' } },
        ],
        fallthrough: { variant: 'none' },
      }),
    );
  }
  await createFlag(api, 'retired');
  const retired = (await api.get('/api/admin/flags/retired')).json() as { version: number };
  await ok(await api.patch('/api/admin/flags/retired', { version: retired.version, archived: true }));
});

afterAll(async () => {
  await Promise.all([source, ...fresh].map((a) => a?.close()));
});

/** A deterministic generator (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function contexts(n: number): Record<string, string | number>[] {
  const next = random(14);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => ({
    userId: pick([`u-${i}`, 'u-vip', 'u-banned']),
    accountId: `acct-${Math.floor(next() * 500)}`,
    country: pick(['DE', 'FR', 'US', 'IT', 'JP']),
    plan: pick(['free', 'pro']),
    email: pick([`p${i}@ACME.com`, `p${i}@example.com`, 'vip@example.com']),
    appVersion: pick(['1.9.3', '2.0.0', '2.4.1']),
    age: Math.floor(next() * 60),
  }));
}

function typedDefault(snapshot: Snapshot, key: string): unknown {
  const type = (snapshot.flags[key] as { type?: unknown } | undefined)?.type;
  return type === 'boolean' ? false : type === 'string' ? '' : type === 'number' ? 0 : null;
}

describe('GET /api/admin/environments/:env/export', () => {
  it("lists segments and live flags by key, with the environment's config and every version", async () => {
    const doc = await exportOf(api, 'production');
    expect(doc.environment).toBe('production');
    expect(doc.segments.map((s) => s.key)).toEqual(['eu', 'eu-pro']);
    expect(doc.flags.map((f) => f.key)).toEqual(['banner', 'checkout-base', 'new-checkout', 'page-size', 'theme']);
    const nc = doc.flags.find((f) => f.key === 'new-checkout')!;
    expect(nc.config).toMatchObject({ salt: 'nc-production', fallthrough: { bucketBy: 'accountId' } });
    expect(nc.config.version).toBe(2);
    expect(nc.version).toBe(1);
    const bare = await exportOf(api, 'production', false);
    expect(bare.flags.every((f) => f.version === undefined && f.config.version === undefined)).toBe(true);
    expect(bare.segments.every((s) => s.version === undefined)).toBe(true);
  });

  it('answers 404 for an unknown environment', async () => {
    expect((await api.get('/api/admin/environments/nowhere/export')).statusCode).toBe(404);
  });
});

describe('round trip', () => {
  it('exports, applies to a fresh server and exports the same; both snapshots evaluate alike on 10,000 contexts', async () => {
    const target = await freshServer();
    // Without versions: a file with versions pins the server it was read from (see docs/decisions/flags-as-code.md).
    for (const env of ['production', 'staging']) {
      const doc = await exportOf(api, env, false);
      const res = await target.post(`/api/admin/environments/${env}/import`, doc);
      await ok(res);
      expect((res.json() as ImportResult).changes.length).toBeGreaterThan(0);
    }
    for (const env of ['production', 'staging']) {
      expect(await exportOf(target, env, false)).toEqual(await exportOf(api, env, false));
      const a = (await api.get('/api/sdk/flags', { key: (await createKey(api, 'server', env)).key })).json() as Snapshot;
      const b = (await target.get('/api/sdk/flags', { key: (await createKey(target, 'server', env)).key })).json() as Snapshot;
      expect(Object.keys(b.flags).sort()).toEqual(Object.keys(a.flags).sort());
      let differing = 0;
      const served = new Set<string>();
      for (const context of contexts(10_000)) {
        for (const key of Object.keys(a.flags)) {
          const fallback = typedDefault(a, key);
          const ra = evaluate(a, key, context, fallback);
          const rb = evaluate(b, key, context, fallback);
          if (JSON.stringify(ra) !== JSON.stringify(rb)) differing++;
          served.add(`${key}:${ra.variant ?? ra.errorCode}`);
        }
      }
      expect(differing).toBe(0);
      // The contexts reach every variant that targeting can serve, so the comparison means something.
      const expected = [
        'banner:none',
        'banner:sale',
        'checkout-base:on',
        'new-checkout:off',
        'new-checkout:on',
        'page-size:large',
        'page-size:small',
      ];
      expected.push('theme:contrast', 'theme:dark', 'theme:light');
      expect([...served].sort()).toEqual(env === 'production' ? expected : expected.filter((v) => v !== 'page-size:large'));
    }
  });

  it('changes nothing when the same export is imported again', async () => {
    const target = await freshServer();
    const doc = await exportOf(api, 'production');
    await ok(await target.post('/api/admin/environments/production/import', doc));
    const again = await exportOf(target, 'production');
    const before = await auditCount(target);
    const res = await target.post('/api/admin/environments/production/import', again);
    await ok(res);
    expect((res.json() as ImportResult).changes).toEqual([]);
    expect(await auditCount(target)).toBe(before);
  });
});

describe('POST /api/admin/environments/:env/import', () => {
  it('plans with dryRun: the changes, and nothing written', async () => {
    const doc = await exportOf(api, 'production');
    doc.flags.find((f) => f.key === 'page-size')!.config.enabled = false;
    doc.segments.find((s) => s.key === 'eu')!.included = ['u-1'];
    const audits = await auditCount(api);
    const res = await api.post('/api/admin/environments/production/import', { ...doc, dryRun: true });
    await ok(res);
    const plan = res.json() as ImportResult;
    expect(plan.dryRun).toBe(true);
    expect(plan.changes.map((c) => [c.kind, c.key, c.action, c.fields])).toEqual([
      ['segment', 'eu', 'update', ['included']],
      ['config', 'page-size', 'update', ['enabled']],
    ]);
    expect(plan.changes[1]!.before).toEqual({ version: 2, enabled: true });
    expect(plan.changes[1]!.after).toEqual({ version: 3, enabled: false });
    expect(await auditCount(api)).toBe(audits);
    expect(await exportOf(api, 'production')).toEqual(await exportOf(api, 'production'));
    expect((await exportOf(api, 'production')).flags.find((f) => f.key === 'page-size')!.config.enabled).toBe(true);
  });

  it('refuses the whole import (412, naming the flag) when a config it read has changed since', async () => {
    const target = await freshServer();
    await ok(await target.post('/api/admin/environments/production/import', await exportOf(api, 'production')));
    const doc = await exportOf(target, 'production');
    doc.flags.find((f) => f.key === 'banner')!.config.enabled = false;
    doc.flags.find((f) => f.key === 'theme')!.config.fallthrough = { variant: 'dark' };
    await ok(await patchConfig(target, 'theme', 'production', { enabled: false }));
    const audits = await auditCount(target);
    const res = await target.post('/api/admin/environments/production/import', doc);
    expect(res.statusCode, res.body).toBe(412);
    expect(res.json()).toMatchObject({ error: { code: 'PRECONDITION_FAILED', field: 'flags.theme.config.version' } });
    expect(res.json().error.message).toContain('flags.theme.config');
    expect(await auditCount(target)).toBe(audits);
    expect((await exportOf(target, 'production')).flags.find((f) => f.key === 'banner')!.config.enabled).toBe(true);
  });

  it('validates like every write: a bad config is a 400 naming it, and nothing (not even earlier items) is written', async () => {
    const target = await freshServer();
    const doc = await exportOf(api, 'production');
    doc.flags.find((f) => f.key === 'theme')!.config.fallthrough = { variant: 'purple' };
    const audits = await auditCount(target);
    const res = await target.post('/api/admin/environments/production/import', doc);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.field).toMatch(/^flags\.theme\.config\./);
    expect((await exportOf(target, 'production')).flags).toEqual([]);
    expect((await exportOf(target, 'production')).segments).toEqual([]);
    expect(await auditCount(target)).toBe(audits);
  });

  it('refuses (409, nothing written) an import into staging that changes a segment production uses while it requires approvals', async () => {
    const target = await freshServer();
    await ok(await target.post('/api/admin/environments/production/import', await exportOf(api, 'production')));
    await ok(await target.patch('/api/admin/environments/production', { requiredApprovals: 1 }));
    const doc = await exportOf(target, 'staging');
    doc.segments.find((s) => s.key === 'eu')!.included = ['u-sneaky'];
    const audits = await auditCount(target);
    const res = await target.post('/api/admin/environments/staging/import', doc);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error.message).toMatch(/segment "eu".*production \("new-checkout"\)/);
    expect(await auditCount(target)).toBe(audits);
    expect((await exportOf(target, 'staging')).segments.find((s) => s.key === 'eu')!.included ?? []).toEqual([]);
  });

  it('refuses a segment referring to one that is neither in the file nor on the server', async () => {
    const target = await freshServer();
    const doc = await exportOf(api, 'production');
    doc.segments = doc.segments.filter((s) => s.key !== 'eu');
    const res = await target.post('/api/admin/environments/production/import', { ...doc, flags: [] });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toContain('eu');
    expect((await exportOf(target, 'production')).segments).toEqual([]);
  });

  it('takes a document larger than the server-wide 1 MiB body limit', async () => {
    const doc = await exportOf(api, 'production');
    const big = {
      ...doc,
      environment: 'staging',
      flags: Array.from({ length: 700 }, (_, i) => ({ ...doc.flags[0]!, key: `big-${i}`, description: 'x'.repeat(2000) })),
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    // Read and validated (this one is refused for naming another environment), not turned away as too large.
    const res = await api.post('/api/admin/environments/production/import', big);
    expect(res.statusCode, res.body.slice(0, 200)).toBe(400);
    expect(res.json().error.field).toBe('environment');
  });

  it('refuses an export of another environment, duplicate keys, a changed variant set and an unknown environment', async () => {
    const doc = await exportOf(api, 'production');
    let res = await api.post('/api/admin/environments/staging/import', doc);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('environment');
    res = await api.post('/api/admin/environments/production/import', { ...doc, flags: [doc.flags[0], doc.flags[0]] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('flags[1].key');
    const changed = structuredClone(doc);
    changed.flags.find((f) => f.key === 'theme')!.variants = { light: 'light', dark: 'dark' };
    res = await api.post('/api/admin/environments/production/import', changed);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error.field).toBe('flags.theme.variants');
    res = await api.post('/api/admin/environments/nowhere/import', { segments: [], flags: [] });
    expect(res.statusCode).toBe(404);
    res = await api.post('/api/admin/environments/production/import', { segments: [], flags: [{ key: 'x' }] });
    expect(res.statusCode).toBe(400);
  });
});

describe('POST /api/admin/flags/:key/promote', () => {
  it("copies staging's config to production as a new version there, and a dry run shows it without writing", async () => {
    const target = await freshServer();
    await createFlag(target, 'promo');
    await ok(
      await patchConfig(target, 'promo', 'staging', {
        enabled: true,
        salt: 'promo-v2',
        rules: [{ id: 'beta', conditions: [{ attribute: 'plan', operator: 'eq', values: ['beta'] }], serve: { variant: 'on' } }],
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 5_000 },
            { variant: 'off', weight: 95_000 },
          ],
          bucketBy: 'accountId',
        },
      }),
    );
    const audits = await auditCount(target);
    const dry = await target.post('/api/admin/flags/promo/promote', { from: 'staging', to: 'production', dryRun: true });
    await ok(dry);
    expect(dry.json()).toMatchObject({ dryRun: true, fields: ['enabled', 'fallthrough', 'rules', 'salt'], after: { version: 2 } });
    expect(dry.json().config.version).toBe(1);
    expect(await auditCount(target)).toBe(audits);

    const res = await target.post('/api/admin/flags/promo/promote', { from: 'staging', to: 'production', toVersion: 1 });
    await ok(res);
    expect(res.json()).toMatchObject({ dryRun: false, fromVersion: 2, before: { version: 1, enabled: false }, config: { version: 2 } });
    const [staging, production] = await Promise.all(
      ['staging', 'production'].map(async (env) => (await target.get(`/api/admin/flags/promo/environments/${env}`)).json()),
    );
    for (const field of ['enabled', 'offVariant', 'fallthrough', 'rules', 'prerequisites', 'salt'])
      expect(production[field]).toEqual(staging[field]);
    expect(await auditCount(target)).toBe(audits + 1);

    const again = await target.post('/api/admin/flags/promo/promote', { from: 'staging', to: 'production' });
    await ok(again);
    expect(again.json()).toMatchObject({ fields: [], config: { version: 2 } });
  });

  it('refuses a stale version, the same environment twice, and unknown flags or environments', async () => {
    const target = await freshServer();
    await createFlag(target, 'promo');
    await ok(await patchConfig(target, 'promo', 'staging', { enabled: true }));
    let res = await target.post('/api/admin/flags/promo/promote', { from: 'staging', to: 'production', fromVersion: 1 });
    expect(res.statusCode).toBe(412);
    expect(res.json().error.field).toBe('fromVersion');
    res = await target.post('/api/admin/flags/promo/promote', { from: 'staging', to: 'production', toVersion: 3 });
    expect(res.statusCode).toBe(412);
    expect(res.json().error.field).toBe('toVersion');
    res = await target.post('/api/admin/flags/promo/promote', { from: 'staging', to: 'staging' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('to');
    expect((await target.post('/api/admin/flags/nope/promote', { from: 'staging', to: 'production' })).statusCode).toBe(404);
    expect((await target.post('/api/admin/flags/promo/promote', { from: 'qa', to: 'production' })).statusCode).toBe(404);
    expect((await target.get('/api/admin/flags/promo/environments/production')).json()).toMatchObject({ version: 1, enabled: false });
  });
});
