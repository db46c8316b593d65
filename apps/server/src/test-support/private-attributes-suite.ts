/**
 * Private attributes: stored and edited on the flag, carried into snapshots in clear for
 * server keys and as salted SHA-256 hashes for client keys. Runs on PGlite
 * (`routes.test.ts`) and on real Postgres with Redis (`routes.int.test.ts`).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { evaluate, type EvaluationContext, type Snapshot } from '@switchboard/core';
import type { SuiteContext } from './admin-suite.js';
import { createFlag, createKey, http, ifMatch, patchConfig, type Http } from './http.js';
import { openStream } from './sse.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type ClientProjection = Snapshot & { privateAttributes?: { salt: string; attributes: string[] } };

const emailRule = (operator: string, values: string[]) => ({
  id: 'staff',
  conditions: [{ attribute: 'email', operator, values }],
  serve: { variant: 'on' },
});

export function privateAttributesSuite(ctx: SuiteContext): void {
  let api: Http;
  const setup = () => {
    api = http(ctx.app);
  };
  const flagVersion = async (key: string) => (await api.get(`/api/admin/flags/${key}`)).json().version as number;

  describe('private attributes', () => {
    it('are stored on the flag, returned on reads and carried into snapshots only when set', async () => {
      setup();
      const created = await createFlag(api, 'pa-stored', { clientSide: true, privateAttributes: ['email', 'phone'] });
      expect(created.privateAttributes).toEqual(['email', 'phone']);
      expect((await createFlag(api, 'pa-none')).privateAttributes).toEqual([]);
      const { key } = await createKey(api, 'server', 'development');
      const snap = (await api.get('/api/sdk/flags', { key })).json() as Snapshot;
      expect(snap.flags['pa-stored']!.privateAttributes).toEqual(['email', 'phone']);
      expect(snap.flags['pa-none']).not.toHaveProperty('privateAttributes');

      const bad = await api.post('/api/admin/flags', { key: 'pa-bad', type: 'boolean', privateAttributes: ['has space'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toMatch(/^privateAttributes/);
      const many = Array.from({ length: 51 }, (_, i) => `a${i}`);
      expect((await api.post('/api/admin/flags', { key: 'pa-bad', type: 'boolean', privateAttributes: many })).statusCode).toBe(400);
      expect((await api.post('/api/admin/flags', { key: 'pa-bad', type: 'boolean', privateAttributes: ['a', 'a'] })).statusCode).toBe(400);
    });

    it('gives each environment its own salt, from the database', async () => {
      // PGlite answers { rows }, postgres.js an array.
      const result = (await ctx.app.database.db.execute(sql`select key, private_attribute_salt as salt from environments`)) as unknown;
      const list = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { key: string; salt: string }[];
      expect(list.length).toBeGreaterThanOrEqual(3);
      for (const row of list) expect(row.salt).toMatch(/^[0-9a-f]{32}$/);
      expect(new Set(list.map((r) => r.salt)).size).toBe(list.length);
    });

    it('reach client keys only hashed; evaluating the hashed context gives the same answers as the clear one', async () => {
      setup();
      const emails = ['ann@pa-private.example', 'bob@pa-private.example'];
      for (const [key, operator] of [
        ['pa-in', 'in'],
        ['pa-not-in', 'notIn'],
      ] as const) {
        await createFlag(api, key, { clientSide: true, privateAttributes: ['email'] });
        const res = await patchConfig(api, key, 'production', { enabled: true, rules: [emailRule(operator, emails)] });
        expect(res.statusCode).toBe(200);
      }
      const server = await createKey(api, 'server', 'production');
      const client = await createKey(api, 'client', 'production');
      const serverRes = await api.get('/api/sdk/flags', { key: server.key });
      const clientRes = await api.get('/api/sdk/flags', { key: client.key });
      for (const email of emails) {
        expect(serverRes.body).toContain(email);
        expect(clientRes.body).not.toContain(email);
      }
      expect(clientRes.body).not.toContain('pa-private.example');
      const full = serverRes.json() as ClientProjection;
      const projection = clientRes.json() as ClientProjection;
      expect(full).not.toHaveProperty('privateAttributes');
      expect(full.flags['pa-in']!.rules![0]!.conditions[0]).toEqual({ attribute: 'email', operator: 'in', values: emails });

      const salt = projection.privateAttributes!.salt;
      expect(salt).toMatch(/^[0-9a-f]{32}$/);
      expect(projection.privateAttributes!.attributes).toContain('email');
      expect(projection.flags['pa-in']!.rules![0]!.conditions[0]).toEqual({
        attribute: '#email',
        operator: 'in',
        values: emails.map((e) => sha256(salt + e)),
      });
      expect(projection.flags['pa-in']!.privateAttributes).toEqual(['email']);

      // What a browser does: hash its own value of each private attribute into "#" + name.
      const browserContext = (ctx: EvaluationContext): EvaluationContext => {
        const out: EvaluationContext = { ...ctx };
        for (const attribute of projection.privateAttributes!.attributes) {
          const value = ctx[attribute];
          if (value !== undefined && value !== null) out[`#${attribute}`] = sha256(salt + String(value));
        }
        return out;
      };
      for (const key of ['pa-in', 'pa-not-in']) {
        for (const email of ['ann@pa-private.example', 'bob@pa-private.example', 'carol@pa-private.example', 'ANN@pa-private.example']) {
          const context = { userId: 'u1', email };
          const expected = evaluate(full, key, context, false);
          const actual = evaluate(projection, key, browserContext(context), false);
          expect(actual, `${key} ${email}`).toEqual(expected);
        }
      }
      expect(evaluate(full, 'pa-in', { userId: 'u1', email: 'ann@pa-private.example' }, false).value).toBe(true);
      expect(evaluate(full, 'pa-in', { userId: 'u1', email: 'carol@pa-private.example' }, false).value).toBe(false);
      expect(evaluate(full, 'pa-not-in', { userId: 'u1', email: 'carol@pa-private.example' }, false).value).toBe(true);

      // Each environment hashes with its own salt.
      const staging = await createKey(api, 'client', 'staging');
      await patchConfig(api, 'pa-in', 'staging', { rules: [emailRule('in', emails)] });
      const other = (await api.get('/api/sdk/flags', { key: staging.key })).json() as ClientProjection;
      expect(other.privateAttributes!.salt).not.toBe(salt);
      expect(other.flags['pa-in']!.rules![0]!.conditions[0]!.values).toEqual(emails.map((e) => sha256(other.privateAttributes!.salt + e)));
    });

    it('refuse an operator a browser could not answer on hashes, naming the condition', async () => {
      setup();
      await createFlag(api, 'pa-ends', { clientSide: true, privateAttributes: ['email'] });
      const ends = await patchConfig(api, 'pa-ends', 'production', { rules: [emailRule('endsWith', ['@pa-private.example'])] });
      expect(ends.statusCode).toBe(400);
      expect(ends.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'rules[0].conditions[0].operator' });
      const ci = await patchConfig(api, 'pa-ends', 'production', {
        rules: [
          {
            ...emailRule('in', ['Ann@pa-private.example']),
            conditions: [{ attribute: 'email', operator: 'in', values: ['Ann@pa-private.example'], caseInsensitive: true }],
          },
        ],
      });
      expect(ci.statusCode).toBe(400);
      expect(ci.json().error.field).toBe('rules[0].conditions[0].caseInsensitive');

      // Server-side, anything goes; making it client-side is refused while the rule is there.
      await createFlag(api, 'pa-server', { privateAttributes: ['email'] });
      expect(
        (await patchConfig(api, 'pa-server', 'production', { rules: [emailRule('endsWith', ['@pa-private.example'])] })).statusCode,
      ).toBe(200);
      const toClient = await api.patch('/api/admin/flags/pa-server', { clientSide: true }, ifMatch(await flagVersion('pa-server')));
      expect(toClient.statusCode).toBe(400);
      expect(toClient.json().error.field).toBe('environments.production.rules[0].conditions[0].operator');
      // …and so is marking the attribute private on a client-side flag that tests it that way.
      await createFlag(api, 'pa-late', { clientSide: true });
      expect(
        (await patchConfig(api, 'pa-late', 'production', { rules: [emailRule('endsWith', ['@pa-private.example'])] })).statusCode,
      ).toBe(200);
      const late = await api.patch('/api/admin/flags/pa-late', { privateAttributes: ['email'] }, ifMatch(await flagVersion('pa-late')));
      expect(late.statusCode).toBe(400);
      expect(late.json().error.field).toBe('environments.production.rules[0].conditions[0].operator');
      expect((await api.get('/api/admin/flags/pa-late')).json().privateAttributes).toEqual([]);
    });

    it('changing them is an audited flag edit that publishes the flag everywhere; client streams get a put', async () => {
      setup();
      await createFlag(api, 'pa-edit', { clientSide: true });
      await patchConfig(api, 'pa-edit', 'production', { enabled: true, rules: [emailRule('in', ['dee@pa-private.example'])] });
      const server = await createKey(api, 'server', 'production');
      const client = await createKey(api, 'client', 'production');
      const before = (await api.get('/api/sdk/flags', { key: server.key })).json() as Snapshot;
      expect((await api.get('/api/sdk/flags', { key: client.key })).body).toContain('dee@pa-private.example');

      const stream = await openStream(`${ctx.baseUrl}/api/sdk/stream`, client.key);
      try {
        await stream.next((e) => e.event === 'put');
        const seen = stream.events.length;
        const res = await api.patch('/api/admin/flags/pa-edit', { privateAttributes: ['email'] }, ifMatch(await flagVersion('pa-edit')));
        expect(res.statusCode).toBe(200);
        expect(res.json().privateAttributes).toEqual(['email']);
        const put = await stream.next((e) => e.event === 'put' && stream.events.indexOf(e) >= seen);
        expect(put.data).not.toContain('dee@pa-private.example');
        expect((put.json as ClientProjection).privateAttributes!.attributes).toContain('email');
      } finally {
        stream.close();
      }

      const after = (await api.get('/api/sdk/flags', { key: server.key })).json() as Snapshot;
      expect(after.revision).toBeGreaterThan(before.revision);
      expect(after.flags['pa-edit']!.version).toBe(before.flags['pa-edit']!.version + 1);
      expect(after.flags['pa-edit']!.privateAttributes).toEqual(['email']);
      expect((await api.get('/api/sdk/flags', { key: client.key })).body).not.toContain('dee@pa-private.example');

      const events = (await api.get('/api/admin/audit?flag=pa-edit&action=flag.update')).json().events as {
        before: { privateAttributes: string[] };
        after: { privateAttributes: string[] };
      }[];
      expect(events).toHaveLength(1);
      expect(events[0]!.before.privateAttributes).toEqual([]);
      expect(events[0]!.after.privateAttributes).toEqual(['email']);
    });
  });
}
