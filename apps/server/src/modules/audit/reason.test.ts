/** "Every change says who and why": X-Change-Reason on writes, in the audit log and in config history. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../app.js';
import { testApp } from '../../test-support/app.js';
import { configVersion, createFlag, http, ifMatch, type Http } from '../../test-support/http.js';

let app: App;
let api: Http;

beforeAll(async () => {
  app = await testApp({ webhookAllowPrivate: true });
  api = http(app);
});

afterAll(async () => {
  await app?.close();
});

const configUrl = (flag: string, env: string) => `/api/admin/flags/${flag}/environments/${env}`;
const reason = (text: string) => ({ 'x-change-reason': encodeURIComponent(text) });

async function patch(flag: string, env: string, body: unknown, headers: Record<string, string> = {}) {
  const version = await configVersion(api, flag, env);
  return api.patch(configUrl(flag, env), body, { headers: { ...ifMatch(version).headers, ...headers } });
}

async function lastAudit(flag: string): Promise<{ action: string; actor: string; reason: string | null }> {
  const res = await api.get(`/api/admin/audit?flag=${flag}&limit=1`);
  return (res.json() as { events: { action: string; actor: string; reason: string | null }[] }).events[0]!;
}

describe('X-Change-Reason', () => {
  it('is stored on the audit row and the config version, decoded; history says who made each version', async () => {
    await createFlag(api, 'why-flag');
    const text = 'Über-fast rollback — INC-2231 «checkout»';
    const res = await patch('why-flag', 'staging', { enabled: true }, reason(text));
    expect(res.statusCode).toBe(200);
    expect(await lastAudit('why-flag')).toMatchObject({ action: 'config.enable', actor: 'ADMIN_TOKEN', reason: text });

    const history = (await api.get(`${configUrl('why-flag', 'staging')}/versions`)).json() as {
      versions: { version: number; actor: string | null; reason: string | null }[];
    };
    expect(history.versions).toEqual([
      expect.objectContaining({ version: 2, actor: 'ADMIN_TOKEN', reason: text }),
      expect.objectContaining({ version: 1, actor: 'ADMIN_TOKEN', reason: null }),
    ]);
  });

  it('lets webhooks subscribe to change_request events', async () => {
    const res = await api.post('/api/admin/webhooks', { url: 'http://127.0.0.1:9/switchboard', events: ['change_request.*'] });
    expect(res.statusCode, res.body).toBe(201);
    expect((await api.del(`/api/admin/webhooks/${res.json().id}`)).statusCode).toBe(204);
  });

  it('lists the change-request actions among the audit filter values', async () => {
    for (const action of ['change-request.create', 'change-request.apply', 'change-request.bypass']) {
      expect((await api.get(`/api/admin/audit?action=${action}&limit=1`)).statusCode, action).toBe(200);
    }
  });

  it('is optional by default: a write without one has a null reason', async () => {
    await createFlag(api, 'no-why');
    expect((await patch('no-why', 'development', { enabled: true })).statusCode).toBe(200);
    expect((await lastAudit('no-why')).reason).toBeNull();
  });

  it.each([
    ['raw non-ASCII', 'Über'],
    ['broken percent-encoding', '%E0%A4%A'],
    ['a line break', encodeURIComponent('one\ntwo')],
    ['501 characters', encodeURIComponent('x'.repeat(501))],
  ])('refuses %s with a 400 naming the header, writing nothing', async (_what, value) => {
    await createFlag(api, `bad-why-${_what.length}`);
    const flag = `bad-why-${_what.length}`;
    const res = await patch(flag, 'staging', { enabled: true }, { 'x-change-reason': value });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'X-Change-Reason' });
    expect(await configVersion(api, flag, 'staging')).toBe(1);
  });

  it('is required where the environment says so: 400 naming it and nothing written, then accepted with one', async () => {
    await createFlag(api, 'strict-why');
    expect(
      (await api.patch('/api/admin/environments/staging', { requireReason: true }, { headers: reason('audit asks') })).statusCode,
    ).toBe(200);
    const auditBefore = (await api.get('/api/admin/audit?environment=staging&limit=1')).json().events[0].id as number;

    const refused = await patch('strict-why', 'staging', { enabled: true });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ field: 'X-Change-Reason' });
    expect(refused.json().error.message).toMatch(/staging/);
    expect(await configVersion(api, 'strict-why', 'staging')).toBe(1);
    expect((await api.get('/api/admin/audit?environment=staging&limit=1')).json().events[0].id).toBe(auditBefore);
    // A blank reason is no reason.
    expect((await patch('strict-why', 'staging', { enabled: true }, { 'x-change-reason': '  ' })).statusCode).toBe(400);

    // Other environments are not held to it.
    expect((await patch('strict-why', 'development', { enabled: true })).statusCode).toBe(200);
    const ok = await patch('strict-why', 'staging', { enabled: true }, reason('QA sign-off'));
    expect(ok.statusCode).toBe(200);
    expect(await lastAudit('strict-why')).toMatchObject({ reason: 'QA sign-off' });

    // Turning the requirement off is itself a change there, so it needs a reason too.
    expect((await api.patch('/api/admin/environments/staging', { requireReason: false })).statusCode).toBe(400);
    expect((await api.patch('/api/admin/environments/staging', { requireReason: false }, { headers: reason('done') })).statusCode).toBe(
      200,
    );
  });
});
