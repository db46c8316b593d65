import { describe, expect, it } from 'vitest';
import { createAdminClient } from './client.js';
import { isChangeRequest } from './change-requests.js';

function recording(status = 200, body: unknown = {}) {
  const sent: { method: string; url: string; headers: Record<string, string> }[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({ method: init?.method ?? 'GET', url: String(input), headers: { ...(init?.headers as Record<string, string>) } });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { sent, api: createAdminClient({ baseUrl: 'http://flags.test', token: 'sb_admin_x', fetch }) };
}

describe('change requests', () => {
  it('calls each change-request route with the revision as If-Match', async () => {
    const { api, sent } = recording();
    await api.changeRequests.list({ status: 'open', flag: 'checkout' });
    await api.changeRequests.get(12);
    await api.changeRequests.update(12, { patch: { enabled: true } }, { ifMatch: 2 });
    for (const action of ['approve', 'reject', 'apply', 'cancel'] as const) await api.changeRequests[action](12, { ifMatch: 3 });
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET http://flags.test/api/admin/change-requests?status=open&flag=checkout',
      'GET http://flags.test/api/admin/change-requests/12',
      'PATCH http://flags.test/api/admin/change-requests/12',
      'POST http://flags.test/api/admin/change-requests/12/approve',
      'POST http://flags.test/api/admin/change-requests/12/reject',
      'POST http://flags.test/api/admin/change-requests/12/apply',
      'POST http://flags.test/api/admin/change-requests/12/cancel',
    ]);
    expect(sent.slice(2).every((s) => s.headers['if-match'] === (s.method === 'PATCH' ? '"2"' : '"3"'))).toBe(true);
  });

  it('sends a reason percent-encoded as X-Change-Reason, and none when blank', async () => {
    const { api, sent } = recording();
    await api.configs.patch('checkout', 'production', { enabled: false }, { ifMatch: 7, reason: 'Über-spike — INC 7' });
    await api.configs.patch('checkout', 'production', { enabled: false }, { ifMatch: 8, reason: '  ' });
    expect(sent[0]!.headers['x-change-reason']).toBe(encodeURIComponent('Über-spike — INC 7'));
    expect(decodeURIComponent(sent[0]!.headers['x-change-reason']!)).toBe('Über-spike — INC 7');
    expect(sent[1]!.headers).not.toHaveProperty('x-change-reason');
  });

  it('tells a held write (202, a change request) from a written config', async () => {
    const held = { id: 12, status: 'open', approvals: [], baseVersion: 7, patch: { enabled: true } };
    const { api } = recording(202, held);
    const answer: unknown = await api.configs.patch('checkout', 'production', { enabled: true }, { ifMatch: 7 });
    expect(isChangeRequest(answer)).toBe(true);
    expect(isChangeRequest({ flag: 'checkout', environment: 'production', version: 8, enabled: true })).toBe(false);
    expect(isChangeRequest(null)).toBe(false);
  });
});
