/**
 * People on real Postgres: invitations, password sign-in, cookie sessions with their CSRF
 * token, roles and scopes on sessions, and sign-in through a real OIDC provider in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { oidcSignIn, startOidcProvider, startPostgres, type OidcProviderHandle, type PostgresService } from '@switchboard/test-services';
import type { App } from '../../app.js';
import { dumpDatabase, testApp } from '../../test-support/app.js';
import { createFlag, http, type Http } from '../../test-support/http.js';

const PUBLIC_URL = 'http://flags.test:4242';
const PASSWORD = 'correct horse battery staple';

let pg: PostgresService | undefined;
let provider: OidcProviderHandle | undefined;
let app: App;
let api: Http;

beforeAll(async () => {
  [pg, provider] = await Promise.all([
    startPostgres({ fast: true }),
    startOidcProvider(`${PUBLIC_URL}/api/auth/oidc/callback`, {
      'dana-at-idp': { email: 'Dana@Example.com' },
      'mallory-at-idp': { email: 'mallory@example.com' },
      'erin-at-idp': { email: 'erin@example.com', emailVerified: false },
    }),
  ]);
  app = await testApp({
    databaseUrl: await pg.createDatabase('users'),
    publicUrl: PUBLIC_URL,
    oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret },
  });
  api = http(app);
  await createFlag(api, 'new-checkout');
});

afterAll(async () => {
  await app?.close();
  await Promise.all([pg?.stop(), provider?.stop()]);
});

/** The session cookie a response set, as a Cookie header. */
function sessionCookie(res: LightMyRequestResponse): string {
  const set = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('sb_session='));
  if (!set) throw new Error(`no session cookie: ${res.statusCode} ${res.body}`);
  return set.split(';')[0]!;
}

async function invite(email: string, role: string, environments?: string[]): Promise<string> {
  const res = await api.post('/api/admin/users', { email, role, ...(environments ? { environments } : {}) });
  expect(res.statusCode, res.body).toBe(201);
  return new URL(res.json().invitationUrl).hash.slice('#token='.length);
}

async function signUp(email: string, role: string, environments?: string[]) {
  const token = await invite(email, role, environments);
  const res = await api.post('/api/auth/invitation', { token, password: PASSWORD }, { key: null });
  expect(res.statusCode, res.body).toBe(200);
  return { cookie: sessionCookie(res), csrf: res.json().csrfToken as string };
}

const asSession = (s: { cookie: string; csrf?: string }) => ({
  key: null,
  headers: { cookie: s.cookie, ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}) },
});

