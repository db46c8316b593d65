/**
 * Change requests on real Postgres: a targeting change in an environment that requires
 * approvals is held (202), approved by someone other than its author, and applied in one
 * transaction with an audit row naming author and approvers; an edit revokes approvals; a
 * config that moved makes the request conflicted (412); the kill switch and a release plan's
 * rollback are break-glass; other paths that would skip the gate are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresService } from '@switchboard/test-services';
import type { TrackedEvent, UnitSummary } from '@switchboard/core';
import { buildApp, type App } from '../../app.js';
import { testConfig } from '../../test-support/app.js';
import { configVersion, createFlag, http, ifMatch, patchConfig, type Http } from '../../test-support/http.js';

let pg: PostgresService | undefined;
let app: App;
let admin: Http;
/** Two more identities: separate admin keys. */
let alice: string;
let bob: string;

const configUrl = (flag: string, env = 'production') => `/api/admin/flags/${flag}/environments/${env}`;
const cr = (id: number, action = '') => `/api/admin/change-requests/${id}${action ? `/${action}` : ''}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cr {
  id: number;
  status: string;
  revision: number;
  author: string;
  reason: string | null;
  patch: Record<string, unknown>;
  baseVersion: number;
  approvals: { by: string }[];
  appliedVersion: number | null;
}

async function adminKey(name: string): Promise<string> {
  const res = await admin.post('/api/admin/api-keys', { kind: 'admin', name });
  expect(res.statusCode).toBe(201);
  return res.json().key as string;
}

async function propose(flag: string, body: Record<string, unknown>, key: string, reason?: string): Promise<Cr> {
  const version = await configVersion(admin, flag, 'production');
  const headers: Record<string, string> = {
    ...ifMatch(version).headers,
    ...(reason ? { 'x-change-reason': encodeURIComponent(reason) } : {}),
  };
  const res = await admin.patch(configUrl(flag), body, { key, headers });
  expect(res.statusCode, res.body).toBe(202);
  expect(res.headers.location).toBe(`/api/admin/change-requests/${res.json().id}`);
  return res.json() as Cr;
}

async function act(id: number, action: string, key: string, revision?: number) {
  const rev = revision ?? ((await admin.get(cr(id))).json() as Cr).revision;
  return admin.post(cr(id, action), undefined, { key, ...ifMatch(rev) });
}

async function audit(flag: string): Promise<{ action: string; actor: string; reason: string | null; after: unknown }[]> {
  return (await admin.get(`/api/admin/audit?flag=${flag}&limit=50`)).json().events;
}

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  const databaseUrl = await pg.createDatabase('change_requests');
  app = await buildApp(testConfig({ databaseUrl, releaseCheckIntervalMs: 200, dbConnectTimeoutMs: 10_000 }), { logger: false });
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

describe('change requests', () => {
  it('holds a write (202, nothing written), is approved by a second identity and applied in one audited write', async () => {
    await createFlag(admin, 'checkout');
    const before = await configVersion(admin, 'checkout', 'production');
    const opened = await propose('checkout', { enabled: true, fallthrough: { variant: 'on' } }, alice, 'Launch day');
    expect(opened).toMatchObject({ status: 'open', author: 'alice', reason: 'Launch day', baseVersion: before, approvals: [] });
    expect(opened.patch).toEqual({ enabled: true, fallthrough: { variant: 'on' } });
    expect(await configVersion(admin, 'checkout', 'production')).toBe(before);
    expect((await admin.get(configUrl('checkout'))).json().enabled).toBe(false);
    // Other environments don't require approvals.
    expect((await patchConfig(admin, 'checkout', 'staging', { enabled: true })).statusCode).toBe(200);

    const listed = (await admin.get('/api/admin/change-requests?status=open&flag=checkout')).json().changeRequests as Cr[];
    expect(listed.map((c) => c.id)).toEqual([opened.id]);

    const self = await act(opened.id, 'approve', alice);
    expect(self.statusCode).toBe(403);
    expect(self.json().error.message).toMatch(/someone else/);
    // Not approved yet: applying is refused and writes nothing.
    expect((await act(opened.id, 'apply', alice)).statusCode).toBe(409);

    const approved = await act(opened.id, 'approve', bob);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', approvals: [{ by: 'bob' }] });
    expect((await act(opened.id, 'approve', bob)).statusCode).toBe(409);

    const applied = await act(opened.id, 'apply', alice);
    expect(applied.statusCode).toBe(200);
    expect(applied.json()).toMatchObject({ status: 'applied', appliedVersion: before + 1, resolvedBy: 'alice' });
    const config = (await admin.get(configUrl('checkout'))).json();
    expect(config).toMatchObject({ version: before + 1, enabled: true, fallthrough: { variant: 'on' } });

    const events = await audit('checkout');
    const write = events.find((e) => e.action === 'config.update')!;
    const applyRow = events.find((e) => e.action === 'change-request.apply')!;
    expect(write).toMatchObject({ actor: 'alice', reason: 'Launch day' });
    expect(applyRow.after).toMatchObject({ author: 'alice', approvers: ['bob'], appliedBy: 'alice', version: before + 1 });
    const history = (await admin.get(`${configUrl('checkout')}/versions?limit=1`)).json().versions[0];
    expect(history).toMatchObject({ version: before + 1, actor: 'alice', reason: 'Launch day' });
    // Done: no more actions on it.
    expect((await act(opened.id, 'cancel', alice)).statusCode).toBe(409);
  });

  it('binds approvals to the content: an edit revokes them, and a stale revision is refused', async () => {
    await createFlag(admin, 'themed');
    const opened = await propose('themed', { fallthrough: { variant: 'on' } }, alice);
    const approved = (await act(opened.id, 'approve', bob)).json() as Cr;
    expect(approved.status).toBe('approved');

    // Bob's view is stale once Alice edits: his approve of the old revision is a 412.
    const edited = await admin.patch(
      cr(opened.id),
      { patch: { enabled: true, fallthrough: { variant: 'on' } } },
      {
        key: alice,
        headers: { ...ifMatch(approved.revision).headers, 'x-change-reason': 'also switch it on' },
      },
    );
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ status: 'open', approvals: [], reason: 'also switch it on' });
    expect(edited.json().patch).toEqual({ enabled: true, fallthrough: { variant: 'on' } });
    expect((await act(opened.id, 'approve', bob, approved.revision)).statusCode).toBe(412);
    expect((await act(opened.id, 'apply', alice)).statusCode).toBe(409);

    // Only the author edits.
    const byBob = await admin.patch(cr(opened.id), { patch: { enabled: false } }, { key: bob, ...ifMatch(edited.json().revision) });
    expect(byBob.statusCode).toBe(403);

    expect((await act(opened.id, 'approve', bob)).json().status).toBe('approved');
    expect((await act(opened.id, 'apply', bob)).statusCode).toBe(200);
    expect((await admin.get(configUrl('themed'))).json()).toMatchObject({ enabled: true, fallthrough: { variant: 'on' } });
    expect((await audit('themed')).some((e) => e.action === 'change-request.update')).toBe(true);
  });

  it('re-checks the base version when applying: 412 and conflicted, nothing written', async () => {
    await createFlag(admin, 'raced');
    const opened = await propose('raced', { fallthrough: { variant: 'on' } }, alice);
    await act(opened.id, 'approve', bob);
    // The config moves meanwhile (the kill switch needs no approval).
    expect((await patchConfig(admin, 'raced', 'production', { enabled: false })).statusCode).toBe(200);
    const moved = await configVersion(admin, 'raced', 'production');

    const res = await act(opened.id, 'apply', alice);
    expect(res.statusCode).toBe(412);
    expect(res.headers.etag).toBe(`"${moved}"`);
    expect((await admin.get(cr(opened.id))).json()).toMatchObject({ status: 'conflicted', appliedVersion: null });
    expect(await configVersion(admin, 'raced', 'production')).toBe(moved);
    expect((await audit('raced')).some((e) => e.action === 'change-request.conflict')).toBe(true);
  });

  it('lets the kill switch through at once (break-glass), with its reason, announced in the audit log', async () => {
    await createFlag(admin, 'glass');
    const opened = await propose('glass', { enabled: true }, alice);
    await act(opened.id, 'approve', bob);
    await act(opened.id, 'apply', alice);

    const version = await configVersion(admin, 'glass', 'production');
    const killed = await admin.patch(
      configUrl('glass'),
      { enabled: false },
      {
        key: alice,
        headers: { ...ifMatch(version).headers, 'x-change-reason': encodeURIComponent('INC-7: errors spiking') },
      },
    );
    expect(killed.statusCode).toBe(200);
    expect(killed.json()).toMatchObject({ enabled: false, version: version + 1 });
    const [first, second] = await audit('glass');
    // One write, two rows: the kill itself and the announcement that it skipped approval.
    const bypass = [first, second].find((e) => e!.action === 'change-request.bypass');
    expect(bypass).toMatchObject({ actor: 'alice', reason: 'INC-7: errors spiking', after: { kind: 'kill-switch', version: version + 1 } });
    expect([first, second].find((e) => e!.action === 'config.kill')).toMatchObject({ reason: 'INC-7: errors spiking' });
  });

  it('refuses review by a caller whose scope leaves out the environment, and by a viewer', async () => {
    await createFlag(admin, 'scoped');
    const opened = await propose('scoped', { fallthrough: { variant: 'on' } }, alice);
    const stagingEditor = await admin.post('/api/admin/api-keys', {
      kind: 'admin',
      name: 'staging-editor',
      role: 'editor',
      environments: ['staging'],
    });
    const viewer = await admin.post('/api/admin/api-keys', { kind: 'admin', name: 'viewer', role: 'viewer' });
    for (const key of [stagingEditor.json().key as string, viewer.json().key as string]) {
      for (const action of ['approve', 'apply', 'reject']) {
        const res = await act(opened.id, action, key);
        expect(res.statusCode, `${action}: ${res.body}`).toBe(403);
      }
    }
    expect((await act(opened.id, 'approve', alice)).json().error.message).toMatch(/someone else/);
    expect((await admin.get(cr(opened.id))).json()).toMatchObject({ status: 'open', approvals: [] });
  });

  it('lets rejecting and cancelling close a request, by the right people', async () => {
    await createFlag(admin, 'closed');
    const a = await propose('closed', { fallthrough: { variant: 'on' } }, alice);
    expect((await act(a.id, 'reject', alice)).statusCode).toBe(403);
    expect((await act(a.id, 'reject', bob)).json()).toMatchObject({ status: 'rejected', resolvedBy: 'bob' });
    const b = await propose('closed', { fallthrough: { variant: 'on' } }, alice);
    expect((await act(b.id, 'cancel', alice)).json()).toMatchObject({ status: 'cancelled' });
    expect((await admin.get('/api/admin/change-requests?flag=closed')).json().changeRequests.map((c: Cr) => c.status)).toEqual([
      'cancelled',
      'rejected',
    ]);
  });

  it('refuses the paths that would skip the gate: promote/import, archive of a live flag, schedules and release plans', async () => {
    await createFlag(admin, 'gated');
    expect((await patchConfig(admin, 'gated', 'staging', { enabled: true, fallthrough: { variant: 'on' } })).statusCode).toBe(200);
    const promote = await admin.post('/api/admin/flags/gated/promote', {
      from: 'staging',
      to: 'production',
      fromVersion: await configVersion(admin, 'gated', 'staging'),
      toVersion: await configVersion(admin, 'gated', 'production'),
    });
    expect(promote.statusCode).toBe(409);
    expect(promote.json().error.message).toMatch(/approval/);

    const schedule = await admin.post(`${configUrl('gated')}/scheduled-changes`, {
      runAt: new Date(Date.now() + 3_600_000).toISOString(),
      change: { enabled: true },
    });
    expect(schedule.statusCode).toBe(409);
    // A scheduled kill needs no approval.
    const scheduledKill = await admin.post(`${configUrl('gated')}/scheduled-changes`, {
      runAt: new Date(Date.now() + 3_600_000).toISOString(),
      change: { enabled: false },
    });
    expect(scheduledKill.statusCode).toBe(201);

    const planned = await admin.put(`${configUrl('gated')}/release-plan`, {
      variant: 'on',
      stages: [{ percent: 10, minDurationSec: 60 }, { percent: 100 }],
    });
    expect(planned.statusCode, planned.body).toBe(409);

    // Archiving a flag that is on in production is refused; off, it may go.
    const opened = await propose('gated', { enabled: true }, alice);
    await act(opened.id, 'approve', bob);
    await act(opened.id, 'apply', alice);
    const flagVersion = (await admin.get('/api/admin/flags/gated')).json().version as number;
    const archive = await admin.patch('/api/admin/flags/gated', { archived: true }, ifMatch(flagVersion));
    expect(archive.statusCode).toBe(409);
    expect(archive.json().error.message).toMatch(/switch it off/);
    expect((await patchConfig(admin, 'gated', 'production', { enabled: false })).statusCode).toBe(200);
    expect((await admin.patch('/api/admin/flags/gated', { archived: true }, ifMatch(flagVersion))).statusCode).toBe(200);
  });

  it("applies a release plan's automatic rollback without approval", async () => {
    // The plan is made while production needs no approval; approvals come on while it runs.
    expect((await admin.patch('/api/admin/environments/production', { requiredApprovals: 0 })).statusCode).toBe(200);
    await createFlag(admin, 'risky');
    expect((await patchConfig(admin, 'risky', 'production', { enabled: true })).statusCode).toBe(200);
    const guard = { event: '$error', metric: 'rate', worseWhen: 'higher', minUnits: 300, action: 'rollback' };
    const started = await admin.put(`${configUrl('risky')}/release-plan`, {
      variant: 'on',
      stages: [{ percent: 10, minDurationSec: 600 }, { percent: 100 }],
      guards: [guard],
    });
    expect(started.statusCode).toBe(201);
    expect((await admin.patch('/api/admin/environments/production', { requiredApprovals: 1 })).statusCode).toBe(200);
    await sleep(500);

    const units = (from: number, n: number) => Array.from({ length: n }, (_, i) => (from + i).toString(16).padStart(8, '0'));
    const summary = (variant: string, list: string[]): UnitSummary => ({
      flag: 'risky',
      variant,
      units: list,
      windowStart: Date.now() - 100,
      windowEnd: Date.now(),
    });
    const errors = (variant: string, list: string[]): TrackedEvent[] =>
      list.map((u) => ({ name: '$error', timestamp: Date.now(), variants: { risky: variant }, units: { risky: u } }));
    const treatment = units(0, 1000);
    const control = units(100_000, 9000);
    // 10% errors on the treatment, 2% on control, in two SDK reports.
    for (const i of [0, 1]) {
      const half = <T>(list: T[]) => list.filter((_, j) => j % 2 === i);
      await app.releases.arms.ingest(
        'production',
        [summary('on', half(treatment)), summary('off', half(control))],
        [...errors('on', half(treatment.slice(0, 100))), ...errors('off', half(control.slice(0, 180)))],
      );
    }
    const deadline = Date.now() + 10_000;
    let status = '';
    while (Date.now() < deadline && status !== 'rolled_back') {
      status = (await admin.get(`${configUrl('risky')}/release-plan`)).json().status;
      await sleep(100);
    }
    expect(status, JSON.stringify((await admin.get(`${configUrl('risky')}/release-plan`)).json())).toBe('rolled_back');
    expect((await admin.get(configUrl('risky'))).json().fallthrough).toEqual({ variant: 'off' });
    expect((await admin.get('/api/admin/change-requests?flag=risky')).json().changeRequests).toEqual([]);
  });
});

describe('change request inputs', () => {
  it('answers 404 for an unknown request and 400 for a malformed id, 428 without If-Match', async () => {
    expect((await admin.get(cr(999_999))).statusCode).toBe(404);
    expect((await admin.get('/api/admin/change-requests/abc')).statusCode).toBe(400);
    expect((await admin.get('/api/admin/change-requests?status=pending')).statusCode).toBe(400);
    await createFlag(admin, 'inputs');
    const opened = await propose('inputs', { fallthrough: { variant: 'on' } }, alice);
    expect((await admin.post(cr(opened.id, 'approve'), undefined, { key: bob })).statusCode).toBe(428);
    const badPatch = await admin.patch(cr(opened.id), { patch: { enabled: 'yes' } }, { key: alice, ...ifMatch(opened.revision) });
    expect(badPatch.statusCode).toBe(400);
    const unknownVariant = await admin.patch(
      cr(opened.id),
      { patch: { fallthrough: { variant: 'nope' } } },
      { key: alice, ...ifMatch(opened.revision) },
    );
    expect(unknownVariant.statusCode).toBe(400);
    expect((await admin.get(cr(opened.id))).json()).toMatchObject({ revision: opened.revision, patch: { fallthrough: { variant: 'on' } } });
  });
});
