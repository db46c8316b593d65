/**
 * The admin UI at 3 a.m., in real Chromium against a real server: the picker and the page
 * never disagree about the environment; a protected environment (one named `live`) is
 * marked everywhere and asks before kill, enable, restore and archive while an unprotected
 * one named `prd` doesn't; failed writes (a concurrent edit's 412, the server going away)
 * keep the focus and say whether anything changed; page titles, phone width, dark mode and
 * forced colours. axe-core finds nothing on any page or state; screenshots go to test-artifacts/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, defaultConfig } from '@switchboard/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, DIST, adminApi, artifact, axeViolations, ensureBuilt, launchBrowser, signIn } from './harness';

const LIVE_FEED = '**/api/admin/audit?limit=25';

interface Config {
  version: number;
  enabled: boolean;
}

let dataDir: string;
let port = 0;
let url: string;
let app: Awaited<ReturnType<typeof buildApp>> | undefined;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let api: ReturnType<typeof adminApi>;
const consoleErrors: string[] = [];

/** Starts (or restarts, on the same port and data) the real server. */
async function startServer(): Promise<void> {
  const config = defaultConfig({
    host: '127.0.0.1',
    port,
    adminToken: ADMIN_TOKEN,
    dataDir,
    logLevel: 'silent',
    adminRateLimitPerMinute: 0,
    sdkEventsRateLimitPerMinute: 0,
    adminUiDir: DIST,
  });
  app = await buildApp(config, { logger: false, onBootstrapAdminKey: () => {} });
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  url = `http://127.0.0.1:${port}`;
}

async function shot(name: string) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: artifact(name) });
}

/** Zero axe-core violations, with what was found in the failure message. */
async function expectAccessible(state: string) {
  expect(await axeViolations(page), state).toEqual([]);
}

/** The top bar's environment picker (the audit page has an Environment filter of its own). */
const picker = () => page.getByRole('banner').getByRole('combobox');
const config = async (flag: string, env: string) => (await api.get<Config>(`/api/admin/flags/${flag}/environments/${env}`)).body;
const focused = () =>
  page.evaluate(() => ({ role: document.activeElement?.getAttribute('role'), text: document.activeElement?.textContent ?? '' }));

