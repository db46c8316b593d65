/**
 * The HTTP contract (`@switchboard/api-contract`) as the server publishes and keeps it:
 * every route's success answer is a named schema in /docs/json, and an answer that
 * drifts from its schema fails the route tests instead of being trimmed on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { Flag, NAMED_SCHEMAS, ref } from '@switchboard/api-contract';
import type { App } from './app.js';
import { testApp } from './test-support/app.js';
import { createKey, http, type Http } from './test-support/http.js';
import { checkResponses } from './test-support/response-contract.js';

const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (ajv: Ajv) => Ajv;

interface Operation {
  responses: Record<string, { description?: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const FLAG_EXAMPLE = (Flag as unknown as { examples: Record<string, unknown>[] }).examples[0]!;

let app: App;
let api: Http;

beforeAll(async () => {
  app = await testApp();
  // Probes of the response check: each answers a Flag, right or wrong.
  const probe = (url: string, answer: () => unknown) =>
    app.get(url, { schema: { response: { 200: ref(Flag) } } }, async () => answer() as Flag);
  probe('/api/contract-probe/valid', () => FLAG_EXAMPLE);
  probe('/api/contract-probe/extra-field', () => ({ ...FLAG_EXAMPLE, rolloutPlan: 'next week' }));
  probe('/api/contract-probe/missing-field', () => ({ ...FLAG_EXAMPLE, archived: undefined }));
  probe('/api/contract-probe/wrong-type', () => ({ ...FLAG_EXAMPLE, version: '2' }));
  app.get('/api/contract-probe/undeclared', async () => ({ ok: true }));
  api = http(app);
});

afterAll(async () => {
  await app?.close();
});

describe('the OpenAPI document', () => {
  it("shows the contract's schemas as named components, never def-N", async () => {
    const doc = (await api.get('/docs/json', { key: null })).json() as OpenApi;
    const names = Object.keys(doc.components.schemas);
    expect(names).toEqual(expect.arrayContaining(NAMED_SCHEMAS.map((s) => s.$id)));
    expect(names.filter((n) => n.startsWith('def-'))).toEqual([]);
  });

  it("declares every API route's success answer: a named JSON schema, an event stream, or no body", async () => {
    const doc = (await api.get('/docs/json', { key: null })).json() as OpenApi;
    const seen: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!/^\/(api\/(admin|sdk)|health)\//.test(path)) continue;
      for (const [method, op] of Object.entries(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
        expect(success.length, `${where} declares no success answer`).toBeGreaterThan(0);
        for (const [status, response] of success) {
          if (status === '204') {
            expect(response.content, `${where} 204`).toBeUndefined();
            continue;
          }
          const [type, media] = Object.entries(response.content ?? {})[0] ?? [];
          if (path === '/api/sdk/stream') expect(type).toBe('text/event-stream');
          else expect(media?.schema.$ref, `${where} ${status}`).toMatch(/^#\/components\/schemas\/[A-Z]\w+$/);
        }
        for (const [status, response] of Object.entries(op.responses).filter(([s]) => /^[45]/.test(s))) {
          // Readiness answers 503 with its checks, so a load balancer and a person see what fails.
          const expected = where === 'GET /health/ready' ? 'Readiness' : 'Error';
          expect(response.content?.['application/json']?.schema.$ref, `${where} ${status}`).toBe(`#/components/schemas/${expected}`);
        }
        seen.push(where);
      }
    }
    expect(seen.length).toBeGreaterThan(30);
  });
});

describe('route tests check answers against the declared schema', () => {
  it('pass an answer the schema describes', async () => {
    expect((await api.get('/api/contract-probe/valid')).json()).toEqual(FLAG_EXAMPLE);
  });

  it.each([
    ['extra-field', /must NOT have additional properties/],
    ['missing-field', /must have required property 'archived'/],
    ['wrong-type', /body\/version must be integer/],
  ])('fail on a handler answer with a %s, before the serializer hides it', async (probe, message) => {
    await expect(api.get(`/api/contract-probe/${probe}`)).rejects.toThrow(message);
  });

  it('fail on an API route that answers a body without declaring its schema', async () => {
    await expect(api.get('/api/contract-probe/undeclared')).rejects.toThrow(/declares no schema/);
  });

  it('are what catches the drift: unchecked, the serializer silently drops the undeclared field', async () => {
    app.checkResponses(null);
    try {
      const res = await api.get('/api/contract-probe/extra-field');
      expect(res.statusCode).toBe(200);
      expect(res.json()).not.toHaveProperty('rolloutPlan');
    } finally {
      checkResponses(app);
    }
  });
});

describe('the SDK snapshot (sent as prepared bytes, past the serializer)', () => {
  it('matches the Snapshot schema for server and client keys', async () => {
    await api.post('/api/admin/flags', { key: 'new-checkout', type: 'boolean', clientSide: true });
    const ajv = addFormats(new Ajv({ strict: false, allowUnionTypes: true }));
    for (const schema of NAMED_SCHEMAS) ajv.addSchema(schema);
    const validate = ajv.getSchema('Snapshot')!;
    for (const kind of ['server', 'client'] as const) {
      const { key } = await createKey(api, kind, 'production');
      const res = await api.get('/api/sdk/flags', { key });
      expect(res.statusCode).toBe(200);
      expect(validate(res.json()), `${kind}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      expect(Object.keys(res.json().flags)).toContain('new-checkout');
    }
  });
});
