/**
 * Hostile input on real Postgres 15 (with Redis, as deployed): NUL characters in every stored text, dates outside
 * what Postgres and JavaScript handle, prototype keys, compressed bodies, oversized path
 * parameters and a client's X-Request-Id. Each gets a 4xx naming what is wrong (never a
 * 500), nothing is written, and no error-level log line carries SQL.
 */
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { App } from '../app.js';
import { ADMIN_TOKEN, testApp } from '../test-support/app.js';
import { auditCount, configVersion, createFlag, createKey, http, type Http } from '../test-support/http.js';

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
let app: App;
let api: Http;
const logLines: string[] = [];

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  app = await testApp(
    { databaseUrl: await pg.createDatabase('hostile_input'), redisUrl: redis.url, logLevel: 'info' },
    { logger: undefined, logStream: { write: (line: string) => void logLines.push(line) } },
  );
  // Raw statements past the route schemas, to see what the database's own refusal becomes.
  app.post('/test-only/store', async (request) => {
    const { text, json } = request.body as { text?: string; json?: string };
    if (text !== undefined) await app.database.db.execute(sql`select ${text}::text`);
    if (json !== undefined) await app.database.db.execute(sql`select ${json}::jsonb`);
    return { ok: true };
  });
  api = http(app);
  await createFlag(api, 'nul-flag', { type: 'string', variants: { a: 'x', b: 'y' } });
  await createFlag(api, 'nul-json', { type: 'json', variants: { a: { k: 'v' }, b: null } });
  expect((await api.post('/api/admin/segments', { key: 'nul-seg', included: ['u1'] })).statusCode).toBe(201);
});

afterAll(async () => {
  await app?.close();
  await Promise.all([pg?.stop(), redis?.stop()]);
});

async function state() {
  const flags = (await api.get('/api/admin/flags?archived=true'))
    .json()
    .flags.map((f: { key: string; version: number }) => `${f.key}@${f.version}`);
  const segments = (await api.get('/api/admin/segments'))
    .json()
    .segments.map((s: { key: string; version: number }) => `${s.key}@${s.version}`);
  const environments = (await api.get('/api/admin/environments'))
    .json()
    .environments.map((e: { key: string; revision: number; name: string }) => `${e.key}@${e.revision}:${e.name}`);
  const keys = (await api.get('/api/admin/api-keys?revoked=true')).json().apiKeys.length;
  return { flags, segments, environments, keys, audit: await auditCount(api), config: await configVersion(api, 'nul-flag', 'production') };
}

/** Log lines at error level or above, and any line that carries a SQL statement. */
function badLogLines(from: number): string[] {
  return logLines.slice(from).filter((line) => {
    const entry = JSON.parse(line) as { level: number };
    return entry.level >= 50 || /Failed query|insert into|params:/i.test(line);
  });
}

const NUL = '\u0000';
const v1 = { 'if-match': '"1"' };
const CFG = '/api/admin/flags/nul-flag/environments/production';
const rule = (condition: Record<string, unknown>, id = 'r1') => ({ rules: [{ id, conditions: [condition], serve: { variant: 'a' } }] });

interface NulCase {
  name: string;
  method: 'POST' | 'PUT' | 'PATCH';
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  field: string;
}