beforeAll(async () => {
  await ensureBuilt();
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-admin-safety-'));
  await startServer();
  api = adminApi(url);
  browser = await launchBrowser();
  page = browser.page;
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  expect((await api.post('/api/admin/flags', { key: 'new-checkout', name: 'New checkout', type: 'boolean' })).status).toBe(201);
  for (const env of ['staging', 'production'])
    expect((await api.patch(`/api/admin/flags/new-checkout/environments/${env}`, { enabled: true }, { 'if-match': '"1"' })).status).toBe(
      200,
    );
  // Protection is a setting: `live` has it, `prd` (a name /prod/i never matched anyway) doesn't.
  expect((await api.post('/api/admin/environments', { key: 'live', name: 'Live', protected: true })).status).toBe(201);
  expect((await api.post('/api/admin/environments', { key: 'prd', name: 'prd' })).status).toBe(201);
  await signIn(page, url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('which environment, never ambiguous', () => {
  it('switching the top picker on a flag page moves the page with it, and the URL says so', async () => {
    await page.goto(`${url}/flags/new-checkout?env=staging`);
    await page.getByRole('switch', { name: 'Turn off in Staging' }).waitFor();
    expect(await picker().inputValue()).toBe('staging');
    expect(await page.getByRole('region', { name: /is protected/ }).count()).toBe(0);
    expect(await page.title()).toBe('new-checkout · Staging · Switchboard');
    // However many pages the navigation lists, the picker and sign-out stay inside the window.
    for (const el of [picker(), page.getByRole('button', { name: 'Sign out' })])
      expect(await el.evaluate((e) => e.getBoundingClientRect().right <= window.innerWidth)).toBe(true);
    await shot('30-flag-staging.png');
    await expectAccessible('flag page in staging');

    await picker().selectOption('production');
    await page.getByRole('switch', { name: 'Turn off in Production' }).waitFor();
    expect(new URL(page.url()).searchParams.get('env')).toBe('production');
    const tabs = page.getByRole('navigation', { name: 'Environments of this flag' });
    expect(await tabs.locator('[aria-current="page"]').textContent()).toMatch(/^Production · protected/);
    await page.getByRole('region', { name: 'Production is protected' }).waitFor();
    expect(await page.title()).toBe('new-checkout · Production (protected) · Switchboard');
    await page.getByRole('heading', { name: 'Targeting in Production' }).waitFor();
    await shot('31-flag-production.png');
    await expectAccessible('flag page in production, with the protected banner');

    // Back returns to staging, picker included; the tabs move the picker too.
    await page.goBack();
    await page.getByRole('switch', { name: 'Turn off in Staging' }).waitFor();
    expect(await picker().inputValue()).toBe('staging');
    await tabs.getByRole('link', { name: /^Production/ }).click();
    await page.getByRole('switch', { name: 'Turn off in Production' }).waitFor();
    expect(await picker().inputValue()).toBe('production');

    // Moving to another page keeps the environment in the URL; a URL without one gets it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
    expect(new URL(page.url()).searchParams.get('env')).toBe('production');
    expect(await page.title()).toBe('Flags · Production (protected) · Switchboard');
    await page.goto(`${url}/flags/new-checkout`);
    await page.getByRole('switch', { name: 'Turn off in Production' }).waitFor();
    expect(new URL(page.url()).searchParams.get('env')).toBe('production');

    // An environment that doesn't exist is said, not swapped for another.
    await page.goto(`${url}/flags/new-checkout?env=prod`);
    await page.getByRole('alert').filter({ hasText: 'There is no environment "prod"' }).waitFor();
    expect(await page.getByRole('switch').count()).toBe(0);
    expect(await picker().inputValue()).toBe('prod');
  });
});

describe('protected is a setting, not a name', () => {
  it('kill asks in `live` and keeps the focus on the switch; `prd` writes at once', async () => {
    expect((await api.patch('/api/admin/flags/new-checkout/environments/live', { enabled: true }, { 'if-match': '"1"' })).status).toBe(200);
    await page.goto(`${url}/flags/new-checkout?env=live`);
    await page.getByRole('region', { name: 'Live is protected' }).waitFor();
    await page.getByRole('switch', { name: 'Turn off in Live' }).click();
    const dialog = page.getByRole('dialog', { name: 'Turn off new-checkout in Live?' });
    await dialog.waitFor();
    expect((await focused()).text).toBe('Cancel');
    await shot('32-kill-confirmation-live.png');
    await expectAccessible('kill confirmation in live');
    await dialog.getByRole('button', { name: 'Turn off in Live' }).click();
    await page.getByRole('switch', { name: 'Turn on in Live' }).waitFor();
    expect(await focused()).toMatchObject({ role: 'switch', text: expect.stringContaining('Turn on in Live') });
    await page.getByText('new-checkout is off in Live').waitFor();
    expect(await config('new-checkout', 'live')).toMatchObject({ enabled: false, version: 3 });

    // Enable asks too.
    await page.getByRole('switch', { name: 'Turn on in Live' }).click();
    await page.getByRole('dialog', { name: 'Turn on new-checkout in Live?' }).getByRole('button', { name: 'Cancel' }).click();
    expect((await config('new-checkout', 'live')).enabled).toBe(false);

    await page.goto(`${url}/flags/new-checkout?env=prd`);
    await page.getByRole('switch', { name: 'Turn on in prd' }).click();
    await page.getByRole('switch', { name: 'Turn off in prd' }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByRole('region', { name: /is protected/ }).count()).toBe(0);
    expect((await config('new-checkout', 'prd')).enabled).toBe(true);
  });

  it("the audit log's restore asks in `live`, and archiving names where the flag is on", async () => {
    await page.goto(`${url}/audit?flag=new-checkout&environment=live`);
    const kill = page.getByRole('listitem').filter({ hasText: 'turned off new-checkout in live' }).first();
    await kill.getByRole('button', { name: 'Restore v2 of new-checkout in live' }).click();
    const confirm = page.getByRole('dialog', { name: 'Restore version 2 of new-checkout in Live?' });
    await confirm.waitFor();
    await expectAccessible('restore confirmation in the audit log');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await config('new-checkout', 'live')).toMatchObject({ enabled: false, version: 3 });
    await kill.getByRole('button', { name: 'Restore v2 of new-checkout in live' }).click();
    await confirm.getByRole('button', { name: 'Restore in Live' }).click();
    await page.getByText('Restored version 2 of new-checkout in live: now version 4.').waitFor();
    expect(await config('new-checkout', 'live')).toMatchObject({ enabled: true, version: 4 });

    await page.goto(`${url}/flags/new-checkout?env=staging`);
    await page.getByRole('button', { name: 'Archive flag' }).click();
    const archive = page.getByRole('dialog', { name: 'Archive new-checkout?' });
    for (const line of ['Staging: On', 'Production: On', 'Live: On', 'prd: On'])
      await archive.getByRole('listitem').filter({ hasText: line }).waitFor();
    await archive.getByText('Production, Live are protected.').waitFor();
    await shot('33-archive-confirmation.png');
    await expectAccessible('archive confirmation');
    await archive.getByRole('button', { name: 'Cancel' }).click();
    expect((await api.get<{ archived: boolean }>('/api/admin/flags/new-checkout')).body.archived).toBe(false);

    // A flag off everywhere still asks (production and live are protected); once archived, focus is on Unarchive.
    expect((await api.post('/api/admin/flags', { key: 'old-banner', type: 'boolean' })).status).toBe(201);
    await page.goto(`${url}/flags/old-banner?env=staging`);
    await page.getByRole('button', { name: 'Archive flag' }).click();
    const quiet = page.getByRole('dialog', { name: 'Archive old-banner?' });
    await quiet.getByText('Production, Live are protected.').waitFor();
    expect(await quiet.getByText('It is serving users now in:').count()).toBe(0);
    await quiet.getByRole('button', { name: 'Archive flag' }).click();
    await page.getByRole('button', { name: 'Unarchive' }).waitFor();
    await expect.poll(() => focused()).toMatchObject({ text: 'Unarchive' });
    expect((await api.get<{ archived: boolean }>('/api/admin/flags/old-banner')).body.archived).toBe(true);
  });
});

describe('protected is editable by admins', () => {
  it('protects prd from the Environments page at once, and asks before unprotecting it', async () => {
    await page.goto(`${url}/environments?env=prd`);
    await page.getByRole('button', { name: 'Protect prd' }).click();
    await page.getByRole('region', { name: 'prd is protected' }).waitFor();
    expect((await api.get<{ protected: boolean }>('/api/admin/environments/prd')).body.protected).toBe(true);
    await page.getByRole('button', { name: 'Unprotect prd' }).click();
    const dialog = page.getByRole('dialog', { name: 'Unprotect prd?' });
    await dialog.getByRole('button', { name: 'Unprotect prd' }).click();
    await page.getByRole('button', { name: 'Protect prd' }).waitFor();
    expect(await page.getByRole('region', { name: /is protected/ }).count()).toBe(0);
    expect((await api.get<{ protected: boolean }>('/api/admin/environments/prd')).body.protected).toBe(false);
  });
});

describe('after a failed write, focus and meaning stay', () => {
  it('a concurrent edit (412): nothing written, the request id shown, focus on the switch, and it applies again', async () => {
    await page.goto(`${url}/flags/new-checkout?env=live`);
    await page.getByText('Editing version 4').waitFor();
    // Another operator saves while this page can't hear about it.
    await page.route(LIVE_FEED, (route) => route.abort());
    const other = await api.put('/api/admin/flags/new-checkout/environments/live/rollout', { percentage: 50 }, { 'if-match': '"4"' });
    expect(other.status).toBe(200);
    await page.getByRole('switch', { name: 'Turn off in Live' }).click();
    await page.getByRole('dialog', { name: 'Turn off new-checkout in Live?' }).getByRole('button', { name: 'Turn off in Live' }).click();
    const stale = page.getByRole('alert').filter({ hasText: 'you saw version 4, it is now version 5' });
    await stale.waitFor();
    await stale.getByText('Nothing was written.').waitFor();
    expect(await stale.locator('code').textContent()).toMatch(/^[\w-]{8,}$/);
    expect(await focused()).toMatchObject({ role: 'switch' });
    expect(await config('new-checkout', 'live')).toMatchObject({ enabled: true, version: 5 });
    await shot('34-kill-stale-412.png');
    await expectAccessible('412 after a kill');
    await page.unroute(LIVE_FEED);

    await stale.getByRole('button', { name: 'Turn off in Live at version 5' }).click();
    await page.getByRole('dialog', { name: 'Turn off new-checkout in Live?' }).getByRole('button', { name: 'Turn off in Live' }).click();
    await page.getByRole('switch', { name: 'Turn on in Live' }).waitFor();
    expect(await config('new-checkout', 'live')).toMatchObject({ enabled: false, version: 6 });
  });

  it('the server goes away: it says it may not have been saved, focus stays, and the retry works once it is back', async () => {
    await page.goto(`${url}/flags/new-checkout?env=prd`);
    const sw = page.getByRole('switch', { name: 'Turn off in prd' });
    await sw.waitFor();
    await app!.close();
    app = undefined;
    await sw.click();
    const failure = page.getByRole('alert').filter({ hasText: 'Turning off new-checkout in prd may or may not have been saved' });
    await failure.waitFor();
    expect(await focused()).toMatchObject({ role: 'switch', text: expect.stringContaining('Turn off in prd') });
    // The live indicator says it in words, not only with a red dot.
    await page.getByRole('status').filter({ hasText: 'Offline' }).waitFor();
    await shot('35-write-failed-offline.png');
    await expectAccessible('write failure while the server is away');

    await startServer();
    await failure.getByRole('button', { name: 'Try again: turn off in prd' }).click();
    await page.getByRole('switch', { name: 'Turn on in prd' }).waitFor();
    expect((await config('new-checkout', 'prd')).enabled).toBe(false);
    expect(await page.getByRole('alert').filter({ hasText: 'may or may not' }).count()).toBe(0);
  });
});

describe('small things that matter at night', () => {
  it('every route has its own title, and every page passes axe', async () => {
    const titles = new Set<string>();
    for (const [link, heading] of [
      ['Flags', 'Flags'],
      ['Segments', 'Segments'],
      ['Environments', 'Environments'],
      ['API keys', 'API keys'],
      ['Webhooks', 'Webhooks'],
      ['Audit log', 'Audit log'],
      ['Compare', 'Compare environments'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: heading, exact: true, level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      titles.add(await page.title());
      await expectAccessible(`${link} page`);
    }
    expect(titles.size).toBe(7);
  });

  it('toasts never cover the History buttons', async () => {
    await page.goto(`${url}/flags/new-checkout?env=staging`);
    const history = page.getByRole('region', { name: 'History in Staging' });
    await history.getByRole('button', { name: 'Restore v1' }).click();
    await page.locator('.toast').filter({ hasText: 'Restored version 1 of new-checkout in Staging' }).waitFor();
    const buttons = history.getByRole('button');
    for (let i = 0; i < (await buttons.count()); i++) {
      const b = buttons.nth(i);
      // The worst place for it: at the bottom edge of the window, where toasts appear.
      await b.evaluate((el) => el.scrollIntoView({ block: 'end' }));
      const hit = await b.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return top !== null && el.contains(top);
      });
      expect(hit, (await b.textContent()) ?? '').toBe(true);
    }
  });

  it('a 390 px phone: Live as text, every navigation item reachable with a cue, no sideways scroll', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/flags/new-checkout?env=production`);
    await page.getByRole('switch', { name: /in Production/ }).waitFor();
    const live = page.locator('.live');
    await expect.poll(() => live.textContent()).toBe('Live');
    // The word itself is on screen, not only in the accessibility tree.
    expect(await live.locator('.live__text').evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(10);
    const nav = page.getByRole('navigation', { name: 'Main' });
    const overflow = await nav.evaluate((el) => ({
      scroll: el.scrollWidth,
      client: el.clientWidth,
      bg: getComputedStyle(el).backgroundImage,
    }));
    expect(overflow.scroll).toBeGreaterThan(overflow.client);
    expect(overflow.bg).toContain('gradient');
    const last = nav.getByRole('link', { name: 'Compare' });
    await last.focus();
    expect(
      await last.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.right <= window.innerWidth && r.left >= 0;
      }),
    ).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('36-flag-production-phone.png');
    await expectAccessible('flag page in production at 390 px');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('dark mode follows the system, and the switch stays visible in forced colours', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${url}/flags/new-checkout?env=production`);
    await page.getByRole('switch', { name: /in Production/ }).waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(17, 20, 24)');
    await shot('37-flag-production-dark.png');
    await expectAccessible('flag page, dark');
    await page.getByRole('switch', { name: /in Production/ }).click();
    await page.getByRole('dialog').waitFor();
    await shot('38-kill-confirmation-dark.png');
    await expectAccessible('kill confirmation, dark');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.goto(`${url}/flags?env=production`);
    await page.getByRole('link', { name: /New checkout/ }).waitFor();
    await shot('39-flags-dark.png');
    await expectAccessible('flags list, dark');
    await page.goto(`${url}/audit?env=production`);
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await expectAccessible('audit log, dark');

    await page.emulateMedia({ colorScheme: 'light', forcedColors: 'active' });
    await page.goto(`${url}/flags/new-checkout?env=staging`);
    const track = page.getByRole('switch', { name: /in Staging/ }).locator('.switch__track');
    await track.waitFor();
    const style = await track.evaluate((el) => ({
      border: getComputedStyle(el).borderTopStyle,
      width: getComputedStyle(el).borderTopWidth,
    }));
    expect(style).toEqual({ border: 'solid', width: '2px' });
    await shot('40-switch-forced-colours.png');
    await page.emulateMedia({ colorScheme: 'light', forcedColors: 'none' });
    expect(consoleErrors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED|ERR_FAILED/.test(e))).toEqual([]);
  });
});
