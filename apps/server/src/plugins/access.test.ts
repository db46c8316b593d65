import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Principal, Role } from '../modules/api-keys/key-verifier.js';
import { accessPlugin, refusal, type AccessDeclaration } from './access.js';

function caller(role: Role, environments: string[] | null = null): Principal {
  return { kind: 'admin', keyId: 'k', userId: null, name: 'ci', environment: null, role, environments };
}

const edit: AccessDeclaration = { permission: 'edit', environment: { param: 'env' } };
const kill: AccessDeclaration = { permission: 'kill', environment: { param: 'env' } };

describe('refusal', () => {
  it('lets every role read, in every environment, whatever its scope', () => {
    for (const role of ['viewer', 'killer', 'editor', 'admin'] as const) {
      expect(refusal(caller(role, ['staging']), { permission: 'read', environment: { param: 'env' } }, 'production', undefined)).toBeNull();
    }
  });

  it('names the role a call needs and the role the caller has', () => {
    expect(refusal(caller('viewer'), edit, 'staging', {})).toBe('This needs the editor role; the caller is viewer');
    expect(refusal(caller('editor'), { permission: 'admin', environment: 'none' }, null, {})).toBe(
      'This needs the admin role; the caller is editor',
    );
  });

  it('lets a killer send the kill switch (with its version and reason) and nothing else', () => {
    expect(refusal(caller('killer'), kill, 'production', { enabled: false, version: 3, reason: 'incident 41' })).toBeNull();
    expect(refusal(caller('killer'), kill, 'production', { enabled: true })).toMatch(/needs the editor role; the caller is killer/);
    expect(refusal(caller('killer'), kill, 'production', { enabled: false, rules: [] })).toMatch(/enabled": false/);
    expect(refusal(caller('killer'), edit, 'production', { enabled: false })).toMatch(/needs the editor role/);
    expect(refusal(caller('viewer'), kill, 'production', { enabled: false })).toBe('This needs the killer role; the caller is viewer');
  });

  it('keeps a scoped caller to its environments and names the one it lacks', () => {
    const scoped = caller('editor', ['development', 'staging']);
    expect(refusal(scoped, edit, 'staging', {})).toBeNull();
    expect(refusal(scoped, edit, 'production', {})).toBe(
      'This needs access to environment production; the caller may act in development, staging only',
    );
    expect(refusal(scoped, { permission: 'edit', environment: 'all' }, 'all', {})).toMatch(/every environment/);
    expect(refusal(scoped, { permission: 'edit', environment: 'none' }, null, {})).toBeNull();
    expect(refusal(caller('editor', []), edit, 'staging', {})).toMatch(/may act in no environment only/);
  });

  it('checks the role before the scope, so a 403 names the role first', () => {
    expect(refusal(caller('viewer', ['staging']), edit, 'production', {})).toMatch(/needs the editor role/);
  });
});

describe('accessPlugin', () => {
  it('refuses to register a route that declares no access', async () => {
    const app = Fastify();
    const registering = app.register(async (admin) => {
      await admin.register(accessPlugin);
      admin.get('/declared', { config: { access: { permission: 'read', environment: 'none' } } }, async () => ({}));
      admin.get('/undeclared', async () => ({}));
    });
    // The app never boots, so there is nothing to close.
    await expect(registering).rejects.toThrow('admin route GET /undeclared declares no access');
  });

  it('answers 403 with the reason, taking the environment from the body when declared so', async () => {
    const app = Fastify();
    app.decorateRequest('principal', null);
    app.setErrorHandler((err: Error & { status?: number }, _request, reply) =>
      reply.status(err.status ?? 500).send({ message: err.message }),
    );
    await app.register(async (admin) => {
      admin.addHook('onRequest', async (request) => {
        request.principal = caller('editor', ['staging']);
      });
      await admin.register(accessPlugin);
      admin.post('/promote', { config: { access: { permission: 'edit', environment: { body: 'to' } } } }, async () => ({ ok: true }));
    });
    const refused = await app.inject({ method: 'POST', url: '/promote', payload: { from: 'staging', to: 'production' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ message: expect.stringContaining('environment production') });
    const allowed = await app.inject({ method: 'POST', url: '/promote', payload: { from: 'production', to: 'staging' } });
    expect(allowed.json()).toEqual({ ok: true });
    await app.close();
  });
});
