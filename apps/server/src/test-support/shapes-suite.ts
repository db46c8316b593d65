/**
 * The admin API's shapes and preconditions as a client sees them: what a write must
 * name, what a refusal says, and what is read back. Run on PGlite (routes.test.ts) and
 * real Postgres (routes.int.test.ts), since storage decides some of it (key order).
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '@switchboard/api-contract';
import type { SuiteContext } from './admin-suite.js';
import { auditCount, createFlag, http, ifMatch, type Http } from './http.js';

const config = (key: string, env: string) => `/api/admin/flags/${key}/environments/${env}`;

export function shapesSuite(ctx: SuiteContext): void {
  let api: Http;
  const setup = () => {
    api = http(ctx.app);
  };

  describe('config edits check If-Match first', () => {
    // Each edit route with a body that is valid as a schema but that the flag would refuse:
    // a stale version must be answered for what it is (412 with the current ETag), not the content.
    const edits: [string, 'put' | 'patch' | 'post', string, unknown][] = [
      ['PATCH', 'patch', '', { offVariant: 'no-such-variant' }],
      ['PATCH with a valid body', 'patch', '', { enabled: true }],
      ['PUT', 'put', '', { enabled: true, offVariant: 'off', fallthrough: { variant: 'no-such-variant' } }],
      ['rollout', 'put', '/rollout', { percentage: 30, variant: 'no-such-variant' }],
      ['restore', 'post', '/restore', { restoreVersion: 99 }],
    ];
    for (const [name, method, suffix, body] of edits) {
      it(`${name}: a stale If-Match is 412 with the current version as ETag, before the body is judged`, async () => {
        setup();
        const key = `stale-${name.toLowerCase().replace(/ /g, '-')}`;
        await createFlag(api, key);
        for (const enabled of [true, false])
          expect((await api.patch(config(key, 'staging'), { enabled }, ifMatch(enabled ? 1 : 2))).statusCode).toBe(200);
        const before = await auditCount(api);

        const res = await api[method](`${config(key, 'staging')}${suffix}`, body, ifMatch(1));
        expect(res.statusCode, res.body).toBe(412);
        expect(res.headers.etag).toBe('"3"');
        expect(res.json().error).toMatchObject({ code: 'PRECONDITION_FAILED', field: 'If-Match' });
        expect(res.json().error.message).toContain('current version is 3');
        expect(await auditCount(api)).toBe(before);
        expect((await api.get(config(key, 'staging'))).json().version).toBe(3);
      });
    }
  });

  describe('restore names its two numbers', () => {
    it('takes restoreVersion with the current version as If-Match, and refuses a body version naming it', async () => {
      setup();
      await createFlag(api, 'restore-shape');
      await api.patch(config('restore-shape', 'development'), { enabled: true }, ifMatch(1));
      const before = await auditCount(api);

      const old = await api.post(`${config('restore-shape', 'development')}/restore`, { version: 1 }, ifMatch(2));
      expect(old.statusCode).toBe(400);
      expect(old.json().error.field).toBe('version');
      expect(old.json().error.message).toContain('restoreVersion');
      const both = await api.post(`${config('restore-shape', 'development')}/restore`, { version: 2, restoreVersion: 1 }, ifMatch(2));
      expect(both.statusCode).toBe(400);
      expect(both.json().error.field).toBe('version');
      expect(await auditCount(api)).toBe(before);

      const res = await api.post(`${config('restore-shape', 'development')}/restore`, { restoreVersion: 1 }, ifMatch(2));
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"3"');
      expect(res.json()).toMatchObject({ version: 3, enabled: false });
    });
  });

  describe('audit ?action=', () => {
    it('lists its values in the schema and refuses an unknown one naming the field', async () => {
      setup();
      const res = await api.get('/api/admin/audit?action=config.delete');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe('action');
      expect(res.json().error.message).toContain('config.kill');

      const doc = (await api.get('/docs/json')).json() as {
        paths: Record<string, { get: { parameters: { name: string; schema: { enum?: string[] } }[] } }>;
      };
      const param = doc.paths['/api/admin/audit']!.get.parameters.find((p) => p.name === 'action');
      expect(param?.schema.enum).toEqual([...AUDIT_ACTIONS]);
    });

    it('filters by a listed action, and every action the writes below record is listed', async () => {
      setup();
      await createFlag(api, 'audit-actions');
      await api.patch(config('audit-actions', 'production'), { enabled: true }, ifMatch(1));
      await api.patch(config('audit-actions', 'production'), { enabled: false }, ifMatch(2));
      await api.put(`${config('audit-actions', 'production')}/rollout`, { percentage: 10 }, ifMatch(3));
      await api.post(`${config('audit-actions', 'production')}/restore`, { restoreVersion: 1 }, ifMatch(4));
      const events = (await api.get('/api/admin/audit?flag=audit-actions')).json().events as { action: string }[];
      expect(events.map((e) => e.action)).toEqual(['config.restore', 'config.rollout', 'config.kill', 'config.enable', 'flag.create']);
      for (const e of events) expect(AUDIT_ACTIONS).toContain(e.action);
      const kills = (await api.get('/api/admin/audit?flag=audit-actions&action=config.kill')).json().events as { action: string }[];
      expect(kills.map((e) => e.action)).toEqual(['config.kill']);
    });
  });
  describe('rule ids', () => {
    it('are generated when omitted (the first free rule-<n>), answered, and kept on later edits', async () => {
      setup();
      await createFlag(api, 'rule-ids');
      const serve = { variant: 'on' };
      const rules = [
        { conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }], serve },
        { id: 'rule-2', conditions: [{ attribute: 'plan', operator: 'in', values: ['pro'] }], serve },
        { conditions: [{ attribute: 'beta', operator: 'in', values: [true] }], serve },
      ];
      const res = await api.patch(config('rule-ids', 'staging'), { rules }, ifMatch(1));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().rules.map((r: { id: string }) => r.id)).toEqual(['rule-1', 'rule-2', 'rule-3']);
      const again = await api.patch(config('rule-ids', 'staging'), { enabled: true }, ifMatch(2));
      expect(again.json().rules.map((r: { id: string }) => r.id)).toEqual(['rule-1', 'rule-2', 'rule-3']);
      const put = await api.put(
        config('rule-ids', 'staging'),
        { enabled: true, offVariant: 'off', fallthrough: serve, rules: [rules[0]] },
        ifMatch(3),
      );
      expect(put.json().rules).toEqual([{ id: 'rule-1', ...rules[0] }]);
      const dup = await api.patch(config('rule-ids', 'staging'), { rules: [{ ...rules[1] }, { ...rules[1] }] }, ifMatch(4));
      expect(dup.statusCode).toBe(400);
      expect(dup.json().error.field).toBe('rules[1].id');
    });
  });

  describe('client-side flags and server-only prerequisites', () => {
    it('refuses a client-side flag depending on a server-only one, naming the prerequisite, in every way the pair can be made', async () => {
      setup();
      await createFlag(api, 'server-parent');
      await createFlag(api, 'client-child', { clientSide: true });
      const before = await auditCount(api);

      const direct = await api.patch(
        config('client-child', 'production'),
        { prerequisites: [{ flag: 'server-parent', variant: 'on' }] },
        ifMatch(1),
      );
      expect(direct.statusCode).toBe(400);
      expect(direct.json().error.field).toBe('prerequisites[0].flag');
      expect(direct.json().error.message).toContain('"server-parent" is server-only');

      // A server-only flag with the prerequisite can't become client-side…
      await createFlag(api, 'server-child');
      expect(
        (await api.patch(config('server-child', 'production'), { prerequisites: [{ flag: 'server-parent', variant: 'on' }] }, ifMatch(1)))
          .statusCode,
      ).toBe(200);
      const exposed = await api.patch('/api/admin/flags/server-child', { clientSide: true }, ifMatch(1));
      expect(exposed.statusCode).toBe(400);
      expect(exposed.json().error.field).toBe('prerequisites[0].flag');

      // …and a client-side prerequisite can't turn server-only under a client-side flag.
      await createFlag(api, 'client-parent', { clientSide: true });
      expect(
        (await api.patch(config('client-child', 'production'), { prerequisites: [{ flag: 'client-parent', variant: 'on' }] }, ifMatch(1)))
          .statusCode,
      ).toBe(200);
      const hidden = await api.patch('/api/admin/flags/client-parent', { clientSide: false }, ifMatch(1));
      expect(hidden.statusCode).toBe(409);
      expect(hidden.json().error.field).toBe('flags.client-child.prerequisites[0].flag');
      expect(await auditCount(api)).toBe(before + 4);
    });
  });

  describe('rollout of one variant among several', () => {
    it('keeps the other variants in their proportions instead of dropping them for the off variant', async () => {
      setup();
      const variants = { light: 'light', dark: 'dark', contrast: 'contrast' };
      expect((await api.post('/api/admin/flags', { key: 'three-way', type: 'string', variants })).statusCode).toBe(201);
      const split = {
        rollout: [
          { variant: 'light', weight: 50_000 },
          { variant: 'dark', weight: 30_000 },
          { variant: 'contrast', weight: 20_000 },
        ],
        bucketBy: 'accountId',
      };
      expect((await api.patch(config('three-way', 'production'), { fallthrough: split }, ifMatch(1))).statusCode).toBe(200);
      const res = await api.put(`${config('three-way', 'production')}/rollout`, { percentage: 40, variant: 'dark' }, ifMatch(2));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().fallthrough).toEqual({
        rollout: [
          { variant: 'light', weight: 42_857 },
          { variant: 'dark', weight: 40_000 },
          { variant: 'contrast', weight: 17_143 },
        ],
        bucketBy: 'accountId',
      });
    });
  });

  describe("one shape for a flag's configs", () => {
    it('GET /flags/:key and GET /flags/:key/environments answer the same environments map, in environment order', async () => {
      setup();
      await createFlag(api, 'same-shape');
      await api.patch(config('same-shape', 'staging'), { enabled: true }, ifMatch(1));
      const flag = (await api.get('/api/admin/flags/same-shape')).json();
      const list = (await api.get('/api/admin/flags/same-shape/environments')).json();
      expect(list.flag).toBe('same-shape');
      expect(list.environments).toEqual(flag.environments);
      expect(Object.keys(list.environments)).toEqual(Object.keys(flag.environments));
      const envs = (await api.get('/api/admin/environments')).json().environments.map((e: { key: string }) => e.key);
      expect(Object.keys(list.environments)).toEqual(envs);
      expect(list.environments.staging).toMatchObject({ flag: 'same-shape', environment: 'staging', enabled: true, version: 2 });
    });
  });

  describe('order as written', () => {
    // jsonb would answer `dark, light, contrast` and `bg, accent, primary` (shortest key first).
    const variants = {
      light: { primary: '#1d4ed8', bg: '#ffffff', accent: { z: 1, a: 2 } },
      dark: { primary: '#93c5fd', bg: '#0b1120', accent: { z: 3, a: 4 } },
      contrast: { primary: '#ffff00', bg: '#000000', accent: { z: 5, a: 6 } },
    };
    const order = (v: unknown) => JSON.stringify(v);

    it('variants and the keys inside their values read back in the order written, in answers and snapshots', async () => {
      setup();
      const created = await api.post('/api/admin/flags', { key: 'ordered-theme', type: 'json', variants, clientSide: true });
      expect(created.statusCode, created.body).toBe(201);
      expect(order(created.json().variants)).toBe(order(variants));
      expect(order((await api.get('/api/admin/flags/ordered-theme')).json().variants)).toBe(order(variants));

      const rollout = {
        rollout: [
          { variant: 'light', weight: 50_000 },
          { variant: 'dark', weight: 30_000 },
          { variant: 'contrast', weight: 20_000 },
        ],
      };
      const put = await api.put(
        config('ordered-theme', 'production'),
        { enabled: true, offVariant: 'light', fallthrough: rollout },
        ifMatch(1),
      );
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().fallthrough).toEqual(rollout);

      const server = await api.post('/api/admin/api-keys', { kind: 'server', name: 'ordered', environment: 'production' });
      const snapshot = (await api.get('/api/sdk/flags', { key: server.json().key })).json();
      expect(order(snapshot.flags['ordered-theme'].variants)).toBe(order(variants));

      const reordered = { contrast: variants.contrast, light: variants.light, dark: variants.dark };
      const edit = await api.patch('/api/admin/flags/ordered-theme', { variants: reordered }, ifMatch(1));
      expect(edit.statusCode, edit.body).toBe(200);
      expect(order((await api.get('/api/admin/flags/ordered-theme')).json().variants)).toBe(order(reordered));
    });
  });
}
