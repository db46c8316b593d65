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
}
