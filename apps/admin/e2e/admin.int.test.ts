/**
 * The admin UI end to end, in real Chromium against a real server: sign in, create a
 * flag, roll it out to 25 %, add a rule, turn it on and kill it in production through
 * the confirmation, find the kill in the audit log and restore the version before it;
 * after each step the admin API says it took effect. Two operators editing at once,
 * API keys, segments and the other pages too, with a screenshot of each page kept in
 * test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, artifact, startSuite, type adminApi, type launchBrowser, type Server } from './harness';

interface Config {
  version: number;
  enabled: boolean;
  offVariant: string;
  fallthrough: { variant?: string; rollout?: { variant: string; weight: number }[] };
  rules: { id: string; conditions: { attribute?: string; operator: string; values: unknown[] }[]; serve: { variant?: string } }[];
}

interface AuditEvents {
  events: { action: string; flagKey: string | null; environment: string | null; before: { version?: number } | null }[];
}

let server: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let api: ReturnType<typeof adminApi>;
const consoleErrors: string[] = [];

const prodConfig = async (key: string) => (await api.get<Config>(`/api/admin/flags/${key}/environments/production`)).body;

/** Saves the targeting form in Production, which is protected on a fresh install: it asks first. */
async function saveInProduction(flag = 'new-checkout') {
  await page.getByRole('button', { name: 'Save changes in Production' }).click();
  await page
    .getByRole('dialog', { name: `Save changes to ${flag} in Production?` })
    .getByRole('button', { name: 'Save in Production' })
    .click();
}

/**
 * A picture of the whole page as a person scrolling it would see it: the viewport is
 * stretched to the page's height first, so sticky bars sit where they belong.
 */
async function shot(name: string, options: { fullPage?: boolean } = { fullPage: true }) {
  await page.waitForTimeout(150);
  const viewport = page.viewportSize()!;
  if (options.fullPage) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
  }
  await page.screenshot({ path: artifact(name) });
  if (options.fullPage) await page.setViewportSize(viewport);
}