describe('invitations and password sign-in', () => {
  it('invites with a single-use link that sets a password and signs in with a secure cookie', async () => {
    const res = await api.post('/api/admin/users', {
      email: 'Ada@Example.com',
      name: 'Ada',
      role: 'editor',
      environments: ['development'],
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const invited = res.json();
    expect(invited.user).toMatchObject({
      email: 'ada@example.com',
      status: 'invited',
      signIn: [],
      role: 'editor',
      environments: ['development'],
    });
    expect(invited.invitationUrl).toMatch(new RegExp(`^${PUBLIC_URL}/invitation#token=inv_`));
    const token = new URL(invited.invitationUrl).hash.slice('#token='.length);

    const accepted = await api.post('/api/auth/invitation', { token, password: PASSWORD, name: 'Ada L.' }, { key: null });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ name: 'ada@example.com', role: 'editor', environments: ['development'] });
    const setCookie = String(accepted.headers['set-cookie']);
    expect(setCookie).toMatch(/^sb_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);

    const again = await api.post('/api/auth/invitation', { token, password: PASSWORD }, { key: null });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.message).toMatch(/unknown, used or expired/);

    const listed = (await api.get('/api/admin/users')).json().users.find((u: { email: string }) => u.email === 'ada@example.com');
    expect(listed).toMatchObject({ name: 'Ada L.', status: 'active', signIn: ['password'] });
  });

  it('stores the password only as an argon2id hash, and the session and invitation only as digests', async () => {
    const s = await signUp('hash-check@example.com', 'viewer');
    const { text } = await dumpDatabase(app);
    expect(text).not.toContain(PASSWORD);
    expect(text).toContain('$argon2id$');
    expect(text).not.toContain(s.cookie.slice('sb_session='.length));
  });

  it('signs in with email and password, refuses a wrong one alike for unknown emails, and signs out', async () => {
    await signUp('grace@example.com', 'viewer');
    const wrong = await api.post('/api/auth/sign-in', { email: 'grace@example.com', password: 'not the password' }, { key: null });
    const unknown = await api.post('/api/auth/sign-in', { email: 'nobody@example.com', password: 'not the password' }, { key: null });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);

    const ok = await api.post('/api/auth/sign-in', { email: 'GRACE@example.com', password: PASSWORD }, { key: null });
    expect(ok.statusCode).toBe(200);
    const cookie = sessionCookie(ok);
    expect((await api.get('/api/auth/session', { key: null, headers: { cookie } })).json()).toMatchObject({
      name: 'grace@example.com',
      role: 'viewer',
    });

    const out = await api.post('/api/auth/sign-out', undefined, { key: null, headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^sb_session=; .*Max-Age=0/);
    expect((await api.get('/api/admin/flags', { key: null, headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('sessions on the admin API', () => {
  it('reads with the cookie alone; a write also needs the session X-CSRF-Token', async () => {
    const s = await signUp('lin@example.com', 'editor');
    expect((await api.get('/api/admin/flags/new-checkout', { key: null, headers: { cookie: s.cookie } })).statusCode).toBe(200);

    const forged = await api.post(
      '/api/admin/flags',
      { key: 'from-another-site', type: 'boolean' },
      { key: null, headers: { cookie: s.cookie } },
    );
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.message).toMatch(/X-CSRF-Token/);
    const wrongToken = await api.post(
      '/api/admin/flags',
      { key: 'from-another-site', type: 'boolean' },
      asSession({ cookie: s.cookie, csrf: 'guess' }),
    );
    expect(wrongToken.statusCode).toBe(403);

    const made = await api.post('/api/admin/flags', { key: 'lins-flag', type: 'boolean' }, asSession(s));
    expect(made.statusCode).toBe(201);
    const audit = (await api.get('/api/admin/audit?flag=lins-flag')).json();
    expect(audit.events[0]).toMatchObject({ action: 'flag.create', actor: 'lin@example.com' });
  });

  it('holds a person to their role and environments, naming what is missing', async () => {
    const viewer = await signUp('vera@example.com', 'viewer');
    const refused = await api.post('/api/admin/flags', { key: 'veras-flag', type: 'boolean' }, asSession(viewer));
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'FORBIDDEN', message: 'This needs the editor role; the caller is viewer' });

    const scoped = await signUp('sam@example.com', 'editor', ['development']);
    const prod = await api.patch('/api/admin/flags/new-checkout/environments/production', { enabled: true, version: 1 }, asSession(scoped));
    expect(prod.statusCode).toBe(403);
    expect(prod.json().error.message).toBe('This needs access to environment production; the caller may act in development only');
    const dev = await api.patch('/api/admin/flags/new-checkout/environments/development', { enabled: true, version: 1 }, asSession(scoped));
    expect(dev.statusCode, dev.body).toBe(200);
  });

  it('ends a disabled person’s sessions at once, and an admin cannot hand out more than they hold', async () => {
    const s = await signUp('dis@example.com', 'editor');
    const id = (await api.get('/api/admin/users')).json().users.find((u: { email: string }) => u.email === 'dis@example.com').id;
    const res = await api.patch(`/api/admin/users/${id}`, { disabled: true });
    expect(res.json()).toMatchObject({ status: 'disabled' });
    expect((await api.get('/api/admin/flags', { key: null, headers: { cookie: s.cookie } })).statusCode).toBe(401);
    expect((await api.post('/api/auth/sign-in', { email: 'dis@example.com', password: PASSWORD }, { key: null })).statusCode).toBe(401);

    const stagingAdmin = await signUp('sadmin@example.com', 'admin', ['staging']);
    const wider = await api.post('/api/admin/users', { email: 'wider@example.com', role: 'editor' }, asSession(stagingAdmin));
    expect(wider.statusCode).toBe(403);
    expect(wider.json().error.message).toMatch(/cannot grant editor in every environment/);
    const within = await api.post(
      '/api/admin/users',
      { email: 'within@example.com', role: 'editor', environments: ['staging'] },
      asSession(stagingAdmin),
    );
    expect(within.statusCode).toBe(201);
  });

  it('refuses a bad invitation with a 400 naming the field, and a second account for one email with 409', async () => {
    const bad = await api.post('/api/admin/users', { email: 'x@example.com', role: 'owner' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('role');
    const noEnv = await api.post('/api/admin/users', { email: 'y@example.com', role: 'viewer', environments: ['moon'] });
    expect(noEnv.statusCode).toBe(400);
    expect(noEnv.json().error.field).toBe('environments');
    await invite('twice@example.com', 'viewer');
    const twice = await api.post('/api/admin/users', { email: 'TWICE@example.com', role: 'viewer' });
    expect(twice.statusCode).toBe(409);
  });
});

describe('sign-in with an OpenID Connect provider', () => {
  async function start(): Promise<{ location: string; stateCookie: string }> {
    const res = await app.inject({ method: 'GET', url: '/api/auth/oidc/start' });
    expect(res.statusCode, res.body).toBe(303);
    const stateCookie = String(res.headers['set-cookie']).split(';')[0]!;
    return { location: String(res.headers.location), stateCookie };
  }

  it('asks for a code with PKCE (S256), state and nonce, then signs in the invited person it names', async () => {
    expect((await api.get('/api/auth/methods', { key: null })).json()).toEqual({ password: true, oidc: true });
    await invite('dana@example.com', 'killer', ['production']);
    const { location, stateCookie } = await start();
    const asked = new URL(location);
    expect(asked.origin).toBe(provider!.issuer);
    expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
    for (const p of ['code_challenge', 'state', 'nonce']) expect(asked.searchParams.get(p)).toBeTruthy();
    expect(asked.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/api/auth/oidc/callback`);

    const callback = new URL(await oidcSignIn(location, 'dana-at-idp'));
    expect(callback.searchParams.get('code')).toBeTruthy();
    const done = await app.inject({ method: 'GET', url: callback.pathname + callback.search, headers: { cookie: stateCookie } });
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toBe('/');
    const who = await api.get('/api/auth/session', { key: null, headers: { cookie: sessionCookie(done) } });
    expect(who.json()).toMatchObject({ name: 'dana@example.com', role: 'killer', environments: ['production'] });

    // The code and state were used once: replaying the callback fails.
    const replay = await app.inject({ method: 'GET', url: callback.pathname + callback.search, headers: { cookie: stateCookie } });
    expect(replay.statusCode).toBe(401);
  });

  it('refuses a callback in a browser that did not start the sign-in, people nobody invited, and unverified emails', async () => {
    const first = await start();
    const cb = new URL(await oidcSignIn(first.location, 'dana-at-idp'));
    const elsewhere = await app.inject({ method: 'GET', url: cb.pathname + cb.search });
    expect(elsewhere.statusCode).toBe(401);

    const second = await start();
    const mallory = new URL(await oidcSignIn(second.location, 'mallory-at-idp'));
    const refused = await app.inject({ method: 'GET', url: mallory.pathname + mallory.search, headers: { cookie: second.stateCookie } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/mallory@example.com has not been invited/);

    await invite('erin@example.com', 'viewer');
    const third = await start();
    const erin = new URL(await oidcSignIn(third.location, 'erin-at-idp'));
    const unverified = await app.inject({ method: 'GET', url: erin.pathname + erin.search, headers: { cookie: third.stateCookie } });
    expect(unverified.statusCode).toBe(403);
    expect(unverified.json().error.message).toMatch(/no verified email/);
  });
});
