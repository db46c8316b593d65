/**
 * Segment writes and change requests on real Postgres. A segment edit locks every environment
 * and checks, in the same transaction, whether a flag in an environment requiring approvals
 * uses the segment; an approved change request that adds such a use locks its environment to
 * apply. Run together, one waits for the other: either the segment edit commits first (the
 * segment was unused there) or it sees the applied rule and is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresService } from '@switchboard/test-services';
import { buildApp, type App } from '../../app.js';
import { testConfig } from '../../test-support/app.js';
import { configVersion, createFlag, http, ifMatch, type Http } from '../../test-support/http.js';

let pg: PostgresService | undefined;
let app: App;
let admin: Http;
let alice: string;
let bob: string;

const rule = (id: string, segment: string) => ({
  id,
  conditions: [{ operator: 'inSegment', values: [segment] }],
  serve: { variant: 'on' },
});

async function adminKey(name: string): Promise<string> {
  const res = await admin.post('/api/admin/api-keys', { kind: 'admin', name });
  expect(res.statusCode).toBe(201);
  return res.json().key as string;
}

async function editSegment(key: string, body: Record<string, unknown>, version?: number) {
  const v = version ?? ((await admin.get(`/api/admin/segments/${key}`)).json().version as number);
  return admin.patch(`/api/admin/segments/${key}`, body, ifMatch(v));
}

/** An approved (not yet applied) request that adds a rule using `segment` to `flag` in production. */
async function approvedRequest(flag: string, segment: string): Promise<{ id: number; revision: number }> {
  const version = await configVersion(admin, flag, 'production');
  const opened = await admin.patch(
    `/api/admin/flags/${flag}/environments/production`,
    { rules: [rule('r', segment)] },
    { key: alice, ...ifMatch(version) },
  );
  expect(opened.statusCode, opened.body).toBe(202);
  const id = opened.json().id as number;
  const approved = await admin.post(`/api/admin/change-requests/${id}/approve`, undefined, {
    key: bob,
    ...ifMatch(opened.json().revision),
  });
  expect(approved.statusCode, approved.body).toBe(200);
  return { id, revision: approved.json().revision as number };
}

async function auditIds(): Promise<{ id: number; action: string; flagKey: string | null; subject: string | null }[]> {
  return (await admin.get('/api/admin/audit?limit=200')).json().events;
}

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  const databaseUrl = await pg.createDatabase('segments_approvals');
  app = await buildApp(testConfig({ databaseUrl, dbConnectTimeoutMs: 10_000 }), { logger: false });
  await app.ready();
  admin = http(app);
  alice = await adminKey('alice');
  bob = await adminKey('bob');
  expect((await admin.patch('/api/admin/environments/production', { requiredApprovals: 1 })).statusCode).toBe(200);
});

afterAll(async () => {
  await app?.close();
  await pg?.stop();
});

describe('segments and change requests on Postgres', () => {
  it('refuses a direct edit once an applied change request uses the segment in production, and allows it before', async () => {
    expect((await admin.post('/api/admin/segments', { key: 'vip', included: ['u1'] })).statusCode).toBe(201);
    await createFlag(admin, 'vip-lounge');
    const request = await approvedRequest('vip-lounge', 'vip');
    // Approved but not applied: production doesn't use it yet.
    expect((await editSegment('vip', { included: ['u1', 'u2'] })).statusCode).toBe(200);

    const applied = await admin.post(`/api/admin/change-requests/${request.id}/apply`, undefined, {
      key: alice,
      ...ifMatch(request.revision),
    });
    expect(applied.statusCode, applied.body).toBe(200);
    const before = (await admin.get('/api/admin/segments/vip')).json();
    const refused = await editSegment('vip', { included: ['u3'] });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain('production ("vip-lounge")');
    expect((await admin.get('/api/admin/segments/vip')).json()).toEqual(before);
    const version = before.version as number;
    expect((await admin.del('/api/admin/segments/vip', ifMatch(version))).statusCode).toBe(409);
  });

  it('serializes a segment edit with a concurrent apply that starts using it: never an unapproved change after the use', async () => {
    for (let i = 0; i < 6; i++) {
      const segment = `race-${i}`;
      const flag = `race-flag-${i}`;
      expect((await admin.post('/api/admin/segments', { key: segment, included: ['u1'] })).statusCode).toBe(201);
      await createFlag(admin, flag);
      const request = await approvedRequest(flag, segment);
      const segmentVersion = (await admin.get(`/api/admin/segments/${segment}`)).json().version as number;

      const doEdit = () => editSegment(segment, { included: ['u1', 'u2'] }, segmentVersion);
      const doApply = () =>
        admin.post(`/api/admin/change-requests/${request.id}/apply`, undefined, { key: alice, ...ifMatch(request.revision) });
      // Which one is sent first alternates, so both orders of taking the locks are exercised.
      let edit, apply;
      if (i % 2 === 0) [edit, apply] = await Promise.all([doEdit(), doApply()]);
      else [apply, edit] = await Promise.all([doApply(), doEdit()]);
      expect(apply.statusCode, apply.body).toBe(200);
      expect([200, 409]).toContain(edit.statusCode);

      const events = await auditIds();
      const applyRow = events.find((e) => e.action === 'config.update' && e.flagKey === flag)!;
      const editRow = events.find((e) => e.action === 'segment.update' && e.subject === segment);
      const stored = (await admin.get(`/api/admin/segments/${segment}`)).json();
      if (edit.statusCode === 200) {
        // Committed before the rule that uses it: the edit changed no approved targeting.
        expect(editRow!.id).toBeLessThan(applyRow.id);
        expect(stored.included).toEqual(['u1', 'u2']);
      } else {
        expect(editRow).toBeUndefined();
        expect(stored.included).toEqual(['u1']);
      }
    }
  });
});
