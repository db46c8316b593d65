import { describe, expect, it } from 'vitest';
import { createAdminClient, type AdminClientOptions } from './client.js';
import { isApiError, type ApiError } from './errors.js';
import { retryAfterSeconds, versionOfEtag } from './transport.js';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A server stand-in: records what the client sent and answers with `answer`. */
function recording(answer: (sent: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const s: Sent = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    sent.push(s);
    return answer(s);
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function client(answer: (sent: Sent) => Response | Promise<Response>, options: Partial<AdminClientOptions> = {}) {
  const r = recording(answer);
  return { sent: r.sent, api: createAdminClient({ baseUrl: 'http://flags.test', token: 'sb_admin_x', fetch: r.fetch, ...options }) };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('requests', () => {
  it('encodes every path parameter, so a key can never reach another route', async () => {
    const { api, sent } = client(() => json(200, {}));
    await api.configs.get('a/b', 'prod?x=1');
    await api.flags.get('../api-keys');
    await api.apiKeys.revoke('id#1');
    await api.configs.versions('café', 'qa env', { limit: 5 });
    expect(sent.map((s) => s.url)).toEqual([
      'http://flags.test/api/admin/flags/a%2Fb/environments/prod%3Fx%3D1',
      'http://flags.test/api/admin/flags/..%2Fapi-keys',
      'http://flags.test/api/admin/api-keys/id%231',
      'http://flags.test/api/admin/flags/caf%C3%A9/environments/qa%20env/versions?limit=5',
    ]);
  });

  it('calls the webhook routes with encoded ids', async () => {
    const { api, sent } = client(() => json(200, {}));
    await api.webhooks.create({ url: 'https://hooks.example.com/in', events: ['flag.changed'] });
    await api.webhooks.update('w/1', { enabled: false });
    await api.webhooks.rotateSecret('w1');
    await api.webhooks.deliveries('w1', { status: 'failed', limit: 10 });
    await api.webhooks.redeliver('w1', 'msg_a/b');
    await api.webhooks.delete('w1');
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST http://flags.test/api/admin/webhooks',
      'PATCH http://flags.test/api/admin/webhooks/w%2F1',
      'POST http://flags.test/api/admin/webhooks/w1/rotate-secret',
      'GET http://flags.test/api/admin/webhooks/w1/deliveries?status=failed&limit=10',
      'POST http://flags.test/api/admin/webhooks/w1/deliveries/msg_a%2Fb/redeliver',
      'DELETE http://flags.test/api/admin/webhooks/w1',
    ]);
    expect(sent[0]!.body).toEqual({ url: 'https://hooks.example.com/in', events: ['flag.changed'] });
  });

  it('calls the release plan routes of one flag and environment, path parameters encoded', async () => {
    const { api, sent } = client(() => json(200, {}));
    const body = {
      variant: 'on',
      stages: [{ percent: 1, minDurationSec: 600 }, { percent: 100 }],
      guards: [{ event: '$error', metric: 'rate' as const, worseWhen: 'higher' as const, action: 'rollback' as const }],
    };
    await api.releasePlans.put('new/checkout', 'prod env', body);
    await api.releasePlans.get('new/checkout', 'prod env');
    await api.releasePlans.pause('f', 'production');
    await api.releasePlans.resume('f', 'production');
    await api.releasePlans.advance('f', 'production');
    await api.releasePlans.cancel('f', 'production');
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'PUT http://flags.test/api/admin/flags/new%2Fcheckout/environments/prod%20env/release-plan',
      'GET http://flags.test/api/admin/flags/new%2Fcheckout/environments/prod%20env/release-plan',
      'POST http://flags.test/api/admin/flags/f/environments/production/release-plan/pause',
      'POST http://flags.test/api/admin/flags/f/environments/production/release-plan/resume',
      'POST http://flags.test/api/admin/flags/f/environments/production/release-plan/advance',
      'POST http://flags.test/api/admin/flags/f/environments/production/release-plan/cancel',
    ]);
    expect(sent[0]!.body).toEqual(body);
    expect(sent.slice(2).map((s) => s.body)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('posts a context to the explain routes of a flag or a whole environment', async () => {
    const { api, sent } = client(() => json(200, {}));
    await api.explain.flag('new/checkout', 'prod env', { userId: 'u1', country: 'DE' });
    await api.explain.environment('production', { plan: 'pro' });
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST http://flags.test/api/admin/flags/new%2Fcheckout/environments/prod%20env/explain',
      'POST http://flags.test/api/admin/environments/production/explain',
    ]);
    expect(sent.map((s) => s.body)).toEqual([{ context: { userId: 'u1', country: 'DE' } }, { context: { plan: 'pro' } }]);
  });

  it('keeps a base URL path prefix and leaves unset query values out', async () => {
    const { api, sent } = client(() => json(200, { flags: [] }), { baseUrl: 'https://ops.test/switchboard/' });
    await api.flags.list({ environment: 'staging', archived: undefined });
    await api.audit.list({ flag: 'checkout', limit: 20 });
    expect(sent.map((s) => s.url)).toEqual([
      'https://ops.test/switchboard/api/admin/flags?environment=staging',
      'https://ops.test/switchboard/api/admin/audit?flag=checkout&limit=20',
    ]);
  });

  it('sends the key as a bearer token, the version as If-Match and JSON bodies', async () => {
    const { api, sent } = client(() => json(200, {}), {
      headers: (method): Record<string, string> => (method === 'GET' ? {} : { 'x-request-id': 'ui-1' }),
    });
    await api.configs.patch('checkout', 'production', { enabled: false }, { ifMatch: 7 });
    await api.configs.restore('checkout', 'production', 3, { ifMatch: 8 });
    await api.flags.create({ key: 'checkout', type: 'boolean', variants: { on: true, off: false } }, { idempotencyKey: 'k-1' });
    await api.environments.list();
    expect(sent[0]).toEqual({
      url: 'http://flags.test/api/admin/flags/checkout/environments/production',
      method: 'PATCH',
      headers: {
        authorization: 'Bearer sb_admin_x',
        accept: 'application/json',
        'content-type': 'application/json',
        'if-match': '"7"',
        'x-request-id': 'ui-1',
      },
      body: { enabled: false },
    });
    expect(sent[1]).toMatchObject({
      method: 'POST',
      url: expect.stringMatching(/\/restore$/),
      body: { restoreVersion: 3 },
      headers: { 'if-match': '"8"' },
    });
    expect(sent[2]!.headers['idempotency-key']).toBe('k-1');
    expect(sent[3]!.headers).toEqual({ authorization: 'Bearer sb_admin_x', accept: 'application/json' });
  });

  it('answers the server JSON as is, and nothing for a 204', async () => {
    const { api } = client((s) =>
      s.method === 'DELETE' ? new Response(null, { status: 204 }) : json(200, { environments: [{ key: 'qa' }] }),
    );
    expect(await api.environments.list()).toEqual({ environments: [{ key: 'qa' }] });
    expect(await api.environments.delete('qa')).toBeUndefined();
  });

  it('schedules, lists and cancels scheduled changes on their routes', async () => {
    const { api, sent } = client(() => json(200, {}));
    const body = { runAt: { local: '2026-12-08T03:00', timeZone: 'Europe/Berlin' }, change: { enabled: true }, baseVersion: 4 };
    await api.scheduledChanges.create('new/checkout', 'production', body, { idempotencyKey: 'k1' });
    await api.scheduledChanges.list('new/checkout', 'production', { status: 'pending' });
    await api.scheduledChanges.listAll({ status: 'failed', environment: 'production' });
    await api.scheduledChanges.cancel('new/checkout', 'production', 'id/1');
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST http://flags.test/api/admin/flags/new%2Fcheckout/environments/production/scheduled-changes',
      'GET http://flags.test/api/admin/flags/new%2Fcheckout/environments/production/scheduled-changes?status=pending',
      'GET http://flags.test/api/admin/scheduled-changes?status=failed&environment=production',
      'DELETE http://flags.test/api/admin/flags/new%2Fcheckout/environments/production/scheduled-changes/id%2F1',
    ]);
    expect(sent[0]!.body).toEqual(body);
    expect(sent[0]!.headers['idempotency-key']).toBe('k1');
  });

  it('walks audit pages by cursor until the last one', async () => {
    const pages: Record<string, unknown> = {
      '': { events: [{ id: 5 }, { id: 4 }], nextCursor: '4' },
      '4': { events: [{ id: 3 }, { id: 2 }], nextCursor: '2' },
      '2': { events: [{ id: 1 }], nextCursor: null },
    };
    const { api, sent } = client((s) => json(200, pages[new URL(s.url).searchParams.get('cursor') ?? '']));
    const ids: number[] = [];
    for await (const page of api.audit.pages({ flag: 'checkout', limit: 2 })) ids.push(...page.events.map((e) => e.id));
    expect(ids).toEqual([5, 4, 3, 2, 1]);
    expect(sent.map((s) => new URL(s.url).search)).toEqual([
      '?flag=checkout&limit=2',
      '?flag=checkout&limit=2&cursor=4',
      '?flag=checkout&limit=2&cursor=2',
    ]);
  });
});

