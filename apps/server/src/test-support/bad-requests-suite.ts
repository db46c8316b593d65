/**
 * Hostile and malformed requests: each gets a 4xx with the JSON error naming the field,
 * nothing is written, and the server stays up. Plus the concurrent-edit race.
 */
import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './admin-suite.js';
import { ADMIN_TOKEN } from './app.js';
import { auditCount, configVersion, createFlag, http, type Http } from './http.js';
import { rawRequest } from './raw-http.js';

interface BadRequest {
  name: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'GET' | 'DELETE';
  url: string;
  /** An object is sent as JSON; a string is sent raw with the given content type. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** The `error.field` expected; `undefined` when the error names none. */
  field?: string;
}

const FLAGS = '/api/admin/flags';
const CFG = '/api/admin/flags/bad-target/environments/production';
const rule = (condition: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  rules: [{ id: 'r1', conditions: [condition], serve: { variant: 'on' }, ...extra }],
});
const json = { 'content-type': 'application/json' };
const v1 = { 'if-match': '"1"' };
/** `depth` arrays inside one another, as JSON text. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const CASES: BadRequest[] = [
  { name: 'truncated JSON', method: 'POST', url: FLAGS, body: '{"key":', headers: json, status: 400, field: 'body' },
  {
    name: '5 MB body',
    method: 'POST',
    url: FLAGS,
    body: JSON.stringify({ key: 'big', type: 'boolean', description: 'x'.repeat(5 * 1024 * 1024) }),
    headers: json,
    status: 413,
    field: 'body',
  },
  { name: 'deep nesting', method: 'POST', url: FLAGS, body: nested(100_000), headers: json, status: 400, field: 'body' },
  // Passed validation, then overflowed the stack serializing the insert: a 500.
  {
    name: 'JSON variant nested 4 170 deep',
    method: 'POST',
    url: FLAGS,
    body: `{"key":"deep-json","type":"json","variants":{"a":${nested(4170)},"b":null}}`,
    headers: json,
    status: 400,
    field: 'variants.a',
  },
  {
    name: 'variants nested 100 000 deep on edit',
    method: 'PATCH',
    url: '/api/admin/flags/bad-target',
    body: `{"variants":{"on":${nested(100_000)},"off":false}}`,
    headers: { ...json, ...v1 },
    status: 400,
    field: 'variants.on',
  },
  {
    name: '__proto__ key',
    method: 'POST',
    url: FLAGS,
    body: '{"key":"proto","type":"boolean","__proto__":{"isAdmin":true}}',
    headers: json,
    status: 400,
    field: 'body',
  },
  {
    name: 'constructor.prototype key',
    method: 'POST',
    url: FLAGS,
    body: '{"key":"ctor","type":"boolean","constructor":{"prototype":{"isAdmin":true}}}',
    headers: json,
    status: 400,
    field: 'body',
  },
  {
    name: '__proto__ inside rules',
    method: 'PATCH',
    url: CFG,
    body: '{"rules":[{"__proto__":{"polluted":1},"id":"x","conditions":[],"serve":{"variant":"on"}}]}',
    headers: { ...json, ...v1 },
    status: 400,
    field: 'body',
  },
  { name: 'empty flag key', method: 'POST', url: FLAGS, body: { key: '', type: 'boolean' }, status: 400, field: 'key' },
  { name: 'blank flag key', method: 'POST', url: FLAGS, body: { key: ' ', type: 'boolean' }, status: 400, field: 'key' },
  { name: 'path traversal key', method: 'POST', url: FLAGS, body: { key: '../x', type: 'boolean' }, status: 400, field: 'key' },
  { name: 'NUL in key', method: 'POST', url: FLAGS, body: { key: 'a\u0000b', type: 'boolean' }, status: 400, field: 'key' },
  { name: '10 kB key', method: 'POST', url: FLAGS, body: { key: 'k'.repeat(10_000), type: 'boolean' }, status: 400, field: 'key' },
  {
    name: 'right-to-left override in key',
    method: 'POST',
    url: FLAGS,
    body: { key: 'ab\u202ec', type: 'boolean' },
    status: 400,
    field: 'key',
  },
  {
    name: 'zero-width character in key',
    method: 'POST',
    url: FLAGS,
    body: { key: 'ab\u200bc', type: 'boolean' },
    status: 400,
    field: 'key',
  },
  {
    name: 'operator-object key (type confusion)',
    method: 'POST',
    url: FLAGS,
    body: { key: { $ne: '' }, type: 'boolean' },
    status: 400,
    field: 'key',
  },
  { name: 'array key', method: 'POST', url: FLAGS, body: { key: ['a', 'b'], type: 'boolean' }, status: 400, field: 'key' },
  { name: 'unknown flag type', method: 'POST', url: FLAGS, body: { key: 'typed', type: 'bool' }, status: 400, field: 'type' },
  {
    name: 'unknown property on create',
    method: 'POST',
    url: FLAGS,
    body: { key: 'extra', type: 'boolean', colour: 'red' },
    status: 400,
    field: 'colour',
  },
  {
    name: 'variant value of the wrong type',
    method: 'POST',
    url: FLAGS,
    body: { key: 'wrongvar', type: 'boolean', variants: { on: 'yes', off: false } },
    status: 400,
    field: 'variants.on',
  },
  { name: '"false" as a string', method: 'PATCH', url: CFG, body: { enabled: 'false' }, headers: v1, status: 400, field: 'enabled' },
  { name: '0 as enabled', method: 'PATCH', url: CFG, body: { enabled: 0 }, headers: v1, status: 400, field: 'enabled' },
  { name: 'unknown property enabledd', method: 'PATCH', url: CFG, body: { enabledd: true }, headers: v1, status: 400, field: 'enabledd' },
  { name: 'empty patch', method: 'PATCH', url: CFG, body: {}, headers: v1, status: 400, field: 'body' },
  {
    name: 'off variant not a variant',
    method: 'PATCH',
    url: CFG,
    body: { offVariant: 'maybe' },
    headers: v1,
    status: 400,
    field: 'offVariant',
  },
  {
    name: 'weights summing to zero',
    method: 'PATCH',
    url: CFG,
    body: {
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 0 },
          { variant: 'off', weight: 0 },
        ],
      },
    },
    headers: v1,
    status: 400,
    field: 'fallthrough.rollout',
  },
  {
    name: 'negative weight',
    method: 'PATCH',
    url: CFG,
    body: {
      fallthrough: {
        rollout: [
          { variant: 'on', weight: -1 },
          { variant: 'off', weight: 101 },
        ],
      },
    },
    headers: v1,
    status: 400,
    field: 'fallthrough.rollout[0].weight',
  },
  {
    name: 'fractional weight',
    method: 'PATCH',
    url: CFG,
    body: {
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 33.3 },
          { variant: 'off', weight: 66.7 },
        ],
      },
    },
    headers: v1,
    status: 400,
    field: 'fallthrough.rollout[0].weight',
  },
  {
    name: 'weight as a string',
    method: 'PATCH',
    url: CFG,
    body: { fallthrough: { rollout: [{ variant: 'on', weight: '50' }] } },
    headers: v1,
    status: 400,
    field: 'fallthrough.rollout[0].weight',
  },
  {
    name: 'a variant twice in one rollout',
    method: 'PATCH',
    url: CFG,
    body: {
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 50_000 },
          { variant: 'on', weight: 50_000 },
        ],
      },
    },
    headers: v1,
    status: 400,
    field: 'fallthrough.rollout[1].variant',
  },
  {
    name: 'variant and rollout together',
    method: 'PATCH',
    url: CFG,
    body: { fallthrough: { variant: 'on', rollout: [{ variant: 'on', weight: 1 }] } },
    headers: v1,
    status: 400,
    field: 'fallthrough',
  },
  {
    name: 'unknown operator',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'email', operator: 'like', values: ['x'] }),
    headers: v1,
    status: 400,
    field: 'rules[0].conditions[0].operator',
  },
  {
    name: 'oversized regex',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'email', operator: 'matches', values: [`^${'a'.repeat(1000)}$`] }),
    headers: v1,
    status: 400,
    field: 'rules[0].conditions[0].values[0]',
  },
  {
    name: 'regex with a backreference',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'email', operator: 'matches', values: ['(a+)\\1'] }),
    headers: v1,
    status: 400,
    field: 'rules[0].conditions[0].values[0]',
  },
  {
    name: 'too many values in a condition',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'country', operator: 'in', values: Array.from({ length: 1001 }, (_, i) => `v${i}`) }),
    headers: v1,
    status: 400,
    field: 'rules[0].conditions[0].values',
  },
  {
    name: 'too many rules',
    method: 'PATCH',
    url: CFG,
    body: { rules: Array.from({ length: 201 }, (_, i) => ({ id: `r${i}`, conditions: [], serve: { variant: 'on' } })) },
    headers: v1,
    status: 400,
    field: 'rules',
  },
  {
    name: 'duplicate rule ids',
    method: 'PATCH',
    url: CFG,
    body: {
      rules: [
        { id: 'same', conditions: [], serve: { variant: 'on' } },
        { id: 'same', conditions: [], serve: { variant: 'off' } },
      ],
    },
    headers: v1,
    status: 400,
    field: 'rules[1].id',
  },
  {
    name: 'number operator with a string',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'age', operator: 'gt', values: ['ten'] }),
    headers: v1,
    status: 400,
    field: 'rules[0].conditions[0].values[0]',
  },
  {
    name: 'semver operator with "1..2"',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'version', operator: 'semverGt', values: ['1..2'] }),
    headers: v1,
    status: 400,
    field: 'rules[0].conditions[0].values[0]',
  },
  {
    name: 'date operator with "yesterday"',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'signedUp', operator: 'before', values: ['yesterday'] }),
    headers: v1,
    status: 400,
    field: 'rules[0].conditions[0].values[0]',
  },
  {
    name: 'segment named like an Object.prototype member',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'userId', operator: 'inSegment', values: ['toString'] }),
    headers: v1,
    status: 400,
    field: 'rules[0].conditions',
  },
  {
    name: 'unknown property in a rule',
    method: 'PATCH',
    url: CFG,
    body: rule({ attribute: 'a', operator: 'eq', values: ['x'] }, { priority: 1 }),
    headers: v1,
    status: 400,
    field: 'rules[0].priority',
  },
  {
    name: 'self prerequisite',
    method: 'PATCH',
    url: CFG,
    body: { prerequisites: [{ flag: 'bad-target', variant: 'on' }] },
    headers: v1,
    status: 400,
    field: 'prerequisites[0].flag',
  },
  {
    name: 'prerequisite named like an Object.prototype member',
    method: 'PATCH',
    url: CFG,
    body: { prerequisites: [{ flag: 'constructor', variant: 'on' }] },
    headers: v1,
    status: 400,
    field: 'prerequisites[0].flag',
  },
  {
    name: 'prerequisite cycle',
    method: 'PATCH',
    url: CFG,
    body: { prerequisites: [{ flag: 'bad-other', variant: 'on' }] },
    headers: v1,
    status: 400,
    field: 'prerequisites',
  },
  {
    name: 'segment in a cycle with itself',
    method: 'PATCH',
    url: '/api/admin/segments/bad-seg',
    body: { conditions: [{ operator: 'inSegment', values: ['bad-seg'] }] },
    headers: v1,
    status: 400,
    field: 'conditions',
  },
  {
    name: 'segment member of the wrong type',
    method: 'PATCH',
    url: '/api/admin/segments/bad-seg',
    body: { included: [42] },
    headers: v1,
    status: 400,
    field: 'included[0]',
  },
  {
    name: 'malformed If-Match',
    method: 'PATCH',
    url: CFG,
    body: { enabled: true },
    headers: { 'if-match': '"abc"' },
    status: 400,
    field: 'If-Match',
  },
  {
    name: 'wildcard If-Match',
    method: 'PATCH',
    url: CFG,
    body: { enabled: true },
    headers: { 'if-match': '*' },
    status: 400,
    field: 'If-Match',
  },
  {
    name: 'If-Match disagreeing with version',
    method: 'PATCH',
    url: CFG,
    body: { enabled: true, version: 2 },
    headers: v1,
    status: 400,
    field: 'If-Match',
  },
  {
    name: 'stale If-Match',
    method: 'PATCH',
    url: CFG,
    body: { enabled: true },
    headers: { 'if-match': '"7"' },
    status: 412,
    field: 'If-Match',
  },
  { name: 'missing If-Match', method: 'PATCH', url: CFG, body: { enabled: true }, status: 428, field: 'If-Match' },
  {
    name: 'rollout above 100 %',
    method: 'PUT',
    url: `${CFG}/rollout`,
    body: { percentage: 101 },
    headers: v1,
    status: 400,
    field: 'percentage',
  },
  {
    name: 'rollout percentage as a string',
    method: 'PUT',
    url: `${CFG}/rollout`,
    body: { percentage: '50' },
    headers: v1,
    status: 400,
    field: 'percentage',
  },
  {
    name: 'NaN literal',
    method: 'PUT',
    url: `${CFG}/rollout`,
    body: '{"percentage": NaN}',
    headers: { ...json, ...v1 },
    status: 400,
    field: 'body',
  },
  {
    name: 'text/plain body',
    method: 'POST',
    url: FLAGS,
    body: 'key=x',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    field: 'content-type',
  },
  { name: 'empty JSON body', method: 'POST', url: FLAGS, body: '', headers: json, status: 400, field: 'body' },
  { name: 'bad flag key in the URL', method: 'GET', url: '/api/admin/flags/%2E%2E%2Fetc', status: 400, field: 'key' },
  { name: 'unknown query parameter', method: 'GET', url: '/api/admin/flags?archivedd=true', status: 400, field: 'archivedd' },
  { name: 'audit limit out of range', method: 'GET', url: '/api/admin/audit?limit=0', status: 400, field: 'limit' },
  { name: 'audit date not a date', method: 'GET', url: '/api/admin/audit?since=yesterday', status: 400, field: 'since' },
  {
    name: 'api key of an unknown kind',
    method: 'POST',
    url: '/api/admin/api-keys',
    body: { kind: 'root', name: 'x' },
    status: 400,
    field: 'kind',
  },
  {
    name: 'environment key with a slash',
    method: 'POST',
    url: '/api/admin/environments',
    body: { key: 'prod/eu' },
    status: 400,
    field: 'key',
  },
  {
    name: 'NUL in a description',
    method: 'POST',
    url: FLAGS,
    body: { key: 'nul-desc', type: 'boolean', description: 'a\u0000b' },
    status: 400,
    field: 'description',
  },
  {
    name: 'NUL in an owner',
    method: 'PATCH',
    url: '/api/admin/flags/bad-target',
    body: { description: 'x', owner: '\u0000' },
    headers: v1,
    status: 400,
    field: 'owner',
  },
  { name: 'audit since year 0', method: 'GET', url: '/api/admin/audit?since=0000-01-01T00:00:00Z', status: 400, field: 'since' },
  { name: '300-character flag key in the URL', method: 'GET', url: `/api/admin/flags/${'k'.repeat(300)}`, status: 400, field: 'key' },
  {
    name: 'brotli-encoded body',
    method: 'POST',
    url: FLAGS,
    body: '{"key":"br","type":"boolean"}',
    headers: { ...json, 'content-encoding': 'br' },
    status: 415,
    field: 'content-encoding',
  },
];

async function state(api: Http) {
  const flags = (await api.get('/api/admin/flags?archived=true'))
    .json()
    .flags.map((f: { key: string; version: number }) => `${f.key}@${f.version}`);
  const segments = (await api.get('/api/admin/segments'))
    .json()
    .segments.map((s: { key: string; version: number }) => `${s.key}@${s.version}`);
  const environments = (await api.get('/api/admin/environments'))
    .json()
    .environments.map((e: { key: string; revision: number }) => `${e.key}@${e.revision}`);
  const keys = (await api.get('/api/admin/api-keys?revoked=true')).json().apiKeys.length;
  return {
    flags,
    segments,
    environments,
    keys,
    audit: await auditCount(api),
    target: await configVersion(api, 'bad-target', 'production'),
  };
}

export function badRequestsSuite(ctx: SuiteContext): void {
  describe('bad requests', () => {
    it(`answers ${CASES.length} malformed or hostile requests with 4xx naming the field, writes nothing, stays up`, async () => {
      const api = http(ctx.app);
      await createFlag(api, 'bad-target');
      await createFlag(api, 'bad-other');
      // bad-other depends on bad-target, so bad-target → bad-other would close a cycle.
      const dep = await api.patch(
        '/api/admin/flags/bad-other/environments/production',
        { prerequisites: [{ flag: 'bad-target', variant: 'on' }] },
        { headers: v1 },
      );
      expect(dep.statusCode).toBe(200);
      await api.post('/api/admin/segments', { key: 'bad-seg', conditions: [] });
      const before = await state(api);

      const failures: string[] = [];
      for (const c of CASES) {
        const res = await api.request(c.method, c.url, { body: c.body, headers: c.headers ?? {} });
        let body: { error?: { code?: string; field?: string; requestId?: string; message?: string } } = {};
        try {
          body = res.json();
        } catch {
          failures.push(`${c.name}: body is not JSON: ${res.body.slice(0, 100)}`);
          continue;
        }
        if (res.statusCode !== c.status)
          failures.push(`${c.name}: status ${res.statusCode}, expected ${c.status} (${body.error?.message})`);
        if (body.error?.field !== c.field)
          failures.push(`${c.name}: field ${String(body.error?.field)}, expected ${String(c.field)} (${body.error?.message})`);
        if (!body.error?.code || !body.error.requestId) failures.push(`${c.name}: error without code or requestId`);
      }
      expect(failures).toEqual([]);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await state(api)).toEqual(before);
      expect((await api.get('/health/live', { key: null })).statusCode).toBe(200);
    });
  });

  describe('JSON variant depth', () => {
    it('stores and delivers a value 100 levels deep, refuses 101 naming the variant and writes nothing', async () => {
      const api = http(ctx.app);
      const ok = await api.request('POST', FLAGS, {
        body: `{"key":"depth-100","type":"json","variants":{"deep":${nested(100)},"flat":null}}`,
        headers: json,
      });
      expect(ok.statusCode).toBe(201);
      expect(JSON.stringify(ok.json().variants.deep)).toBe(nested(100));
      const before = await state(api);
      const over = await api.request('POST', FLAGS, {
        body: `{"key":"depth-101","type":"json","variants":{"flat":null,"deep":[${nested(100)}]}}`,
        headers: json,
      });
      expect(over.statusCode).toBe(400);
      expect(over.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'variants.deep' });
      const edit = await api.request('PATCH', '/api/admin/flags/depth-100', {
        body: `{"variants":{"deep":{"a":[${nested(100)}]},"flat":null}}`,
        headers: { ...json, ...v1 },
      });
      expect(edit.statusCode).toBe(400);
      expect(edit.json().error.field).toBe('variants.deep');
      expect(await state(api)).toEqual(before);
      expect((await api.get('/api/admin/flags/depth-101')).statusCode).toBe(404);
    });
  });

  describe('over a real socket', () => {
    const admin = `Authorization: Bearer ${ADMIN_TOKEN}\r\n`;

    it('answers a 5 MiB body with 413 and closes that connection; the client carries on, nothing is written', async () => {
      const api = http(ctx.app);
      const before = await state(api);
      const big = JSON.stringify({ key: 'big-body', type: 'boolean', description: 'x'.repeat(5 * 1024 * 1024) });
      for (let i = 0; i < 3; i++) {
        // The server stops reading at the limit, so it can't keep the connection: it says so
        // (Connection: close), and fetch's pool opens a fresh one for the next request.
        const res = await fetch(`${ctx.baseUrl}${FLAGS}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: big,
        });
        expect(res.status).toBe(413);
        expect(res.headers.get('connection')).toBe('close');
        expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', field: 'body', requestId: expect.any(String) } });
        const next = await fetch(`${ctx.baseUrl}/api/admin/environments`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(next.status).toBe(200);
      }
      const chunked = await rawRequest(
        ctx.baseUrl,
        `POST ${FLAGS} HTTP/1.1\r\nHost: x\r\n${admin}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
          `${(2 * 1024 * 1024).toString(16)}\r\n${'x'.repeat(2 * 1024 * 1024)}\r\n0\r\n\r\n`,
      );
      expect(chunked.status).toBe(413);
      expect(chunked.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', field: 'body' } });
      expect(await state(api)).toEqual(before);
    });

    it('answers oversized and malformed headers with the JSON error shape, then closes; the server stays up', async () => {
      const cases: [name: string, request: string, status: number, code: string, field: string][] = [
        [
          '64 KiB of headers',
          `GET /api/admin/flags HTTP/1.1\r\nHost: x\r\n${admin}X-Pad: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
          431,
          'HEADERS_TOO_LARGE',
          'headers',
        ],
        [
          'many small headers',
          `GET /api/admin/flags HTTP/1.1\r\nHost: x\r\n${admin}${'X-Pad: aaaaaaaaaaaaaaaa\r\n'.repeat(4000)}\r\n`,
          431,
          'HEADERS_TOO_LARGE',
          'headers',
        ],
        [
          'space in a header name',
          `GET /api/admin/flags HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n`,
          400,
          'VALIDATION_FAILED',
          'headers',
        ],
        [
          'two Content-Length headers',
          `POST ${FLAGS} HTTP/1.1\r\nHost: x\r\n${admin}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`,
          400,
          'VALIDATION_FAILED',
          'headers',
        ],
      ];
      const failures: string[] = [];
      for (const [name, request, status, code, field] of cases) {
        const res = await rawRequest(ctx.baseUrl, request);
        let error: { code?: string; field?: string; requestId?: string } | undefined;
        try {
          error = (res.json() as { error?: typeof error }).error;
        } catch {
          failures.push(`${name}: body is not JSON: ${res.body.slice(0, 100)}`);
          continue;
        }
        if (res.status !== status || error?.code !== code || error.field !== field || !error.requestId)
          failures.push(`${name}: ${res.status} ${res.body}`);
      }
      expect(failures).toEqual([]);
      expect((await http(ctx.app).get('/health/live', { key: null })).statusCode).toBe(200);
      expect((await fetch(`${ctx.baseUrl}/health/live`)).status).toBe(200);
    });

    it('refuses two Authorization headers, whichever comes first, and non-ASCII tokens; nothing is written', async () => {
      const api = http(ctx.app);
      const before = await state(api);
      const create = (authorization: string | Buffer) =>
        Buffer.concat([
          Buffer.from(`POST ${FLAGS} HTTP/1.1\r\nHost: x\r\n`),
          typeof authorization === 'string' ? Buffer.from(authorization, 'latin1') : authorization,
          Buffer.from(
            `Content-Type: application/json\r\nContent-Length: 35\r\nConnection: close\r\n\r\n{"key":"two-auth","type":"boolean"}`,
          ),
        ]);
      const cases: [name: string, authorization: string | Buffer][] = [
        ['valid token first', `Authorization: Bearer ${ADMIN_TOKEN}\r\nAuthorization: Bearer sb_admin_someone-else\r\n`],
        ['valid token last', `Authorization: Bearer sb_admin_someone-else\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n`],
        ['the same token twice', `Authorization: Bearer ${ADMIN_TOKEN}\r\nauthorization: Bearer ${ADMIN_TOKEN}\r\n`],
        ['UTF-8 token', Buffer.from('Authorization: Bearer tëst-ключ\r\n', 'utf8')],
        ['Latin-1 byte after the admin token', `Authorization: Bearer ${ADMIN_TOKEN}\xe9\r\n`],
      ];
      for (const [name, authorization] of cases) {
        const res = await rawRequest(ctx.baseUrl, create(authorization));
        expect(res.status, name).toBe(401);
        expect(res.json(), name).toMatchObject({ error: { code: 'UNAUTHORIZED', requestId: expect.any(String) } });
      }
      expect(await state(api)).toEqual(before);
      const one = await rawRequest(ctx.baseUrl, create(`Authorization: Bearer ${ADMIN_TOKEN}\r\n`));
      expect(one.status).toBe(201);
    });
  });

  describe('concurrent edits', () => {
    it('50 concurrent edits with the same version: exactly one succeeds, 49 get 412', async () => {
      const api = http(ctx.app);
      await createFlag(api, 'contended');
      const version = await configVersion(api, 'contended', 'staging');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          api.patch(
            '/api/admin/flags/contended/environments/staging',
            { enabled: true, salt: `writer-${i}` },
            { headers: { 'if-match': `"${version}"` } },
          ),
        ),
      );
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 412)).toHaveLength(49);
      expect(await configVersion(api, 'contended', 'staging')).toBe(version + 1);
      const events = (await api.get('/api/admin/audit?flag=contended&environment=staging')).json().events;
      expect(events).toHaveLength(1);
    });
  });
}
