/**
 * Private attributes: stored and edited on the flag, carried into snapshots in clear for
 * server keys; for client keys a flag that reads one is a stub the browser gets evaluated by
 * `POST /api/sdk/evaluate`. Runs on PGlite (`routes.test.ts`) and on real Postgres with
 * Redis (`routes.int.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { evaluate, type EvaluationContext, type Flag, type Snapshot } from '@switchboard/core';
import type { SuiteContext } from './admin-suite.js';
import { createFlag, createKey, http, ifMatch, patchConfig, type Http } from './http.js';
import { openStream } from './sse.js';

const emailRule = (operator: string, values: string[], attribute = 'paEmail') => ({
  id: 'staff',
  conditions: [{ attribute, operator, values }],
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
      const created = await createFlag(api, 'pa-stored', { clientSide: true, privateAttributes: ['paEmail', 'paPhone'] });
      expect(created.privateAttributes).toEqual(['paEmail', 'paPhone']);
      expect((await createFlag(api, 'pa-none')).privateAttributes).toEqual([]);
      const { key } = await createKey(api, 'server', 'development');
      const snap = (await api.get('/api/sdk/flags', { key })).json() as Snapshot;
      expect(snap.flags['pa-stored']!.privateAttributes).toEqual(['paEmail', 'paPhone']);
      expect(snap.flags['pa-none']).not.toHaveProperty('privateAttributes');

      const bad = await api.post('/api/admin/flags', { key: 'pa-bad', type: 'boolean', privateAttributes: ['has space'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toMatch(/^privateAttributes/);
      const many = Array.from({ length: 51 }, (_, i) => `a${i}`);
      expect((await api.post('/api/admin/flags', { key: 'pa-bad', type: 'boolean', privateAttributes: many })).statusCode).toBe(400);
      expect((await api.post('/api/admin/flags', { key: 'pa-bad', type: 'boolean', privateAttributes: ['a', 'a'] })).statusCode).toBe(400);
    });

    it('reach client keys as stubs that say nothing derived from a private value, and the server evaluates them', async () => {
      setup();
      const emails = ['ann@pa-private.example', 'bob@pa-private.example'];
      const seg = await api.post('/api/admin/segments', {
        key: 'pa-staff',
        name: 'Staff',
        conditions: [{ attribute: 'paEmail', operator: 'endsWith', values: ['@pa-staff.example'] }],
      });
      expect(seg.statusCode).toBe(201);
      await createFlag(api, 'pa-in', { clientSide: true, privateAttributes: ['paEmail'] });
      await createFlag(api, 'pa-ends', { clientSide: true });
      await createFlag(api, 'pa-segment', { clientSide: true });
      await createFlag(api, 'pa-open', { clientSide: true });
      const writes = [
        patchConfig(api, 'pa-in', 'production', { enabled: true, rules: [emailRule('in', emails)] }),
        // Doesn't list `email` itself: `pa-in` makes it private for the whole environment.
        patchConfig(api, 'pa-ends', 'production', {
          enabled: true,
          rules: [emailRule('endsWith', ['@pa-private.example'])],
          fallthrough: {
            rollout: [
              { variant: 'on', weight: 50_000 },
              { variant: 'off', weight: 50_000 },
            ],
          },
        }),
        patchConfig(api, 'pa-segment', 'production', {
          enabled: true,
          rules: [
            { id: 'seg', conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['pa-staff'] }], serve: { variant: 'on' } },
          ],
        }),
        patchConfig(api, 'pa-open', 'production', {
          enabled: true,
          rules: [{ id: 'pro', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], serve: { variant: 'on' } }],
        }),
      ];
      for (const res of await Promise.all(writes)) expect(res.statusCode).toBe(200);
      const server = await createKey(api, 'server', 'production');
      const client = await createKey(api, 'client', 'production');
      const full = (await api.get('/api/sdk/flags', { key: server.key })).json() as Snapshot;
      expect(full.flags['pa-in']!.rules![0]!.conditions[0]).toEqual({ attribute: 'paEmail', operator: 'in', values: emails });
      const clientRes = await api.get('/api/sdk/flags', { key: client.key });
      const projection = clientRes.json() as Snapshot;
      for (const key of ['pa-in', 'pa-ends', 'pa-segment']) {
        expect(projection.flags[key]).toEqual({ key, version: full.flags[key]!.version, type: 'boolean', remote: true });
      }
      expect(projection.flags['pa-open']).toEqual(full.flags['pa-open']);
      // Not the values, their domain, the segment that reads them, nor anything hash-shaped.
      expect(clientRes.body.match(/.{60}(pa-private|pa-staff|paEmail).{60}/)?.[0]).toBeUndefined();
      expect(clientRes.body).not.toMatch(/[0-9a-f]{32}/);

      // What the browser SDK does: ask for its stubs with its context, evaluate what comes back.
      const contexts: EvaluationContext[] = [
        { userId: 'u1', paEmail: 'ann@pa-private.example' },
        { userId: 'u2', paEmail: 'carol@pa-private.example' },
        { userId: 'u3', paEmail: 'dan@pa-staff.example' },
        { userId: 'u4', paEmail: 'eve@elsewhere.example', plan: 'pro' },
        { userId: 'u5' },
      ];
      const stubs = ['pa-in', 'pa-ends', 'pa-segment'];
      for (const context of contexts) {
        const res = await api.post('/api/sdk/evaluate', { context, flags: stubs }, { key: client.key });
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const answer = res.json() as { revision: number; flags: Record<string, Flag> };
        expect(answer.revision).toBe(full.revision);
        const resolved: Snapshot = { ...projection, flags: { ...projection.flags, ...answer.flags } };
        for (const key of stubs) {
          expect(evaluate(resolved, key, context, false), `${key} ${JSON.stringify(context)}`).toEqual(evaluate(full, key, context, false));
        }
        expect(JSON.stringify(answer)).not.toMatch(/pa-private|pa-staff/);
      }
      expect(evaluate(full, 'pa-in', contexts[0]!, false).value).toBe(true);
      expect(evaluate(full, 'pa-segment', contexts[2]!, false).value).toBe(true);
    });

    it('evaluate: only flags the key may see, and every bad input a 400 naming the field', async () => {
      setup();
      await createFlag(api, 'pa-hidden', { privateAttributes: ['paEmail'] });
      const client = await createKey(api, 'client', 'development');
      const ask = (body: unknown) => api.post('/api/sdk/evaluate', body, { key: client.key });
      const hidden = await ask({ context: { userId: 'u1' }, flags: ['pa-hidden', 'no-such-flag'] });
      expect(hidden.statusCode).toBe(200);
      expect(hidden.json().flags).toEqual({});
      const bad: [unknown, string][] = [
        [{ context: 'u1', flags: [] }, 'context'],
        [{ context: { userId: 'u1' } }, 'flags'],
        [{ context: { userId: 'u1' }, flags: Array.from({ length: 1001 }, (_, i) => `f${i}`) }, 'flags'],
        [{ context: { userId: 'u1' }, flags: ['a', 'a'] }, 'flags'],
        [{ context: { userId: 'u1' }, flags: ['x'.repeat(257)] }, 'flags[0]'],
        [{ context: { list: Array.from({ length: 1001 }, (_, i) => i) }, flags: [] }, 'context'],
        [{ context: {}, flags: [], extra: 1 }, 'extra'],
      ];
      for (const [body, field] of bad) {
        const res = await ask(body);
        expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.json().error.field, JSON.stringify(body).slice(0, 80)).toContain(field);
      }
      expect((await api.post('/api/sdk/evaluate', { context: {}, flags: [] }, { key: null })).statusCode).toBe(401);
    });

    it('changing them is an audited flag edit that publishes the flag everywhere; client streams get a put', async () => {
      setup();
      await createFlag(api, 'pa-edit', { clientSide: true });
      await patchConfig(api, 'pa-edit', 'production', {
        enabled: true,
        rules: [emailRule('in', ['dee@pa-private.example'], 'paEditEmail')],
      });
      const server = await createKey(api, 'server', 'production');
      const client = await createKey(api, 'client', 'production');
      const before = (await api.get('/api/sdk/flags', { key: server.key })).json() as Snapshot;
      expect((await api.get('/api/sdk/flags', { key: client.key })).body).toContain('dee@pa-private.example');
      // (Marking it private makes the flag server-evaluated for browsers: a put with its stub.)

      const stream = await openStream(`${ctx.baseUrl}/api/sdk/stream`, client.key);
      try {
        await stream.next((e) => e.event === 'put');
        const seen = stream.events.length;
        const res = await api.patch(
          '/api/admin/flags/pa-edit',
          { privateAttributes: ['paEditEmail'] },
          ifMatch(await flagVersion('pa-edit')),
        );
        expect(res.statusCode).toBe(200);
        expect(res.json().privateAttributes).toEqual(['paEditEmail']);
        const put = await stream.next((e) => e.event === 'put' && stream.events.indexOf(e) >= seen);
        expect(put.data).not.toContain('dee@pa-private.example');
        expect((put.json as Snapshot).flags['pa-edit']).toMatchObject({ key: 'pa-edit', remote: true });
      } finally {
        stream.close();
      }

      const after = (await api.get('/api/sdk/flags', { key: server.key })).json() as Snapshot;
      expect(after.revision).toBeGreaterThan(before.revision);
      expect(after.flags['pa-edit']!.version).toBe(before.flags['pa-edit']!.version + 1);
      expect(after.flags['pa-edit']!.privateAttributes).toEqual(['paEditEmail']);
      expect((await api.get('/api/sdk/flags', { key: client.key })).body).not.toContain('dee@pa-private.example');

      const events = (await api.get('/api/admin/audit?flag=pa-edit&action=flag.update')).json().events as {
        before: { privateAttributes: string[] };
        after: { privateAttributes: string[] };
      }[];
      expect(events).toHaveLength(1);
      expect(events[0]!.before.privateAttributes).toEqual([]);
      expect(events[0]!.after.privateAttributes).toEqual(['paEditEmail']);
    });
  });
}
