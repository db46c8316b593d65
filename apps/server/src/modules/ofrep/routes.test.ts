/**
 * OFREP on a real server (embedded PGlite, real HTTP where CORS matters): auth by Bearer and
 * X-API-Key, what each key kind sees, the bulk ETag, OFREP's error codes, the rate limit, and
 * every evaluation case of packages/spec answered as core's `evaluate` answers it. Requests and
 * answers are checked against the upstream OFREP schemas (test-support/ofrep-upstream-schema.ts) as well as our
 * declared contract (every `api.*` call).
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type EvaluationContext, type Snapshot } from '@switchboard/core';
import type { App } from '../../app.js';
import { ADMIN_TOKEN, testApp } from '../../test-support/app.js';
import { createFlag, createKey, http, patchConfig, type Http } from '../../test-support/http.js';
import { DeliveredEnvironment } from '../sdk/delivered-environment.js';
import { UPSTREAM_OFREP } from '../../test-support/ofrep-upstream-schema.js';

const ajv = new Ajv({ strict: false, allowUnionTypes: true });
const upstream = Object.fromEntries(Object.entries(UPSTREAM_OFREP).map(([name, schema]) => [name, ajv.compile(schema)]));

function conforms(name: keyof typeof UPSTREAM_OFREP, body: unknown): void {
  const validate = upstream[name]!;
  expect(validate(body), `${name}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body)}`).toBe(true);
}

type Res = Awaited<ReturnType<Http['post']>>;

/** One OFREP call; the request body is checked against upstream's request schema first. */
async function ofrep(api: Http, path: string, body: unknown, key: string | null, headers: Record<string, string> = {}): Promise<Res> {
  if (body !== undefined && typeof body === 'object')
    conforms(path.endsWith('/flags') ? 'bulkEvaluationRequest' : 'evaluationRequest', body);
  return api.post(`/ofrep/v1/evaluate/flags${path === '/flags' ? '' : path.slice('/flags'.length)}`, body, { key, headers });
}

/** Checks an answer against the upstream schema its status names. */
function conformsSingle(res: Res): void {
  if (res.statusCode === 200) conforms('serverEvaluationSuccess', res.json());
  else if (res.statusCode === 404) conforms('flagNotFound', res.json());
  else if (res.statusCode === 400) conforms('evaluationFailure', res.json());
}
function conformsBulk(res: Res): void {
  if (res.statusCode === 200) conforms('bulkEvaluationSuccess', res.json());
  else if (res.statusCode === 400) conforms('bulkEvaluationFailure', res.json());
}

