/**
 * The auth matrix, on real Postgres: every admin operation in the OpenAPI document (each
 * carries its access declaration as `x-access`) is called by admin keys of every role,
 * unscoped and scoped to another environment, and must answer 403 exactly when the role or
 * scope falls short. A table of representative routes pins the expectations by hand, so a
 * wrong declaration fails here too, not only a wrong check.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresService } from '@switchboard/test-services';
import type { App } from '../app.js';
import { testApp } from '../test-support/app.js';
import { createFlag, http, type Http } from '../test-support/http.js';
import type { AccessDeclaration } from './access.js';

const ROLES = ['viewer', 'killer', 'editor', 'admin'] as const;
type Role = (typeof ROLES)[number];
/** Unscoped, or scoped to an environment other than the one every call targets. */
const SCOPES = { all: null, elsewhere: ['development'] } as const;
type Scope = keyof typeof SCOPES;
const TARGET_ENV = 'production';

interface Operation {
  method: string;
  path: string;
  access: AccessDeclaration;
}

let pg: PostgresService | undefined;
let app: App;
let api: Http;
let operations: Operation[];
const keys = new Map<string, string>();

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  app = await testApp({ databaseUrl: await pg.createDatabase('access_matrix') });
  api = http(app);
  await createFlag(api, 'matrix-flag');
  for (const role of ROLES) {
    for (const [scope, environments] of Object.entries(SCOPES)) {
      const res = await api.post('/api/admin/api-keys', {
        kind: 'admin',
        name: `${role}-${scope}`,
        role,
        ...(environments ? { environments } : {}),
      });
      expect(res.statusCode, res.body).toBe(201);
      keys.set(`${role}/${scope}`, res.json().key);
    }
  }
  const doc = (await api.get('/docs/json', { key: null })).json() as {
    paths: Record<string, Record<string, { 'x-access'?: AccessDeclaration }>>;
  };
  operations = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/admin/')) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (method === 'head') continue;
      operations.push({ method: method.toUpperCase(), path, access: op['x-access']! });
    }
  }
});

afterAll(async () => {
  await app?.close();
  await pg?.stop();
});

/** A concrete URL for an OpenAPI path: the flag made above, the target environment, random ids. */
function urlOf(path: string): string {
  return path
    .replace('{key}', 'matrix-flag')
    .replace('{env}', TARGET_ENV)
    .replace(/\{[A-Za-z]+\}/g, () => randomUUID());
}

/** A body that reaches the access check meaning something: the kill switch, and the environment a promote writes to. */
function bodyOf(op: Operation): unknown {
  if (op.method === 'GET' || op.method === 'DELETE') return undefined;
  if (op.access.permission === 'kill') return { enabled: false, version: 1 };
  if (typeof op.access.environment === 'object' && 'body' in op.access.environment) return { [op.access.environment.body]: TARGET_ENV };
  return {};
}

async function call(op: Operation, role: Role, scope: Scope) {
  return api.request(op.method as 'GET', urlOf(op.path), { key: keys.get(`${role}/${scope}`)!, body: bodyOf(op) });
}

const RANK: Record<Role, number> = { viewer: 0, killer: 1, editor: 2, admin: 3 };
const NEEDS: Record<AccessDeclaration['permission'], number> = { read: 0, kill: 1, edit: 2, admin: 3 };

/** What the declaration promises, worked out independently of plugins/access.ts. */
function promised(op: Operation, role: Role, scope: Scope): boolean {
  if (RANK[role] < NEEDS[op.access.permission]) return false;
  if (op.access.permission === 'read' || scope === 'all') return true;
  return op.access.environment === 'none';
}

