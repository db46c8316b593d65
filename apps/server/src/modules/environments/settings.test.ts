/** Environment settings: `protected`, `requiredApprovals`, `requireReason` (PATCH /api/admin/environments/:env). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../app.js';
import { testApp } from '../../test-support/app.js';
import { http, type Http } from '../../test-support/http.js';

let app: App;
let api: Http;

beforeAll(async () => {
  app = await testApp();
  api = http(app);
});

afterAll(async () => {
  await app?.close();
});

describe('environment settings', () => {
  it('starts with production protected and nothing else, no approvals and no required reason', async () => {
    const { environments } = (await api.get('/api/admin/environments')).json() as {
      environments: { key: string; protected: boolean; requiredApprovals: number; requireReason: boolean }[];
    };
    const settings = Object.fromEntries(environments.map((e) => [e.key, [e.protected, e.requiredApprovals, e.requireReason]]));
    expect(settings).toEqual({
      development: [false, 0, false],
      staging: [false, 0, false],
      production: [true, 0, false],
    });
  });

  it('changes settings by PATCH and audits only the fields that changed', async () => {
    const res = await api.patch('/api/admin/environments/production', { requiredApprovals: 2, requireReason: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ key: 'production', protected: true, requiredApprovals: 2, requireReason: true });
    expect((await api.get('/api/admin/environments/production')).json()).toMatchObject({ requiredApprovals: 2, requireReason: true });

    const audit = (await api.get('/api/admin/audit?environment=production&limit=1')).json() as {
      events: { action: string; before: unknown; after: unknown }[];
    };
    expect(audit.events[0]).toMatchObject({
      action: 'environment.update',
      before: { requiredApprovals: 0, requireReason: false },
      after: { requiredApprovals: 2, requireReason: true },
    });
    // Production now requires a reason for every change, this one included.
    const reset = await api.patch(
      '/api/admin/environments/production',
      { requiredApprovals: 0, requireReason: false },
      { headers: { 'x-change-reason': 'test over' } },
    );
    expect(reset.statusCode).toBe(200);
  });

  it('creates an environment protected when asked', async () => {
    const res = await api.post('/api/admin/environments', { key: 'live', protected: true, requiredApprovals: 1 });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ key: 'live', protected: true, requiredApprovals: 1, requireReason: false });
  });

  it.each([
    [{ requiredApprovals: 11 }, 'requiredApprovals'],
    [{ requiredApprovals: -1 }, 'requiredApprovals'],
    [{ requiredApprovals: 1.5 }, 'requiredApprovals'],
    [{ protected: 'yes' }, 'protected'],
    [{ requireReason: 1 }, 'requireReason'],
    [{}, undefined],
    [{ colour: 'red' }, undefined],
  ])('refuses %j with a 400', async (body, field) => {
    const before = (await api.get('/api/admin/environments/staging')).json();
    const res = await api.patch('/api/admin/environments/staging', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    if (field) expect(res.json().error.field).toBe(field);
    expect((await api.get('/api/admin/environments/staging')).json()).toEqual(before);
  });

  it('keeps approvals a property of protected environments', async () => {
    const unprotected = await api.patch('/api/admin/environments/staging', { requiredApprovals: 1 });
    expect(unprotected.statusCode).toBe(400);
    expect(unprotected.json().error.field).toBe('requiredApprovals');

    expect((await api.patch('/api/admin/environments/staging', { protected: true, requiredApprovals: 1 })).statusCode).toBe(200);
    const unprotect = await api.patch('/api/admin/environments/staging', { protected: false });
    expect(unprotect.statusCode).toBe(400);
    expect(unprotect.json().error.field).toBe('protected');
    const both = await api.patch('/api/admin/environments/staging', { protected: false, requiredApprovals: 0 });
    expect(both.json()).toMatchObject({ protected: false, requiredApprovals: 0 });

    const created = await api.post('/api/admin/environments', { key: 'qa2', requiredApprovals: 1 });
    expect(created.statusCode).toBe(400);
    expect(created.json().error.field).toBe('requiredApprovals');
  });

  it('answers 404 for an unknown environment', async () => {
    expect((await api.patch('/api/admin/environments/nowhere', { protected: true })).statusCode).toBe(404);
  });
});
