/**
 * Signing in as a person, in real Chromium against a real server: an invitation link sets a
 * password, email and password sign in again, and single sign-on goes through a real OpenID
 * Connect provider (oidc-provider, in-process) and back. The People and API keys pages show
 * roles and environments. Screenshots in test-artifacts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { findFreePort, startOidcProvider, type OidcProviderHandle } from '@switchboard/test-services';
import { artifact, signIn, startSuite, type adminApi, type launchBrowser, type Server } from './harness';

let server: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let api: ReturnType<typeof adminApi>;
let provider: OidcProviderHandle | undefined;

const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  // The server must know the issuer before it starts, and the provider the server's callback: a port picked first.
  const providerPort = await findFreePort();
  const issuer = `http://127.0.0.1:${providerPort}`;
  ({ server, api, browser, page } = await startSuite({
    oidc: { issuer, clientId: 'switchboard-admin', clientSecret: 'switchboard-test-secret-0123456789' },
  }));
  provider = await startOidcProvider(
    `${server.url}/api/auth/oidc/callback`,
    { 'dana-at-idp': { email: 'dana@example.com' } },
    providerPort,
  );
  expect(provider.issuer).toBe(issuer);
  for (const [email, role, environments] of [
    ['lee@example.com', 'editor', ['development', 'staging']],
    ['dana@example.com', 'viewer', undefined],
  ] as const) {
    expect((await api.post('/api/admin/users', { email, role, ...(environments ? { environments } : {}) })).status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await provider?.stop();
});

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Switchboard' }).waitFor();
}

describe('signing in as a person', () => {
  it('sets a password from an invitation link, then signs in with email and password', async () => {
    const invited = await api.post<{ invitationUrl: string }>('/api/admin/users', { email: 'ines@example.com', role: 'editor' });
    const link = new URL(invited.body.invitationUrl);
    await page.goto(`${server.url}${link.pathname}${link.hash}`);
    await page.getByLabel('Your name').fill('Inès');
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.screenshot({ path: artifact('invitation.png') });
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).not.toBe('/invitation');

    // The session is a cookie the page cannot read, and it survives a reload.
    expect(await page.evaluate(() => document.cookie)).not.toContain('sb_session');
    await page.reload();
    await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();

    await signOut();
    await page.screenshot({ path: artifact('sign-in.png') });
    await page.getByLabel('Email').fill('ines@example.com');
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Continue with password' }).click();
    await page.getByText('The email or password is wrong').waitFor();
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue with password' }).click();
    await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();

    // Writes from the session carry its CSRF token: creating a flag works.
    await page.getByRole('button', { name: 'New flag' }).click();
    await page.getByRole('dialog').getByLabel('Key', { exact: true }).fill('ines-first-flag');
    await page.getByRole('dialog').getByRole('button', { name: 'Create flag' }).click();
    await expect.poll(async () => (await api.get('/api/admin/flags/ines-first-flag')).status).toBe(200);
    const audit = await api.get<{ events: { actor: string }[] }>('/api/admin/audit?flag=ines-first-flag');
    expect(audit.body.events[0]!.actor).toBe('ines@example.com');
    await signOut();
  });

  it('signs in through the identity provider and back', async () => {
    await page.getByRole('link', { name: 'Continue with single sign-on' }).click();
    await page.locator('input[name="login"]').fill('dana-at-idp');
    await page.locator('input[name="password"]').fill('anything');
    await page.screenshot({ path: artifact('sign-in-provider.png') });
    await page.locator('button[type="submit"]').click();
    // The provider asks for consent once.
    await page.locator('button[type="submit"]').click();
    await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
    expect(new URL(page.url()).origin).toBe(server.url);
    const users = await api.get<{ users: { email: string; signIn: string[] }[] }>('/api/admin/users');
    expect(users.body.users.find((u) => u.email === 'dana@example.com')?.signIn).toEqual(['oidc']);
    await signOut();
  });
});

describe('people and key roles in the UI', () => {
  it('lists people with roles and environments, and creates a killer key for production', async () => {
    await signIn(page, server.url);
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('heading', { name: 'People' }).waitFor();
    await page.getByText('lee@example.com', { exact: true }).waitFor();
    await page.getByLabel('Email').fill('omar@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await page.getByLabel('Invitation link').waitFor();
    expect(await page.getByLabel('Invitation link').inputValue()).toMatch(/\/invitation#token=inv_/);
    await page.screenshot({ path: artifact('people.png'), fullPage: true });

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Kind').selectOption('admin');
    await page.getByLabel('Role').selectOption('killer');
    await page.getByLabel('All environments').uncheck();
    await page.getByRole('checkbox', { name: 'production', exact: true }).check();
    await page.getByLabel('Name').fill('ci-kill-switch');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByLabel('Secret', { exact: true }).waitFor();
    await page.screenshot({ path: artifact('api-key-killer.png'), fullPage: true });
    const keys = await api.get<{ apiKeys: { name: string; role: string; environments: string[] | null }[] }>('/api/admin/api-keys');
    expect(keys.body.apiKeys.find((k) => k.name === 'ci-kill-switch')).toMatchObject({ role: 'killer', environments: ['production'] });
  });
});