beforeAll(async () => {
  ({ server, api, browser, page } = await startSuite());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('admin UI in Chromium against a real server', () => {
  it('signs in, creates a flag, rolls out, adds a rule, kills it in production, restores from the audit log', async () => {
    // Sign in: a wrong key is refused beside the field, the right one is kept in session storage.
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Sign in to Switchboard' }).waitFor();
    await shot('01-sign-in.png');
    await page.getByLabel('Admin key').fill('not-the-right-key-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This key is unknown or revoked').waitFor();
    expect(await page.getByLabel('Admin key').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Admin key').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('switchboard.adminKey'))).toBe(ADMIN_TOKEN);
    expect(new URL(page.url()).pathname).toBe('/flags');

    // Create a flag.
    await page.getByRole('button', { name: 'New flag' }).click();
    const dialog = page.getByRole('dialog', { name: 'New flag' });
    await dialog.getByLabel('Key', { exact: true }).fill('new-checkout');
    await dialog.getByLabel('Name', { exact: true }).fill('New checkout');
    await dialog.getByLabel('Tags', { exact: true }).fill('checkout, payments');
    await dialog.getByRole('button', { name: 'Create flag' }).click();
    await page.getByRole('heading', { name: 'New checkout' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/flags/new-checkout');
    const created = await api.get<{ key: string; tags: string[]; environments: Record<string, Config> }>('/api/admin/flags/new-checkout');
    expect(created.status).toBe(200);
    expect(created.body.tags).toEqual(['checkout', 'payments']);
    expect(created.body.environments.production).toMatchObject({ enabled: false, version: 1 });
    await page.getByText('Editing version 1').waitFor();

    // 25 % rollout in production, with the exact numeric input.
    const fallthrough = page.getByRole('group', { name: 'Default rule: everyone else' });
    await fallthrough.getByLabel('A percentage rollout').check();
    await fallthrough.getByLabel('Percentage of users served on', { exact: true }).fill('25');
    await fallthrough.getByText('The rest (75 %) get off').waitFor();
    await saveInProduction();
    await page.getByText('Editing version 2').waitFor();
    let config = await prodConfig('new-checkout');
    expect(config.version).toBe(2);
    expect(config.fallthrough.rollout).toEqual([
      { variant: 'on', weight: 25_000 },
      { variant: 'off', weight: 75_000 },
    ]);

    // Add a rule: saving without an attribute shows the message beside the field; then it saves.
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.getByRole('group', { name: /^Rule 1/ });
    await rule.getByLabel('Values, one per line').fill('DE\nFR');
    await page.getByRole('button', { name: 'Save changes in Production' }).click();
    await rule.getByText('Enter an attribute, like country or email').waitFor();
    expect(await rule.getByLabel('Attribute', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect((await prodConfig('new-checkout')).version).toBe(2);
    await rule.getByLabel('Attribute', { exact: true }).fill('country');
    await saveInProduction();
    await page.getByText('Editing version 3').waitFor();
    config = await prodConfig('new-checkout');
    expect(config.rules).toEqual([
      { id: 'rule-1', conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }], serve: { variant: 'on' } },
    ]);
    expect(config.fallthrough.rollout?.[0]).toEqual({ variant: 'on', weight: 25_000 });

    // Turn it on in production: it asks first.
    await page.getByRole('switch', { name: 'Turn on in Production' }).click();
    const confirmOn = page.getByRole('dialog', { name: 'Turn on new-checkout in Production?' });
    await confirmOn.getByRole('button', { name: 'Turn on in Production' }).click();
    await page.getByRole('switch', { name: 'Turn off in Production' }).waitFor();
    config = await prodConfig('new-checkout');
    expect(config).toMatchObject({ enabled: true, version: 4 });
    await shot('03-flag-detail.png');

    // Kill it in production through the confirmation. Cancel first: nothing is written.
    await page.getByRole('switch', { name: 'Turn off in Production' }).click();
    let confirmOff = page.getByRole('dialog', { name: 'Turn off new-checkout in Production?' });
    await confirmOff.getByRole('button', { name: 'Cancel' }).click();
    await confirmOff.waitFor({ state: 'hidden' });
    expect((await prodConfig('new-checkout')).enabled).toBe(true);
    await page.getByRole('switch', { name: 'Turn off in Production' }).click();
    confirmOff = page.getByRole('dialog', { name: 'Turn off new-checkout in Production?' });
    await confirmOff.waitFor();
    await shot('04-kill-switch-confirmation.png');
    await confirmOff.getByRole('button', { name: 'Turn off in Production' }).click();
    await page.getByRole('switch', { name: 'Turn on in Production' }).waitFor();
    config = await prodConfig('new-checkout');
    expect(config).toMatchObject({ enabled: false, version: 5 });

    // The audit entry, with its before/after.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const kill = page.getByRole('listitem').filter({ hasText: 'turned off new-checkout in production' }).first();
    await kill.waitFor();
    await kill.getByText('Before and after').click();
    await kill.getByRole('row', { name: /enabled\s+true\s+false/ }).waitFor();
    await shot('05-audit-log.png');
    const audit = await api.get<AuditEvents>('/api/admin/audit?flag=new-checkout&limit=10');
    expect(audit.body.events.map((e) => e.action)).toEqual([
      'config.kill',
      'config.enable',
      'config.replace',
      'config.rollout',
      'flag.create',
    ]);

    // Restore the version before the kill in one click.
    await kill.getByRole('button', { name: 'Restore v4 of new-checkout in production' }).click();
    await page
      .getByRole('dialog', { name: 'Restore version 4 of new-checkout in Production?' })
      .getByRole('button', { name: 'Restore in Production' })
      .click();
    await page.getByText('Restored version 4 of new-checkout in production: now version 6.').waitFor();
    config = await prodConfig('new-checkout');
    expect(config).toMatchObject({ enabled: true, version: 6 });
    expect(config.rules).toHaveLength(1);
    expect(config.fallthrough.rollout?.[0]).toEqual({ variant: 'on', weight: 25_000 });
    const restored = await api.get<AuditEvents>('/api/admin/audit?flag=new-checkout&limit=1');
    expect(restored.body.events[0]).toMatchObject({ action: 'config.restore', environment: 'production' });
    await page.getByRole('listitem').filter({ hasText: 'restored an earlier version of new-checkout in production' }).first().waitFor();
  });

  it('follows another operator live, and reapplies an edit made on a stale version', async () => {
    await page.goto(`${server.url}/flags/new-checkout?env=production`);
    await page.getByText('Editing version 6').waitFor();

    // Someone else turns it off: this page follows within a poll.
    await api.patch('/api/admin/flags/new-checkout/environments/production', { enabled: false }, { 'if-match': '"6"' });
    await page.getByRole('switch', { name: 'Turn on in Production' }).waitFor();
    await page.getByText('Editing version 7').waitFor();

    // We edit the rollout; meanwhile they change it too. We see what they changed, then reapply ours.
    const fallthrough = page.getByRole('group', { name: 'Default rule: everyone else' });
    await fallthrough.getByLabel('Percentage of users served on', { exact: true }).fill('30');
    const other = await api.put<Config>(
      '/api/admin/flags/new-checkout/environments/production/rollout',
      { percentage: 40 },
      { 'if-match': '"7"' },
    );
    expect(other.status).toBe(200);
    const merge = page.getByRole('alert').filter({ hasText: 'Version 8 was saved while you were editing version 7' });
    await merge.waitFor();
    await merge.getByRole('row', { name: /fallthrough\.rollout\[0\]\.weight\s+25000\s+40000/ }).waitFor();
    await shot('06-stale-version.png');
    await merge.getByRole('button', { name: 'Reload and reapply my changes' }).click();
    await page.getByText('Editing version 8').waitFor();
    expect(await fallthrough.getByLabel('Percentage of users served on', { exact: true }).inputValue()).toBe('30');
    await saveInProduction();
    await page.getByText('Editing version 9').waitFor();
    let config = await prodConfig('new-checkout');
    expect(config.fallthrough.rollout?.[0]).toEqual({ variant: 'on', weight: 30_000 });
    expect(config.enabled).toBe(false);

    // A save on a stale version (the live feed held back, so only the 412 tells): the form
    // shows what changed, and our edit is reapplied on top of theirs.
    await page.route('**/api/admin/audit?limit=25', (route) => route.abort());
    await fallthrough.getByLabel('Percentage of users served on', { exact: true }).fill('35');
    const theirs = await api.patch<Config>(
      '/api/admin/flags/new-checkout/environments/production',
      {
        rules: [
          { id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } },
        ],
      },
      { 'if-match': '"9"' },
    );
    expect(theirs.status).toBe(200);
    await saveInProduction();
    const stale = page.getByRole('alert').filter({ hasText: 'Version 10 was saved while you were editing version 9' });
    await stale.waitFor();
    await stale.getByRole('row', { name: /rules\[0\]\.id\s+rule-1\s+staff/ }).waitFor();
    expect((await prodConfig('new-checkout')).version).toBe(10);
    await stale.getByRole('button', { name: 'Reload and reapply my changes' }).click();
    await page.getByText('Editing version 10').waitFor();
    await saveInProduction();
    await page.getByText('Editing version 11').waitFor();
    config = await prodConfig('new-checkout');
    expect(config.fallthrough.rollout?.[0]).toEqual({ variant: 'on', weight: 35_000 });
    expect(config.rules.map((r) => r.id)).toEqual(['staff']);
    await page.unroute('**/api/admin/audit?limit=25');
  });

  it('is served by the server itself at / with its own routes surviving a reload', async () => {
    for (const path of ['/', '/flags/new-checkout', '/audit']) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
    }
    // The API never falls back to the UI.
    const api404 = await fetch(`${server.url}/api/admin/nope`, { headers: { accept: 'text/html' } });
    expect(api404.status).toBe(404);
    expect(api404.headers.get('content-type')).toContain('application/json');
    await page.goto(`${server.url}/audit`);
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  });

  it('creates an API key, shows its secret once, and revokes it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('checkout-service');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByLabel('Secret', { exact: true });
    await secret.waitFor();
    const value = await secret.inputValue();
    expect(value).toMatch(/^sb_server_/);
    // The secret works as a server key for production.
    const sdk = await fetch(`${server.url}/api/sdk/flags`, { headers: { authorization: `Bearer ${value}` } });
    expect(sdk.status).toBe(200);
    expect((await sdk.json()).environment).toBe('production');
    await page.getByRole('cell', { name: 'checkout-service', exact: true }).waitFor();
    await shot('07-api-keys.png');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => secret.count()).toBe(0);

    await page.getByRole('button', { name: 'Revoke checkout-service' }).click();
    await page.getByRole('dialog', { name: 'Revoke checkout-service?' }).getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('button', { name: 'Revoke checkout-service' }).waitFor({ state: 'detached' });
    const keys = await api.get<{ apiKeys: { name: string; revokedAt: string | null }[] }>('/api/admin/api-keys?revoked=true');
    expect(keys.body.apiKeys.find((k) => k.name === 'checkout-service')?.revokedAt).not.toBeNull();
    expect((await fetch(`${server.url}/api/sdk/flags`, { headers: { authorization: `Bearer ${value}` } })).status).toBe(401);
  });

  it('shows segments, environments, the comparison, evaluations, and works on a narrow screen', async () => {
    // Some content, as other operators and SDKs would make it.
    await api.post('/api/admin/segments', {
      key: 'beta-testers',
      name: 'Beta testers',
      included: ['user-1', 'user-2'],
      conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }],
    });
    await api.post('/api/admin/flags', { key: 'search-v2', name: 'Search v2', type: 'boolean', tags: ['search'] });
    await api.put('/api/admin/flags/search-v2/environments/production/rollout', { percentage: 12.5 }, { 'if-match': '"1"' });
    await api.patch('/api/admin/flags/search-v2/environments/production', { enabled: true }, { 'if-match': '"2"' });
    await api.post('/api/admin/flags', {
      key: 'checkout-theme',
      name: 'Checkout theme',
      type: 'string',
      variants: { classic: 'classic', fresh: 'fresh' },
      temporary: false,
      tags: ['checkout'],
    });
    await api.patch(
      '/api/admin/flags/checkout-theme/environments/staging',
      {
        enabled: true,
        rules: [{ id: 'beta', conditions: [{ operator: 'inSegment', values: ['beta-testers'] }], serve: { variant: 'fresh' } }],
      },
      { 'if-match': '"1"' },
    );
    const key = await api.post<{ key: string }>('/api/admin/api-keys', { kind: 'server', environment: 'production', name: 'metrics-e2e' });
    const now = Date.now();
    const minute = 60_000;
    const evaluations = [];
    // What SDKs report: a count per variant per minute, here for the last 20 hours.
    for (let i = 1; i <= 1200; i++) {
      const windowStart = Math.floor((now - i * minute) / minute) * minute;
      const on = i > 600 ? 0 : Math.round(25 + 8 * Math.sin(i / 40) + (i % 7));
      evaluations.push({ flag: 'new-checkout', variant: 'on', count: on, windowStart, windowEnd: windowStart + minute });
      evaluations.push({
        flag: 'new-checkout',
        variant: 'off',
        count: 90 - on + Math.round(10 * Math.cos(i / 60)),
        windowStart,
        windowEnd: windowStart + minute,
      });
    }
    const ingest = await fetch(`${server.url}/api/sdk/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.body.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sdk: { name: 'e2e', version: '0' }, evaluations, events: [] }),
    });
    // The chart below must show what was uploaded: a refused upload fails here, not as an empty chart.
    const upload = (await ingest.json()) as { accepted: { evaluations: number }; invalid: { evaluations: number }; rejected: unknown[] };
    expect(ingest.status, JSON.stringify(upload)).toBe(202);
    expect(upload.rejected).toEqual([]);
    expect(upload.invalid.evaluations).toBe(0);
    expect(upload.accepted.evaluations).toBe(evaluations.length);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('link', { name: /Search v2/ }).waitFor();
    await page.getByText('Rolling out 12.5%').waitFor();
    await shot('02-flags.png');
    await page.getByLabel('Search flags').fill('theme');
    await expect.poll(() => page.getByRole('link', { name: /Search v2/ }).count()).toBe(0);
    await page.getByRole('link', { name: /Checkout theme/ }).waitFor();
    await page.getByLabel('Search flags').fill('');

    await page.goto(`${server.url}/flags/new-checkout?env=production`);
    await page.getByRole('img', { name: /Evaluations per variant/ }).waitFor();
    await page.getByText('Editing version').waitFor();
    await shot('08-flag-evaluations.png');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('button', { name: /Beta testers/ }).click();
    await page.getByRole('heading', { name: 'Segment beta-testers' }).waitFor();
    await shot('09-segments.png');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('cell', { name: 'production', exact: true }).waitFor();
    await shot('10-environments.png');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compare' }).click();
    await page.getByText(/flags differ between Staging and Production/).waitFor();
    await page.getByRole('row').filter({ hasText: 'Checkout theme' }).getByText('beta: in segment beta-testers → fresh').waitFor();
    await shot('11-compare.png');

    // Keyboard: the skip link is the first stop, and it moves focus to the content.
    await page.goto(`${server.url}/compare`);
    await page.getByText(/flags differ between/).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // Narrow screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/flags`);
    await page.getByRole('link', { name: /Search v2/ }).waitFor();
    await shot('12-flags-narrow.png', { fullPage: false });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.goto(`${server.url}/flags/new-checkout?env=production`);
    await page.getByText('Editing version').waitFor();
    await shot('13-flag-detail-narrow.png', { fullPage: false });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });

    // Sign out clears the key.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Switchboard' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('switchboard.adminKey'))).toBeNull();
    expect(consoleErrors.filter((e) => !/401|Failed to load resource/.test(e))).toEqual([]);
  });

  it('says a kill switch was not applied when the admin key was revoked mid-session', async () => {
    const created = await api.post<{ id: string; key: string }>('/api/admin/api-keys', { kind: 'admin', name: 'night-shift' });
    await api.post('/api/admin/flags', { key: 'revoked-kill', type: 'boolean', variants: { on: true, off: false } });
    expect((await api.patch('/api/admin/flags/revoked-kill/environments/staging', { enabled: true }, { 'if-match': '"1"' })).status).toBe(
      200,
    );
    await page.goto(`${server.url}/`);
    await page.getByLabel('Admin key').fill(created.body.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${server.url}/flags/revoked-kill?env=staging`);
    await page.getByRole('switch', { name: 'Turn off in Staging' }).waitFor();
    // The page's secondary parts (drawn after the kill switch) have loaded: a read of theirs refused
    // with 401 would end the session before the write this test is about.
    await page.getByRole('heading', { name: /^Flag settings/ }).waitFor();
    // Revoked while the page is open; the next write is refused with 401.
    expect((await api.delete(`/api/admin/api-keys/${created.body.id}`)).status).toBe(204);
    await page.getByRole('switch', { name: 'Turn off in Staging' }).click();
    await page.getByRole('heading', { name: 'Sign in to Switchboard' }).waitFor();
    await page.getByText('Your last change was NOT saved').waitFor();
    expect((await api.get<Config>('/api/admin/flags/revoked-kill/environments/staging')).body.enabled).toBe(true);
  });
});
