/**
 * Segment writes and change requests on embedded PGlite: a segment that a flag uses, directly
 * or through another segment, in an environment requiring approvals can't be edited or deleted
 * directly (409 naming where it is used); renaming it, or one used only where no approvals are
 * required, goes through. Real Postgres, with a concurrent apply, is in segments.int.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../app.js';
import { testApp } from '../../test-support/app.js';
import { configVersion, createFlag, http, ifMatch, patchConfig, type Http } from '../../test-support/http.js';

let app: App;
let api: Http;

const inSegment = (key: string) => ({ operator: 'inSegment', values: [key] });
const rule = (id: string, segment: string) => ({ id, conditions: [inSegment(segment)], serve: { variant: 'on' } });

async function segment(key: string, body: Record<string, unknown> = {}): Promise<void> {
  const res = await api.post('/api/admin/segments', { key, included: ['u1'], ...body });
  expect(res.statusCode, res.body).toBe(201);
}

async function editSegment(key: string, body: Record<string, unknown>) {
  const version = (await api.get(`/api/admin/segments/${key}`)).json().version as number;
  return api.patch(`/api/admin/segments/${key}`, body, ifMatch(version));
}

async function deleteSegment(key: string) {
  const version = (await api.get(`/api/admin/segments/${key}`)).json().version as number;
  return api.del(`/api/admin/segments/${key}`, ifMatch(version));
}

beforeAll(async () => {
  app = await testApp();
  api = http(app);
  // Production's targeting is set up before it requires approvals; staging never does.
  await segment('employees');
  await segment('beta', { included: [], conditions: [inSegment('employees')] });
  await segment('staging-only');
  await segment('unused');
  await createFlag(api, 'new-checkout');
  await createFlag(api, 'dark-mode');
  expect((await patchConfig(api, 'new-checkout', 'production', { rules: [rule('beta', 'beta')] })).statusCode).toBe(200);
  expect((await patchConfig(api, 'dark-mode', 'production', { rules: [rule('staff', 'employees')] })).statusCode).toBe(200);
  expect((await patchConfig(api, 'dark-mode', 'staging', { rules: [rule('qa', 'staging-only')] })).statusCode).toBe(200);
  expect((await api.patch('/api/admin/environments/production', { requiredApprovals: 1 })).statusCode).toBe(200);
});

afterAll(async () => {
  await app?.close();
});

describe('segments in environments that require approvals', () => {
  it('refuses an edit of a segment a flag uses there, directly or through a nested segment, naming them', async () => {
    const before = (await api.get('/api/admin/segments/employees')).json();
    const res = await editSegment('employees', { included: ['u1', 'u2'] });
    expect(res.statusCode).toBe(409);
    const error = res.json().error;
    expect(error).toMatchObject({ code: 'CONFLICT', field: 'key' });
    expect(error.message).toContain('production ("dark-mode", "new-checkout")');
    expect(error.message).toMatch(/change request/);
    expect(error.message).toMatch(/requiredApprovals/);
    // Nothing written.
    expect((await api.get('/api/admin/segments/employees')).json()).toEqual(before);

    const nested = await editSegment('beta', { excluded: ['u9'] });
    expect(nested.statusCode).toBe(409);
    expect(nested.json().error.message).toContain('production ("new-checkout")');
  });

  it('refuses deleting such a segment', async () => {
    const flagFree = await api.patch(
      '/api/admin/flags/new-checkout/environments/production',
      { rules: [] },
      ifMatch(await configVersion(api, 'new-checkout', 'production')),
    );
    // The rule's removal is itself held for approval, so the segment stays in use.
    expect(flagFree.statusCode).toBe(202);
    const res = await deleteSegment('beta');
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toMatch(/Can't delete segment "beta" directly.*production \("new-checkout"\)/);
  });

  it('lets through a rename, and edits of segments used only where no approvals are required', async () => {
    const renamed = await editSegment('employees', { name: 'Employees', description: 'Everyone on payroll' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Employees', included: ['u1'] });
    expect((await editSegment('staging-only', { included: ['u1', 'u3'] })).statusCode).toBe(200);
    expect((await editSegment('unused', { included: ['u7'] })).statusCode).toBe(200);
    expect((await deleteSegment('unused')).statusCode).toBe(204);
  });

  it('lets the edit through once approvals are no longer required there', async () => {
    expect((await api.patch('/api/admin/environments/production', { requiredApprovals: 0 })).statusCode).toBe(200);
    try {
      expect((await editSegment('employees', { included: ['u1', 'u2'] })).statusCode).toBe(200);
    } finally {
      expect((await api.patch('/api/admin/environments/production', { requiredApprovals: 1 })).statusCode).toBe(200);
    }
  });
});