describe('the auth matrix', () => {
  it('finds every admin operation with a declaration', () => {
    expect(operations.length).toBeGreaterThan(40);
    for (const op of operations) expect(op.access, `${op.method} ${op.path}`).toMatchObject({ permission: expect.any(String) });
  });

  it('answers 403 exactly where a role or scope falls short, naming what is missing', async () => {
    const wrong: string[] = [];
    for (const op of operations) {
      for (const role of ROLES) {
        for (const scope of Object.keys(SCOPES) as Scope[]) {
          const res = await call(op, role, scope);
          const allowed = res.statusCode !== 403;
          if (allowed !== promised(op, role, scope))
            wrong.push(`${op.method} ${op.path} as ${role}/${scope}: ${res.statusCode} ${res.body}`);
          if (!allowed && !/needs the \w+ role|needs access to environment|every environment/.test(res.json().error.message)) {
            wrong.push(`${op.method} ${op.path} as ${role}/${scope}: 403 without naming what is missing: ${res.body}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('never shows a viewer a secret', async () => {
    for (const op of operations.filter((o) => o.method === 'GET')) {
      const res = await call(op, 'viewer', 'all');
      expect(res.body, `${op.method} ${op.path}`).not.toMatch(/"(secret|key)":"(whsec_|sb_)/);
    }
  });

  // Pinned by hand: [method, path, role, scope, allowed]. A declaration that drifts from these fails here.
  const PINNED: [string, string, Role, Scope, boolean][] = [
    ['GET', '/api/admin/flags', 'viewer', 'elsewhere', true],
    ['POST', '/api/admin/flags', 'viewer', 'all', false],
    ['POST', '/api/admin/flags', 'editor', 'elsewhere', true],
    ['DELETE', '/api/admin/flags/{key}', 'editor', 'elsewhere', false],
    ['PATCH', '/api/admin/flags/{key}/environments/{env}', 'killer', 'all', true],
    ['PATCH', '/api/admin/flags/{key}/environments/{env}', 'killer', 'elsewhere', false],
    ['PUT', '/api/admin/flags/{key}/environments/{env}', 'killer', 'all', false],
    ['PUT', '/api/admin/flags/{key}/environments/{env}/rollout', 'editor', 'elsewhere', false],
    ['PUT', '/api/admin/flags/{key}/environments/{env}/rollout', 'editor', 'all', true],
    ['PATCH', '/api/admin/segments/{key}', 'editor', 'elsewhere', false],
    ['POST', '/api/admin/flags/{key}/promote', 'editor', 'elsewhere', false],
    ['POST', '/api/admin/environments/{env}/import', 'editor', 'all', true],
    ['POST', '/api/admin/api-keys', 'editor', 'all', false],
    ['GET', '/api/admin/api-keys', 'viewer', 'all', true],
    ['POST', '/api/admin/webhooks', 'editor', 'all', false],
    ['PATCH', '/api/admin/environments/{env}', 'editor', 'all', false],
    ['PATCH', '/api/admin/environments/{env}', 'admin', 'elsewhere', false],
    ['POST', '/api/admin/users', 'admin', 'all', true],
    ['PATCH', '/api/admin/users/{id}', 'editor', 'all', false],
    ['GET', '/api/admin/audit', 'viewer', 'all', true],
  ];

  it.each(PINNED)('%s %s as %s/%s: allowed %s', async (method, path, role, scope, allowed) => {
    const op = operations.find((o) => o.method === method && o.path === path);
    expect(op, `${method} ${path} is registered`).toBeDefined();
    const res = await call(op!, role, scope);
    expect(res.statusCode !== 403, res.body).toBe(allowed);
  });

  it('lets a killer send only the kill switch', async () => {
    const op = operations.find((o) => o.method === 'PATCH' && o.path === '/api/admin/flags/{key}/environments/{env}')!;
    const key = keys.get('killer/all')!;
    const enable = await api.patch(urlOf(op.path), { enabled: true, version: 1 }, { key });
    expect(enable.statusCode).toBe(403);
    expect(enable.json().error.message).toMatch(/killer may only send \{"enabled": false\}/);
    const rules = await api.patch(urlOf(op.path), { enabled: false, rules: [] }, { key });
    expect(rules.statusCode).toBe(403);
  });
});