describe('errors', () => {
  it('surfaces the error body with status, code, field and request id', async () => {
    const errors: [ApiError, string][] = [];
    const { api } = client(
      () => json(400, { error: { code: 'VALIDATION_FAILED', message: 'name is too long', field: 'name', requestId: 'req-1' } }),
      {
        onError: (err, method) => errors.push([err, method]),
      },
    );
    const err = await caught(api.environments.rename('qa', 'x'.repeat(300)));
    expect(isApiError(err)).toBe(true);
    expect(err).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'name is too long',
      field: 'name',
      requestId: 'req-1',
      retryAfter: undefined,
    });
    expect(errors).toEqual([[err, 'PATCH']]);
  });

  it('reads the current version of a 412 from its ETag', async () => {
    const { api } = client(() => json(412, { error: { code: 'PRECONDITION_FAILED', message: 'stale', requestId: 'r' } }, { etag: '"9"' }));
    expect(await caught(api.configs.patch('f', 'e', { enabled: true }, { ifMatch: 8 }))).toMatchObject({ status: 412, currentVersion: 9 });
  });

  it('gives Retry-After in seconds', async () => {
    const { api } = client(() =>
      json(429, { error: { code: 'RATE_LIMITED', message: 'slow down', requestId: 'r' } }, { 'retry-after': '30' }),
    );
    expect(await caught(api.flags.list())).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: 30 });
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30);
    expect(retryAfterSeconds('soon')).toBeUndefined();
  });

  it('names an answer that is not a Switchboard error (a proxy page) by its status', async () => {
    const { api } = client(() => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(await caught(api.flags.list())).toMatchObject({
      status: 502,
      code: 'HTTP_502',
      message: 'http://flags.test answered HTTP 502 Bad Gateway, not a Switchboard error',
    });
  });

  it('turns no answer into NETWORK, keeping the cause', async () => {
    const cause = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    const { api } = client(() => Promise.reject(cause));
    const err = await caught(api.flags.list());
    expect(err).toMatchObject({ status: 0, code: 'NETWORK', message: 'cannot connect to http://flags.test: connection refused' });
    expect((err as Error).cause).toBe(cause);
    const offline = client(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await caught(offline.api.flags.list())).toMatchObject({
      code: 'NETWORK',
      message: 'cannot reach http://flags.test: Failed to fetch',
    });
  });

  it('turns a timeout into TIMEOUT', async () => {
    const hang = (s: Sent, signal: AbortSignal) =>
      new Promise<Response>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    const api = createAdminClient({
      baseUrl: 'http://flags.test',
      token: 't',
      timeoutMs: 10,
      fetch: ((url: string, init: RequestInit) => hang({} as Sent, init.signal!)) as unknown as typeof fetch,
    });
    expect(await caught(api.flags.list())).toMatchObject({
      status: 0,
      code: 'TIMEOUT',
      message: 'no answer from http://flags.test within 0.01 s',
    });
  });

  it("rethrows the caller's own abort untouched, without calling onError", async () => {
    let called = false;
    const api = createAdminClient({
      baseUrl: '',
      token: 't',
      onError: () => (called = true),
      fetch: ((_url: string, init: RequestInit) =>
        new Promise((_, reject) =>
          init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        )) as unknown as typeof fetch,
    });
    const controller = new AbortController();
    const pending = caught(api.flags.get('f', { signal: controller.signal }));
    controller.abort();
    const err = await pending;
    expect((err as Error).name).toBe('AbortError');
    expect(called).toBe(false);
  });

  it('refuses a redirect when redirects are not followed', async () => {
    const { api } = client(() => new Response(null, { status: 302, headers: { location: 'https://elsewhere.test/' } }), {
      followRedirects: false,
    });
    expect(await caught(api.flags.list())).toMatchObject({
      status: 302,
      code: 'REDIRECT',
      message: 'http://flags.test answered a redirect (302) to https://elsewhere.test/',
    });
  });

  it('recognises an ApiError by name and status, not by class identity', () => {
    const fromAnotherCopy = Object.assign(new Error('x'), { name: 'ApiError', status: 404 });
    expect(isApiError(fromAnotherCopy)).toBe(true);
    expect(isApiError(new Error('x'))).toBe(false);
    expect(isApiError({ name: 'ApiError', status: 404 })).toBe(false);
  });

  it('reads versions from strong and weak ETags only', () => {
    expect(versionOfEtag('"12"')).toBe(12);
    expect(versionOfEtag('W/"3"')).toBe(3);
    expect(versionOfEtag('"abc"')).toBeUndefined();
    expect(versionOfEtag(null)).toBeUndefined();
  });
});
