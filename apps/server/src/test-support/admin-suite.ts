/**
 * Admin API routes, run against whichever database the calling test file built the app
 * on (PGlite in `routes.test.ts`, real Postgres in `routes.int.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { App } from '../app.js';
import { dumpDatabase } from './app.js';
import { auditCount, configVersion, createFlag, createKey, http, ifMatch, patchConfig, type Http } from './http.js';

export interface SuiteContext {
  app: App;
  /** http://127.0.0.1:PORT of the listening app. */
  baseUrl: string;
}

const config = (key: string, env: string) => `/api/admin/flags/${key}/environments/${env}`;

async function snapshot(
  api: Http,
  key: string,
): Promise<{ revision: number; flags: Record<string, { version: number; enabled: boolean }> }> {
  const res = await api.get('/api/sdk/flags', { key });
  expect(res.statusCode).toBe(200);
  return res.json();
}

export function adminSuite(ctx: SuiteContext): void {
  let api: Http;
  const setup = () => {
    api = http(ctx.app);
  };

  describe('environments', () => {
    it('starts with development, staging and production', async () => {
      setup();
      const res = await api.get('/api/admin/environments');
      expect(res.statusCode).toBe(200);
      const keys = (res.json() as { environments: { key: string }[] }).environments.map((e) => e.key);
      expect(keys).toEqual(expect.arrayContaining(['development', 'staging', 'production']));
    });

    it('creates, renames and deletes an environment; flags get a disabled config in it', async () => {
      setup();
      await createFlag(api, 'env-test-flag');
      const created = await api.post('/api/admin/environments', { key: 'qa', name: 'QA' });
      expect(created.statusCode).toBe(201);
      expect((await api.post('/api/admin/environments', { key: 'qa' })).statusCode).toBe(409);
      const cfg = await api.get(config('env-test-flag', 'qa'));
      expect(cfg.statusCode).toBe(200);
      expect(cfg.json()).toMatchObject({ enabled: false, version: 1, offVariant: 'off' });
      const renamed = await api.patch('/api/admin/environments/qa', { name: 'Quality' });
      expect(renamed.json()).toMatchObject({ key: 'qa', name: 'Quality' });

      const key = await createKey(api, 'server', 'qa');
      const blocked = await api.del('/api/admin/environments/qa');
      expect(blocked.statusCode).toBe(409);
      expect((await api.del(`/api/admin/api-keys/${key.id}`)).statusCode).toBe(204);
      expect((await api.del('/api/admin/environments/qa')).statusCode).toBe(204);
      expect((await api.get('/api/admin/environments/qa')).statusCode).toBe(404);
      expect((await api.get(config('env-test-flag', 'qa'))).statusCode).toBe(404);
    });
  });

  describe('flags', () => {
    it('creates a boolean flag disabled in every environment, serving the off variant', async () => {
      setup();
      const res = await api.post('/api/admin/flags', {
        key: 'checkout',
        type: 'boolean',
        name: 'Checkout',
        tags: ['team-a'],
        clientSide: true,
      });
      expect(res.statusCode).toBe(201);
      const flag = res.json();
      expect(flag).toMatchObject({
        key: 'checkout',
        name: 'Checkout',
        type: 'boolean',
        variants: { on: true, off: false },
        version: 1,
        clientSide: true,
        archived: false,
        temporary: true,
      });
      for (const env of ['development', 'staging', 'production']) {
        expect(flag.environments[env]).toMatchObject({
          enabled: false,
          offVariant: 'off',
          fallthrough: { variant: 'off' },
          rules: [],
          prerequisites: [],
          salt: 'checkout',
          version: 1,
        });
      }
      const got = await api.get('/api/admin/flags/checkout');
      expect(got.headers.etag).toBe('"1"');
      expect((await api.post('/api/admin/flags', { key: 'checkout', type: 'boolean' })).statusCode).toBe(409);
    });

    it('needs variants for non-boolean flags and serves the first one when off', async () => {
      setup();
      const missing = await api.post('/api/admin/flags', { key: 'theme', type: 'string' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.field).toBe('variants');
      const ok = await api.post('/api/admin/flags', { key: 'theme', type: 'string', variants: { light: 'light', dark: 'dark' } });
      expect(ok.statusCode).toBe(201);
      expect(ok.json().environments.production).toMatchObject({ offVariant: 'light', fallthrough: { variant: 'light' } });
      const wrongType = await api.post('/api/admin/flags', { key: 'limit', type: 'number', variants: { low: '10' } });
      expect(wrongType.statusCode).toBe(400);
      expect(wrongType.json().error.field).toBe('variants.low');
    });

    it('edits metadata with If-Match: stale is 412 and writes nothing, missing is 428', async () => {
      setup();
      await createFlag(api, 'meta');
      const ok = await api.patch('/api/admin/flags/meta', { description: 'first' }, ifMatch(1));
      expect(ok.statusCode).toBe(200);
      expect(ok.headers.etag).toBe('"2"');
      const stale = await api.patch('/api/admin/flags/meta', { description: 'second' }, ifMatch(1));
      expect(stale.statusCode).toBe(412);
      expect(stale.json().error.code).toBe('PRECONDITION_FAILED');
      expect(stale.headers.etag).toBe('"2"');
      expect((await api.get('/api/admin/flags/meta')).json().description).toBe('first');
      const missing = await api.patch('/api/admin/flags/meta', { description: 'third' });
      expect(missing.statusCode).toBe(428);
      const viaBody = await api.patch('/api/admin/flags/meta', { version: 2, owner: 'team-b' });
      expect(viaBody.statusCode).toBe(200);
      expect(viaBody.json()).toMatchObject({ owner: 'team-b', version: 3 });
    });

    it('changing variants publishes a new version of the flag in every environment', async () => {
      setup();
      await createFlag(api, 'colors', { type: 'string', variants: { red: 'red', blue: 'blue' } });
      const { key } = await createKey(api, 'server', 'staging');
      const before = await snapshot(api, key);
      const res = await api.patch('/api/admin/flags/colors', { variants: { red: 'red', blue: 'blue', green: 'green' } }, ifMatch(1));
      expect(res.statusCode).toBe(200);
      const after = await snapshot(api, key);
      expect(after.revision).toBe(before.revision + 1);
      expect(after.flags.colors!.version).toBe(before.flags.colors!.version + 1);
      const removing = await api.patch('/api/admin/flags/colors', { variants: { blue: 'blue' } }, ifMatch(2));
      expect(removing.statusCode).toBe(400);
      expect(removing.json().error.field).toMatch(/^environments\.\w+\.offVariant$/);
    });

    it('archives (leaving snapshots), lists archived on request, deletes only archived flags', async () => {
      setup();
      await createFlag(api, 'old-flag');
      const { key } = await createKey(api, 'server', 'development');
      expect(Object.keys((await snapshot(api, key)).flags)).toContain('old-flag');
      expect((await api.del('/api/admin/flags/old-flag', ifMatch(1))).statusCode).toBe(409);
      expect((await api.patch('/api/admin/flags/old-flag', { archived: true }, ifMatch(1))).statusCode).toBe(200);
      expect(Object.keys((await snapshot(api, key)).flags)).not.toContain('old-flag');
      const listed = (await api.get('/api/admin/flags')).json().flags.map((f: { key: string }) => f.key);
      expect(listed).not.toContain('old-flag');
      const all = (await api.get('/api/admin/flags?archived=true')).json().flags.map((f: { key: string }) => f.key);
      expect(all).toContain('old-flag');
      expect((await api.del('/api/admin/flags/old-flag')).statusCode).toBe(428);
      expect((await api.del('/api/admin/flags/old-flag', ifMatch(2))).statusCode).toBe(204);
      expect((await api.get('/api/admin/flags/old-flag')).statusCode).toBe(404);
    });

    it('refuses to archive a flag another flag depends on', async () => {
      setup();
      await createFlag(api, 'parent-flag');
      await createFlag(api, 'child-flag');
      const res = await patchConfig(api, 'child-flag', 'production', { prerequisites: [{ flag: 'parent-flag', variant: 'on' }] });
      expect(res.statusCode).toBe(200);
      const archive = await api.patch('/api/admin/flags/parent-flag', { archived: true }, ifMatch(1));
      expect(archive.statusCode).toBe(409);
      expect((await api.get('/api/admin/flags/parent-flag')).json().archived).toBe(false);
    });

    it('replays a create sent again with the same Idempotency-Key, refuses it with another body', async () => {
      setup();
      const headers = { 'idempotency-key': 'create-idem-1' };
      const first = await api.post('/api/admin/flags', { key: 'idem', type: 'boolean' }, { headers });
      const second = await api.post('/api/admin/flags', { key: 'idem', type: 'boolean' }, { headers });
      expect(first.statusCode).toBe(201);
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toEqual(first.json());
      const other = await api.post('/api/admin/flags', { key: 'idem-2', type: 'boolean' }, { headers });
      expect(other.statusCode).toBe(409);
      expect(other.json().error.field).toBe('Idempotency-Key');
      expect((await api.get('/api/admin/flags/idem-2')).statusCode).toBe(404);
    });
  });

  describe('flag configs', () => {
    it('reads a config with its version as ETag; the kill switch writes a new version and revision', async () => {
      setup();
      await createFlag(api, 'kill-me');
      const { key } = await createKey(api, 'server', 'production');
      const got = await api.get(config('kill-me', 'production'));
      expect(got.headers.etag).toBe('"1"');
      expect((await api.patch(config('kill-me', 'production'), { enabled: true }, ifMatch(1))).statusCode).toBe(200);
      const before = await snapshot(api, key);
      const killed = await api.patch(config('kill-me', 'production'), { enabled: false }, ifMatch(2));
      expect(killed.statusCode).toBe(200);
      expect(killed.headers.etag).toBe('"3"');
      expect(killed.json()).toMatchObject({ enabled: false, version: 3 });
      const after = await snapshot(api, key);
      expect(after.revision).toBe(before.revision + 1);
      expect(after.flags['kill-me']).toMatchObject({ enabled: false, version: 3 });
    });

    it('replaces a config with PUT, validating rules', async () => {
      setup();
      await createFlag(api, 'targeted');
      const body = {
        enabled: true,
        offVariant: 'off',
        rules: [
          { id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } },
          {
            id: 'eu',
            conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }],
            serve: {
              rollout: [
                { variant: 'on', weight: 50000 },
                { variant: 'off', weight: 50000 },
              ],
              bucketBy: 'userId',
            },
          },
        ],
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 10000 },
            { variant: 'off', weight: 90000 },
          ],
        },
      };
      const res = await api.put(config('targeted', 'staging'), body, ifMatch(1));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ ...body, version: 2, salt: 'targeted' });
      const bad = await api.put(
        config('targeted', 'staging'),
        { ...body, rules: [{ ...body.rules[0], serve: { variant: 'nope' } }] },
        ifMatch(2),
      );
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('rules[0].serve.variant');
      expect(await configVersion(api, 'targeted', 'staging')).toBe(2);
    });

    it('sets a rollout percentage in 0.001 % steps', async () => {
      setup();
      await createFlag(api, 'ramp');
      const res = await api.put(`${config('ramp', 'production')}/rollout`, { percentage: 12.345 }, ifMatch(1));
      expect(res.statusCode).toBe(200);
      expect(res.json().fallthrough).toEqual({
        rollout: [
          { variant: 'on', weight: 12345 },
          { variant: 'off', weight: 87655 },
        ],
      });
      expect((await api.put(`${config('ramp', 'production')}/rollout`, { percentage: 20 })).statusCode).toBe(428);
      const tooFine = await api.put(`${config('ramp', 'production')}/rollout`, { percentage: 1.0001 }, ifMatch(2));
      expect(tooFine.statusCode).toBe(400);
      expect(tooFine.json().error.field).toBe('percentage');
      await createFlag(api, 'ramp-string', { type: 'string', variants: { a: 'a', b: 'b' } });
      const noVariant = await api.put(`${config('ramp-string', 'production')}/rollout`, { percentage: 5 }, ifMatch(1));
      expect(noVariant.statusCode).toBe(400);
      expect(noVariant.json().error.field).toBe('variant');
      const withVariant = await api.put(`${config('ramp-string', 'production')}/rollout`, { percentage: 5, variant: 'b' }, ifMatch(1));
      expect(withVariant.json().fallthrough.rollout).toEqual([
        { variant: 'b', weight: 5000 },
        { variant: 'a', weight: 95000 },
      ]);
    });

    it('restores an earlier version as a new version and lists the history', async () => {
      setup();
      await createFlag(api, 'restorable');
      await api.patch(config('restorable', 'development'), { enabled: true, salt: 'x' }, ifMatch(1));
      await api.patch(config('restorable', 'development'), { enabled: false }, ifMatch(2));
      const res = await api.post(`${config('restorable', 'development')}/restore`, { restoreVersion: 2 }, ifMatch(3));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ version: 4, enabled: true, salt: 'x' });
      expect((await api.post(`${config('restorable', 'development')}/restore`, { restoreVersion: 99 }, ifMatch(4))).statusCode).toBe(404);
      expect((await api.post(`${config('restorable', 'development')}/restore`, { restoreVersion: 1 })).statusCode).toBe(428);
      const history = await api.get(`${config('restorable', 'development')}/versions`);
      expect(history.json().versions.map((v: { version: number }) => v.version)).toEqual([4, 3, 2, 1]);
    });

    it('refuses a prerequisite cycle at write time and writes nothing', async () => {
      setup();
      await createFlag(api, 'cycle-a');
      await createFlag(api, 'cycle-b');
      expect(
        (await api.patch(config('cycle-a', 'production'), { prerequisites: [{ flag: 'cycle-b', variant: 'on' }] }, ifMatch(1))).statusCode,
      ).toBe(200);
      const res = await api.patch(config('cycle-b', 'production'), { prerequisites: [{ flag: 'cycle-a', variant: 'on' }] }, ifMatch(1));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe('prerequisites');
      expect(await configVersion(api, 'cycle-b', 'production')).toBe(1);
      const unknown = await api.patch(
        config('cycle-b', 'production'),
        { prerequisites: [{ flag: 'no-such-flag', variant: 'on' }] },
        ifMatch(1),
      );
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.field).toBe('prerequisites[0].flag');
    });
  });

  describe('segments', () => {
    it('creates, edits with If-Match, and refuses cycles and deleting what is in use', async () => {
      setup();
      const created = await api.post('/api/admin/segments', { key: 'beta', included: ['user-1'], conditions: [] });
      expect(created.statusCode).toBe(201);
      expect((await api.get('/api/admin/segments/beta')).headers.etag).toBe('"1"');
      const edited = await api.patch('/api/admin/segments/beta', { excluded: ['user-2'] }, ifMatch(1));
      expect(edited.statusCode).toBe(200);
      expect(edited.json()).toMatchObject({ version: 2, included: ['user-1'], excluded: ['user-2'] });
      expect((await api.patch('/api/admin/segments/beta', { excluded: [] }, ifMatch(1))).statusCode).toBe(412);

      await api.post('/api/admin/segments', { key: 'gamma', conditions: [{ operator: 'inSegment', values: ['beta'] }] });
      const cycle = await api.patch('/api/admin/segments/beta', { conditions: [{ operator: 'inSegment', values: ['gamma'] }] }, ifMatch(2));
      expect(cycle.statusCode).toBe(400);
      expect(cycle.json().error.field).toBe('conditions');

      await createFlag(api, 'seg-user');
      const rule = {
        id: 'beta',
        conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['gamma'] }],
        serve: { variant: 'on' },
      };
      expect((await api.patch(config('seg-user', 'staging'), { rules: [rule] }, ifMatch(1))).statusCode).toBe(200);
      expect((await api.del('/api/admin/segments/gamma', ifMatch(1))).statusCode).toBe(409);
      expect((await api.patch(config('seg-user', 'staging'), { rules: [] }, ifMatch(2))).statusCode).toBe(200);
      expect((await api.del('/api/admin/segments/gamma', ifMatch(1))).statusCode).toBe(204);
      const dangling = await api.patch(config('seg-user', 'staging'), { rules: [rule] }, ifMatch(3));
      expect(dangling.statusCode).toBe(400);
      expect(dangling.json().error.field).toBe('rules[0].conditions');
    });
  });

  describe('api keys', () => {
    it('shows the secret once, lists keys without it, and the database holds only hashes', async () => {
      setup();
      const created = await api.post('/api/admin/api-keys', { kind: 'client', environment: 'production', name: 'web' });
      expect(created.statusCode).toBe(201);
      const { key, id, hint } = created.json();
      expect(key).toMatch(/^sb_client_[A-Za-z0-9_-]{43}$/);
      expect(hint).toBe(`${key.slice(0, 14)}…`);
      const listed = await api.get('/api/admin/api-keys');
      expect(listed.body).not.toContain(key);
      expect(listed.json().apiKeys.find((k: { id: string }) => k.id === id)).toMatchObject({
        kind: 'client',
        environment: 'production',
        name: 'web',
      });

      const secrets = [key];
      for (let i = 0; i < 5; i++) secrets.push((await createKey(api, 'server', 'staging')).key);
      // Idempotent creates store their answer for replay: that copy must not hold the secret either.
      const idempotent = await api.post(
        '/api/admin/api-keys',
        { kind: 'server', environment: 'staging', name: 'retried' },
        { headers: { 'idempotency-key': 'key-secret-dump' } },
      );
      expect(idempotent.statusCode).toBe(201);
      secrets.push(idempotent.json().key);
      expect((await api.get('/api/sdk/flags', { key: idempotent.json().key })).statusCode).toBe(200);
      const { tables, text: dump } = await dumpDatabase(ctx.app);
      expect(tables).toEqual(expect.arrayContaining(['api_keys', 'audit_events', 'idempotency_keys']));
      for (const secret of secrets) {
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(secret.slice(14));
      }
      const audit = await api.get('/api/admin/audit?limit=500');
      for (const secret of secrets) expect(audit.body).not.toContain(secret);
    });

    it('checks kind and environment', async () => {
      setup();
      const adminWithEnv = await api.post('/api/admin/api-keys', { kind: 'admin', environment: 'production', name: 'x' });
      expect(adminWithEnv.statusCode).toBe(400);
      expect(adminWithEnv.json().error.field).toBe('environment');
      expect((await api.post('/api/admin/api-keys', { kind: 'server', name: 'x' })).json().error.field).toBe('environment');
      expect((await api.post('/api/admin/api-keys', { kind: 'server', environment: 'nowhere', name: 'x' })).statusCode).toBe(400);
      expect((await api.post('/api/admin/api-keys', { kind: 'root', name: 'x' })).json().error.field).toBe('kind');
    });

    it('revoking a key refuses it from then on; admin keys from the database work', async () => {
      setup();
      const adminKey = await createKey(api, 'admin');
      expect((await api.get('/api/admin/flags', { key: adminKey.key })).statusCode).toBe(200);
      const server = await createKey(api, 'server', 'production');
      expect((await api.get('/api/sdk/flags', { key: server.key })).statusCode).toBe(200);
      expect((await api.del(`/api/admin/api-keys/${server.id}`, { key: adminKey.key })).statusCode).toBe(204);
      expect((await api.get('/api/sdk/flags', { key: server.key })).statusCode).toBe(401);
      const listed = await api.get('/api/admin/api-keys?revoked=true');
      expect(listed.json().apiKeys.find((k: { id: string }) => k.id === server.id).revokedAt).not.toBeNull();
      const events = (await api.get('/api/admin/audit?action=api-key.revoke')).json().events;
      expect(events[0]).toMatchObject({ subject: server.id, keyId: adminKey.id, actor: 'admin-all' });
    });
  });

  describe('audit', () => {
    it('records one event per write, queryable by flag, environment and time, paginated', async () => {
      setup();
      const start = new Date(Date.now() - 1000).toISOString();
      const before = await auditCount(api);
      await createFlag(api, 'audited');
      await api.patch(config('audited', 'staging'), { enabled: true }, ifMatch(1));
      await api.patch(config('audited', 'production'), { enabled: true }, ifMatch(1));
      await api.patch(config('audited', 'production'), { enabled: false }, ifMatch(2));
      expect(await auditCount(api)).toBe(before + 4);

      const byFlag = (await api.get('/api/admin/audit?flag=audited')).json().events;
      expect(byFlag.map((e: { action: string }) => e.action)).toEqual(['config.kill', 'config.enable', 'config.enable', 'flag.create']);
      expect(byFlag[0]).toMatchObject({
        flagKey: 'audited',
        environment: 'production',
        actor: 'ADMIN_TOKEN',
        before: { enabled: true, version: 2 },
        after: { enabled: false, version: 3 },
      });
      expect(byFlag[0].requestId).toEqual(expect.any(String));
      expect(byFlag[0].revision).toEqual(expect.any(Number));

      const byEnv = (await api.get('/api/admin/audit?flag=audited&environment=production')).json().events;
      expect(byEnv).toHaveLength(2);
      const future = new Date(Date.now() + 60_000).toISOString();
      expect((await api.get(`/api/admin/audit?flag=audited&since=${future}`)).json().events).toHaveLength(0);
      expect((await api.get(`/api/admin/audit?flag=audited&since=${start}&until=${future}`)).json().events).toHaveLength(4);

      const page1 = (await api.get('/api/admin/audit?flag=audited&limit=3')).json();
      expect(page1.events).toHaveLength(3);
      const page2 = (await api.get(`/api/admin/audit?flag=audited&limit=3&cursor=${page1.nextCursor}`)).json();
      expect(page2.events.map((e: { action: string }) => e.action)).toEqual(['flag.create']);
      expect(page2.nextCursor).toBeNull();
    });

    it('is append-only in the database', async () => {
      await expect(ctx.app.database.db.execute(sql`delete from audit_events`)).rejects.toThrow();
      await expect(ctx.app.database.db.execute(sql`update audit_events set actor = 'x'`)).rejects.toThrow();
    });
  });
}