describe('OFREP', () => {
  let app: App;
  let api: Http;
  let server: string;
  let client: string;

  beforeAll(async () => {
    app = await testApp({ corsOrigins: ['https://app.example.com'] });
    api = http(app);
    await createFlag(api, 'web-banner', { clientSide: true });
    await createFlag(api, 'server-only', { clientSide: false });
    expect(
      (
        await patchConfig(api, 'web-banner', 'staging', {
          enabled: true,
          rules: [{ id: 'nl', conditions: [{ attribute: 'country', operator: 'in', values: ['NL'] }], serve: { variant: 'on' } }],
        })
      ).statusCode,
    ).toBe(200);
    expect((await patchConfig(api, 'server-only', 'staging', { enabled: true })).statusCode).toBe(200);
    server = (await createKey(api, 'server', 'staging')).key;
    client = (await createKey(api, 'client', 'staging')).key;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('evaluates one flag with the providers’ context mapping (targetingKey → userId), by Bearer or X-API-Key', async () => {
    const nl = await ofrep(api, '/flags/web-banner', { context: { targetingKey: 'u1', country: 'NL' } }, server);
    expect(nl.statusCode).toBe(200);
    conformsSingle(nl);
    expect(nl.json()).toEqual({ key: 'web-banner', value: true, variant: 'on', reason: 'TARGETING_MATCH', metadata: { ruleId: 'nl' } });
    const byApiKey = await ofrep(api, '/flags/web-banner', { context: { targetingKey: 'u1', country: 'DE' } }, null, {
      'x-api-key': server,
    });
    expect(byApiKey.statusCode).toBe(200);
    conformsSingle(byApiKey);
    expect(byApiKey.json()).toMatchObject({ key: 'web-banner', reason: 'DEFAULT' });
    // The same key in both headers is fine; two different keys are refused.
    expect((await ofrep(api, '/flags/web-banner', {}, server, { 'x-api-key': server })).statusCode).toBe(200);
    expect((await ofrep(api, '/flags/web-banner', {}, server, { 'x-api-key': client })).statusCode).toBe(401);
  });

  it('answers 401 without a key or with an unknown one, 403 to an admin key', async () => {
    expect((await ofrep(api, '/flags/web-banner', {}, null)).statusCode).toBe(401);
    expect((await ofrep(api, '/flags', {}, null, { 'x-api-key': 'sb_server_nope' })).statusCode).toBe(401);
    expect((await ofrep(api, '/flags', {}, ADMIN_TOKEN)).statusCode).toBe(403);
  });

  it('shows a client key only client-side flags; a server key every flag', async () => {
    const hidden = await ofrep(api, '/flags/server-only', { context: { targetingKey: 'u1' } }, client);
    expect(hidden.statusCode).toBe(404);
    conformsSingle(hidden);
    expect(hidden.json()).toMatchObject({ key: 'server-only', errorCode: 'FLAG_NOT_FOUND' });
    expect((await ofrep(api, '/flags/server-only', { context: { targetingKey: 'u1' } }, server)).statusCode).toBe(200);

    const asClient = await ofrep(api, '/flags', { context: { targetingKey: 'u1' } }, client);
    conformsBulk(asClient);
    const clientKeys = (asClient.json().flags as { key: string }[]).map((f) => f.key);
    expect(clientKeys).toContain('web-banner');
    expect(clientKeys).not.toContain('server-only');
    const asServer = await ofrep(api, '/flags', { context: { targetingKey: 'u1' } }, server);
    conformsBulk(asServer);
    const serverKeys = (asServer.json().flags as { key: string }[]).map((f) => f.key);
    expect(serverKeys).toEqual([...serverKeys].sort());
    expect(serverKeys).toEqual(expect.arrayContaining(['web-banner', 'server-only']));
  });

  it('answers 304 only when neither the flags nor the context changed', async () => {
    const body = { context: { targetingKey: 'u1', country: 'NL', tags: { a: 1, b: 2 } } };
    const first = await ofrep(api, '/flags', body, client);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"\d+-[A-Za-z0-9_-]+"$/);
    // The same context with its keys in another order is the same context.
    const reordered = { context: { tags: { b: 2, a: 1 }, country: 'NL', targetingKey: 'u1' } };
    const same = await ofrep(api, '/flags', reordered, client, { 'if-none-match': etag });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    const otherContext = await ofrep(api, '/flags', { context: { targetingKey: 'u2', country: 'NL' } }, client, { 'if-none-match': etag });
    expect(otherContext.statusCode).toBe(200);
    expect(otherContext.headers.etag).not.toBe(etag);
    // A server key's answer differs from a client key's for the same context.
    expect((await ofrep(api, '/flags', body, server, { 'if-none-match': etag })).statusCode).toBe(200);
    await patchConfig(api, 'web-banner', 'staging', { enabled: false });
    const moved = await ofrep(api, '/flags', body, client, { 'if-none-match': etag });
    expect(moved.statusCode).toBe(200);
    conformsBulk(moved);
    expect((moved.json().flags as { key: string; reason: string }[]).find((f) => f.key === 'web-banner')?.reason).toBe('DISABLED');
    await patchConfig(api, 'web-banner', 'staging', { enabled: true });
  });

  it("refuses bad requests with OFREP's codes", async () => {
    const cases: [unknown, string][] = [
      [{ context: 'nope' }, 'INVALID_CONTEXT'],
      [{ context: [1] }, 'INVALID_CONTEXT'],
      [{ context: { targetingKey: 42 } }, 'INVALID_CONTEXT'],
      [{ context: { targetingKey: '' } }, 'TARGETING_KEY_MISSING'],
      [{ context: { targetingKey: null } }, 'TARGETING_KEY_MISSING'],
      [{ context: { targetingKey: 'u', list: Array.from({ length: 1001 }, (_, i) => i) } }, 'INVALID_CONTEXT'],
      [{ context: { targetingKey: 'u', deep: [[[[[[[[[1]]]]]]]]] } }, 'INVALID_CONTEXT'],
      [[1, 2], 'PARSE_ERROR'],
    ];
    for (const [body, code] of cases) {
      const single = await api.post('/ofrep/v1/evaluate/flags/web-banner', body, { key: server });
      expect(single.statusCode, JSON.stringify(body)).toBe(400);
      conformsSingle(single);
      expect(single.json()).toMatchObject({ key: 'web-banner', errorCode: code });
      const bulk = await api.post('/ofrep/v1/evaluate/flags', body, { key: server });
      expect(bulk.statusCode, JSON.stringify(body)).toBe(400);
      conformsBulk(bulk);
      expect(bulk.json()).toMatchObject({ errorCode: code });
    }
    const json = { 'content-type': 'application/json' };
    const broken = await api.post('/ofrep/v1/evaluate/flags/web-banner', '{"context": {', { key: server, headers: json });
    expect(broken.statusCode).toBe(400);
    conformsSingle(broken);
    expect(broken.json()).toMatchObject({ key: 'web-banner', errorCode: 'PARSE_ERROR' });
    const brokenBulk = await api.post('/ofrep/v1/evaluate/flags', '{"context": {', { key: server, headers: json });
    expect(brokenBulk.statusCode).toBe(400);
    expect(brokenBulk.json()).toMatchObject({ errorCode: 'PARSE_ERROR' });
    // No body at all is an empty context.
    expect((await api.post('/ofrep/v1/evaluate/flags', undefined, { key: server })).statusCode).toBe(200);
    const big = { context: { targetingKey: 'u', blob: 'x'.repeat(70 * 1024) } };
    const tooBig = await api.post('/ofrep/v1/evaluate/flags', big, { key: server });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('allows CORS for configured origins with X-API-Key, for client keys only', async () => {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const origin = 'https://app.example.com';
    const preflight = await fetch(`${base}/ofrep/v1/evaluate/flags`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-api-key, content-type, if-none-match',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-api-key');
    const post = (key: string) =>
      fetch(`${base}/ofrep/v1/evaluate/flags`, {
        method: 'POST',
        headers: { origin, 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { targetingKey: 'u1' } }),
      });
    const asClient = await post(client);
    expect(asClient.status).toBe(200);
    expect(asClient.headers.get('access-control-allow-origin')).toBe(origin);
    expect(asClient.headers.get('access-control-expose-headers')).toContain('etag');
    const asServer = await post(server);
    expect(asServer.status).toBe(200);
    expect(asServer.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('OFREP rate limit', () => {
  it('answers 429 with Retry-After past OFREP_RATE_LIMIT_PER_MINUTE per key and client IP', async () => {
    const app = await testApp({ ofrepRateLimitPerMinute: 2 });
    try {
      const api = http(app);
      await createFlag(api, 'f');
      const { key } = await createKey(api, 'server', 'development');
      const statuses: number[] = [];
      let last: Res | undefined;
      for (let i = 0; i < 3; i++) {
        last = await api.post('/ofrep/v1/evaluate/flags/f', { context: {} }, { key });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      // Another key from the same address has its own allowance.
      const other = await createKey(api, 'server', 'development');
      expect((await api.post('/ofrep/v1/evaluate/flags', { context: {} }, { key: other.key })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

interface SpecCase {
  name: string;
  snapshot: Snapshot;
  flag: string;
  context: Record<string, unknown>;
  default: unknown;
  expected: { value: unknown; variant?: string; reason: string; errorCode?: string; ruleId?: string };
}
const evaluation = JSON.parse(readFileSync(new URL('../../../../../packages/spec/cases/evaluation.json', import.meta.url), 'utf8')) as {
  specVersion: string;
  cases: SpecCase[];
};

/** A default of the flag's type, as the server picks one (OFREP requests carry none). */
function typedDefault(snapshot: Snapshot, key: string): unknown {
  const type = (snapshot.flags[key] as { type?: unknown } | undefined)?.type;
  return type === 'boolean' ? false : type === 'string' ? '' : type === 'number' ? 0 : null;
}

/** What OFREP should answer for core's result, written from the protocol, not from the module. */
function expectedOfrep(key: string, result: ReturnType<typeof evaluate>): { status: number; body: Record<string, unknown> } {
  if (result.reason === 'ERROR') {
    if (result.errorCode === 'FLAG_NOT_FOUND') return { status: 404, body: { key, errorCode: 'FLAG_NOT_FOUND' } };
    return { status: 400, body: { key, errorCode: result.errorCode === 'PARSE_ERROR' ? 'PARSE_ERROR' : 'GENERAL' } };
  }
  const body: Record<string, unknown> = { key, value: result.value, reason: result.reason };
  if (result.variant !== undefined) body.variant = result.variant;
  if (result.ruleId !== undefined) body.metadata = { ruleId: result.ruleId };
  return { status: 200, body };
}

describe(`spec ${evaluation.specVersion}: every evaluation case through OFREP`, () => {
  let app: App;
  let api: Http;
  let key: string;

  beforeAll(async () => {
    // No revision checks: each case's snapshot is put straight into the delivered view.
    app = await testApp({ revisionCheckIntervalMs: 3_600_000 });
    api = http(app);
    expect((await api.post('/api/admin/environments', { key: 'spec' })).statusCode).toBe(201);
    key = (await createKey(api, 'server', 'spec')).key;
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each(evaluation.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    // The case's snapshot as this environment's: the same objects, as delivery would hold them.
    app.delivery.views.set('spec', new DeliveredEnvironment({ ...c.snapshot, environment: 'spec', revision: 1_000_000 }));
    const context = c.context as EvaluationContext;
    const core = evaluate(c.snapshot, c.flag, context, typedDefault(c.snapshot, c.flag));
    const want = expectedOfrep(c.flag, core);

    const res = await api.post(`/ofrep/v1/evaluate/flags/${encodeURIComponent(c.flag)}`, { context }, { key });
    expect(res.statusCode).toBe(want.status);
    conformsSingle(res);
    expect(res.json()).toMatchObject(want.body);
    if (want.status === 200) expect(res.json()).toEqual(want.body);
    // Where the case's own default has the flag's type, OFREP answers what the case expects.
    if (c.expected.errorCode !== 'TYPE_MISMATCH') {
      if (c.expected.reason === 'ERROR') expect(res.json().errorCode).toBe(c.expected.errorCode);
      else {
        const { ruleId, ...rest } = c.expected;
        expect(res.json()).toEqual({ key: c.flag, ...rest, ...(ruleId !== undefined ? { metadata: { ruleId } } : {}) });
      }
    }

    // The bulk answer holds every flag of the snapshot, each as core evaluates it.
    const bulk = await api.post('/ofrep/v1/evaluate/flags', { context }, { key });
    expect(bulk.statusCode).toBe(200);
    conformsBulk(bulk);
    const flags = bulk.json().flags as Record<string, unknown>[];
    expect(flags.map((f) => f.key)).toEqual(Object.keys(c.snapshot.flags).sort());
    for (const entry of flags) {
      const k = entry.key as string;
      const expected = expectedOfrep(k, evaluate(c.snapshot, k, context, typedDefault(c.snapshot, k)));
      if (expected.status === 200) expect(entry).toEqual(expected.body);
      else expect(entry).toMatchObject(expected.body);
    }
  });
});