const NUL_CASES: NulCase[] = [
  { name: 'flag name', method: 'POST', url: '/api/admin/flags', body: { key: 'nul-c1', type: 'boolean', name: `a${NUL}b` }, field: 'name' },
  {
    name: 'flag description',
    method: 'POST',
    url: '/api/admin/flags',
    body: { key: 'nul-c1', type: 'boolean', description: `a${NUL}` },
    field: 'description',
  },
  { name: 'flag owner', method: 'POST', url: '/api/admin/flags', body: { key: 'nul-c1', type: 'boolean', owner: NUL }, field: 'owner' },
  {
    name: 'string variant value',
    method: 'POST',
    url: '/api/admin/flags',
    body: { key: 'nul-c1', type: 'string', variants: { a: `x${NUL}y`, b: 'z' } },
    field: 'variants.a',
  },
  {
    name: 'string inside a JSON variant',
    method: 'POST',
    url: '/api/admin/flags',
    body: { key: 'nul-c1', type: 'json', variants: { a: { list: ['ok', `x${NUL}`] }, b: null } },
    field: 'variants.a.list[1]',
  },
  {
    name: 'property name inside a JSON variant',
    method: 'POST',
    url: '/api/admin/flags',
    body: { key: 'nul-c1', type: 'json', variants: { a: { [`k${NUL}`]: 1 }, b: null } },
    field: 'variants.a',
  },
  { name: 'tag', method: 'POST', url: '/api/admin/flags', body: { key: 'nul-c1', type: 'boolean', tags: [`t${NUL}`] }, field: 'tags[0]' },
  {
    name: 'private attribute',
    method: 'POST',
    url: '/api/admin/flags',
    body: { key: 'nul-c1', type: 'boolean', privateAttributes: [`e${NUL}`] },
    field: 'privateAttributes[0]',
  },
  { name: 'flag name on edit', method: 'PATCH', url: '/api/admin/flags/nul-flag', body: { name: NUL }, headers: v1, field: 'name' },
  {
    name: 'flag description on edit',
    method: 'PATCH',
    url: '/api/admin/flags/nul-flag',
    body: { description: `d${NUL}` },
    headers: v1,
    field: 'description',
  },
  {
    name: 'flag owner on edit',
    method: 'PATCH',
    url: '/api/admin/flags/nul-flag',
    body: { owner: `o${NUL}` },
    headers: v1,
    field: 'owner',
  },
  {
    name: 'string variant on edit',
    method: 'PATCH',
    url: '/api/admin/flags/nul-flag',
    body: { variants: { a: 'x', b: `y${NUL}` } },
    headers: v1,
    field: 'variants.b',
  },
  {
    name: 'JSON variant property name on edit',
    method: 'PATCH',
    url: '/api/admin/flags/nul-json',
    body: { variants: { a: { deep: { [NUL]: true } }, b: null } },
    headers: v1,
    field: 'variants.a.deep',
  },
  { name: 'salt (PATCH)', method: 'PATCH', url: CFG, body: { salt: `s${NUL}` }, headers: v1, field: 'salt' },
  {
    name: 'salt (PUT)',
    method: 'PUT',
    url: CFG,
    body: { enabled: false, offVariant: 'b', fallthrough: { variant: 'a' }, salt: `s${NUL}` },
    headers: v1,
    field: 'salt',
  },
  {
    name: 'rule value',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'email', operator: 'eq', values: ['ok', `x${NUL}`] }),
    headers: v1,
    field: 'rules[0].conditions[0].values[1]',
  },
  {
    name: 'rule attribute',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: `e${NUL}`, operator: 'eq', values: ['x'] }),
    headers: v1,
    field: 'rules[0].conditions[0].attribute',
  },
  {
    name: 'rule id',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'email', operator: 'eq', values: ['x'] }, `r${NUL}`),
    headers: v1,
    field: 'rules[0].id',
  },
  {
    name: 'rollout bucketBy',
    method: 'PUT',
    url: `${CFG}/rollout`,
    body: { percentage: 10, bucketBy: `u${NUL}` },
    headers: v1,
    field: 'bucketBy',
  },
  {
    name: 'segment member (create)',
    method: 'POST',
    url: '/api/admin/segments',
    body: { key: 'nul-s2', included: ['ok', `u${NUL}`] },
    field: 'included[1]',
  },
  {
    name: 'segment excluded member',
    method: 'POST',
    url: '/api/admin/segments',
    body: { key: 'nul-s2', excluded: [NUL] },
    field: 'excluded[0]',
  },
  { name: 'segment name', method: 'POST', url: '/api/admin/segments', body: { key: 'nul-s2', name: `n${NUL}` }, field: 'name' },
  {
    name: 'segment description',
    method: 'POST',
    url: '/api/admin/segments',
    body: { key: 'nul-s2', description: `d${NUL}` },
    field: 'description',
  },
  {
    name: 'segment condition value',
    method: 'POST',
    url: '/api/admin/segments',
    body: { key: 'nul-s2', conditions: [{ attribute: 'plan', operator: 'eq', values: [`p${NUL}`] }] },
    field: 'conditions[0].values[0]',
  },
  {
    name: 'segment member (edit)',
    method: 'PATCH',
    url: '/api/admin/segments/nul-seg',
    body: { included: [`u${NUL}`] },
    headers: v1,
    field: 'included[0]',
  },
  {
    name: 'environment name (create)',
    method: 'POST',
    url: '/api/admin/environments',
    body: { key: 'nul-env', name: `e${NUL}` },
    field: 'name',
  },
  { name: 'environment name (rename)', method: 'PATCH', url: '/api/admin/environments/staging', body: { name: `s${NUL}` }, field: 'name' },
  {
    name: 'API key name',
    method: 'POST',
    url: '/api/admin/api-keys',
    body: { kind: 'server', environment: 'production', name: `k${NUL}` },
    field: 'name',
  },
];

describe('NUL in stored text', () => {
  it(`answers ${NUL_CASES.length} requests carrying a NUL with 400 naming the field, writes nothing, logs no SQL at error level`, async () => {
    const before = await state();
    const logsFrom = logLines.length;
    const failures: string[] = [];
    for (const c of NUL_CASES) {
      const res = await api.request(c.method, c.url, { body: c.body, headers: c.headers ?? {} });
      const error = (res.json() as { error?: { code?: string; field?: string; message?: string } }).error;
      if (res.statusCode !== 400 || error?.code !== 'VALIDATION_FAILED' || error.field !== c.field) {
        failures.push(`${c.name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await state()).toEqual(before);
    expect(badLogLines(logsFrom)).toEqual([]);
  });

  it('a NUL that reaches Postgres anyway (text or jsonb) is a 400, not a 500 with the statement in the log', async () => {
    const logsFrom = logLines.length;
    for (const body of [{ text: `a${NUL}b` }, { json: JSON.stringify({ a: `x${NUL}` }) }]) {
      const res = await api.post('/test-only/store', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await api.post('/test-only/store', { text: 'fine', json: '{"a":1}' })).statusCode).toBe(200);
    expect(badLogLines(logsFrom)).toEqual([]);
  });
});

describe('numbers and dates out of range', () => {
  it('answers date-time query parameters outside 1970-9999 with 400 naming the parameter', async () => {
    const logsFrom = logLines.length;
    const q = (s: string) => encodeURIComponent(s);
    const cases: [url: string, field: string][] = [
      [`/api/admin/audit?since=${q('0000-01-01T00:00:00Z')}`, 'since'],
      [`/api/admin/audit?until=${q('0000-01-01T00:00:00Z')}`, 'until'],
      [`/api/admin/audit?since=${q('0001-01-01T00:00:00+01:00')}`, 'since'],
      [`/api/admin/audit?until=${q('9999-12-31T23:59:59-01:00')}`, 'until'],
      [`/api/admin/audit?since=${q('1969-12-31T23:59:59Z')}`, 'since'],
      [
        `/api/admin/flags/nul-flag/environments/production/metrics?from=${q('0000-01-01T00:00:00Z')}&to=${q('0000-01-02T00:00:00Z')}`,
        'from',
      ],
      [
        `/api/admin/flags/nul-flag/environments/production/events?from=${q('0000-01-01T00:00:00Z')}&to=${q('0000-01-02T00:00:00Z')}`,
        'from',
      ],
      [
        `/api/admin/flags/nul-flag/environments/production/metrics?from=${q('9999-12-31T00:00:00Z')}&to=${q('9999-12-31T23:59:59-05:00')}`,
        'to',
      ],
    ];
    const failures: string[] = [];
    for (const [url, field] of cases) {
      const res = await api.get(url);
      if (res.statusCode !== 400 || res.json().error?.field !== field) failures.push(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    const all = await api.get(`/api/admin/audit?since=${q('1970-01-01T00:00:00Z')}&until=${q('9999-12-31T23:59:59.999Z')}`);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().events.length).toBeGreaterThan(0);
    const none = await api.get(`/api/admin/audit?since=${q('9999-12-31T23:59:59Z')}`);
    expect(none.statusCode).toBe(200);
    expect(none.json().events).toEqual([]);
    expect(badLogLines(logsFrom)).toEqual([]);
  });

  it('answers versions beyond what the database stores with 400 naming the field', async () => {
    const before = await state();
    const big = 2 ** 40;
    const restore = await api.post(`${CFG}/restore`, { restoreVersion: big });
    expect(restore.statusCode, restore.body).toBe(400);
    expect(restore.json().error.field).toBe('restoreVersion');
    const edit = await api.patch('/api/admin/flags/nul-flag', { version: big, description: 'x' });
    expect(edit.statusCode, edit.body).toBe(400);
    expect(edit.json().error.field).toBe('version');
    expect(await state()).toEqual(before);
  });
});

describe('prototype keys', () => {
  it('says the body has a property named __proto__ (or constructor.prototype), and where', async () => {
    const before = await state();
    const cases: [body: string, where: RegExp][] = [
      ['{"key":"proto","type":"boolean","__proto__":{"isAdmin":true}}', /property named __proto__/],
      [
        '{"rules":[{"__proto__":{"polluted":1},"id":"x","conditions":[],"serve":{"variant":"a"}}]}',
        /property named __proto__ at rules\[0\]/,
      ],
      ['{"key":"proto","type":"boolean","\\u005f_proto__":{"isAdmin":true}}', /property named __proto__/],
      ['{"key":"ctor","type":"boolean","constructor":{"prototype":{"isAdmin":true}}}', /constructor\.prototype/],
    ];
    for (const [body, message] of cases) {
      const url = body.includes('rules') ? CFG : '/api/admin/flags';
      const res = await api.request(body.includes('rules') ? 'PATCH' : 'POST', url, {
        body,
        headers: { 'content-type': 'application/json', ...v1 },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
      expect(res.json().error.message).toMatch(message);
      expect(res.json().error.message).not.toMatch(/not valid JSON/i);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await state()).toEqual(before);
  });
});

describe('compressed bodies', () => {
  const post = (body: Buffer, encoding: string, url = '/api/admin/flags', key = ADMIN_TOKEN) =>
    app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-encoding': encoding },
    });

  it('decodes gzip and deflate bodies', async () => {
    const gz = await post(gzipSync(JSON.stringify({ key: 'gzipped', type: 'boolean', description: 'sent gzipped' })), 'gzip');
    expect(gz.statusCode, gz.body).toBe(201);
    expect(gz.json().description).toBe('sent gzipped');
    const zz = await post(deflateSync(JSON.stringify({ key: 'deflated', type: 'boolean' })), 'deflate');
    expect(zz.statusCode, zz.body).toBe(201);
    const serverKey = (await createKey(api, 'server', 'production')).key;
    const now = Date.now();
    const batch = {
      sdk: { name: '@switchboard/node', version: '0.1.0' },
      evaluations: [{ flag: 'gzipped', variant: 'on', count: 3, windowStart: now - 10_000, windowEnd: now }],
      events: [],
    };
    const events = await post(gzipSync(JSON.stringify(batch)), 'gzip', '/api/sdk/events', serverKey);
    expect(events.statusCode, events.body).toBe(202);
  });

  it('refuses a gzip bomb with 413, corrupt data with 400 and other encodings with 415 naming them; writes nothing', async () => {
    const before = await state();
    // ~8 MiB of JSON that compresses to a few kB: the decoded size counts against the 1 MiB limit.
    const bomb = gzipSync(`{"key":"bomb","type":"boolean","description":"${' '.repeat(8 * 1024 * 1024)}"}`);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const big = await post(bomb, 'gzip');
    expect(big.statusCode, big.body).toBe(413);
    expect(big.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body' });
    const corrupt = await post(Buffer.from('not gzip at all'), 'gzip');
    expect(corrupt.statusCode, corrupt.body).toBe(400);
    expect(corrupt.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
    expect(corrupt.json().error.message).toMatch(/gzip/);
    for (const encoding of ['br', 'compress', 'gzip, gzip']) {
      const res = await post(encoding === 'br' ? brotliCompressSync('{"key":"br","type":"boolean"}') : Buffer.from('{}'), encoding);
      expect(res.statusCode, res.body).toBe(415);
      expect(res.json().error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-encoding' });
      expect(res.json().error.message).toContain(encoding);
    }
    expect(await state()).toEqual(before);
  });
});

describe('long path parameters', () => {
  it('answers a parameter over 256 characters with 400 naming it, not 404', async () => {
    const cases: [method: 'GET' | 'DELETE', url: string, field: string][] = [
      ['GET', `/api/admin/flags/${'k'.repeat(300)}`, 'key'],
      ['GET', `/api/admin/flags/nul-flag/environments/${'e'.repeat(300)}`, 'env'],
      ['GET', `/api/admin/segments/${'s'.repeat(1000)}`, 'key'],
      ['DELETE', `/api/admin/api-keys/${'a'.repeat(300)}`, 'id'],
      ['GET', `/api/admin/flags/${'k'.repeat(20_000)}`, 'url'],
    ];
    for (const [method, url, field] of cases) {
      const res = await api.request(method, url);
      expect(res.statusCode, `${url.slice(0, 60)}: ${res.body.slice(0, 200)}`).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
  });
});

describe('X-Request-Id', () => {
  it('is never our request id; a valid one is kept apart, echoed as X-Client-Request-Id, logged and stored in the audit row', async () => {
    const logsFrom = logLines.length;
    const first = await api.post(
      '/api/admin/flags',
      { key: 'rid-1', type: 'boolean' },
      { headers: { 'x-request-id': 'client-abc.1:2_3-4' } },
    );
    expect(first.statusCode).toBe(201);
    const ours = first.headers['x-request-id'] as string;
    expect(ours).not.toBe('client-abc.1:2_3-4');
    expect(ours).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers['x-client-request-id']).toBe('client-abc.1:2_3-4');
    const again = await api.get('/api/admin/flags/rid-1', { headers: { 'x-request-id': 'client-abc.1:2_3-4' } });
    expect(again.headers['x-request-id']).not.toBe(ours);

    const [event] = (await api.get('/api/admin/audit?flag=rid-1')).json().events;
    expect(event).toMatchObject({ action: 'flag.create', requestId: ours, clientRequestId: 'client-abc.1:2_3-4' });
    const logged = logLines.slice(logsFrom).map((l) => JSON.parse(l) as { requestId?: string; clientRequestId?: string });
    expect(logged.some((l) => l.requestId === ours && l.clientRequestId === 'client-abc.1:2_3-4')).toBe(true);

    for (const hostile of ['x'.repeat(129), 'a b', 'id\u00e9', '../../etc', '']) {
      const res = await api.post(
        '/api/admin/flags',
        { key: `rid-${hostile.length}-${hostile.charCodeAt(1) || 0}`, type: 'boolean' },
        { headers: { 'x-request-id': hostile } },
      );
      expect(res.statusCode, res.body).toBe(201);
      expect(res.headers['x-client-request-id']).toBeUndefined();
      const [row] = (await api.get(`/api/admin/audit?flag=${res.json().key}`)).json().events;
      expect(row).toMatchObject({ requestId: res.headers['x-request-id'], clientRequestId: null });
    }
  });
});
