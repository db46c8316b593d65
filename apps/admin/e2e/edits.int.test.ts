/**
 * Editing while others edit, in real Chromium against a real server: another operator's
 * writes go through the admin API, this operator's through clicks. Reapplying after
 * someone else's save keeps their fields; a restore from the history is made against the
 * version on screen; errors the server names by a list item or by a field without an
 * input are shown; leaving a page with unsaved targeting asks first.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startSuite, type adminApi, type launchBrowser, type Server } from './harness';

interface Flag {
  key: string;
  name: string;
  description: string;
  tags: string[];
  clientSide: boolean;
  variants: Record<string, unknown>;
  version: number;
}

interface Config {
  version: number;
  enabled: boolean;
  salt: string;
  fallthrough: { variant?: string; rollout?: { variant: string; weight: number }[] };
}

interface Segment {
  key: string;
  name: string;
  description: string;
  included: string[];
  version: number;
}

/** The live feed polls this; holding it back leaves the page on what it last read. */
const LIVE_FEED = '**/api/admin/audit?limit=25';

let server: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let api: ReturnType<typeof adminApi>;
/** What window.confirm (and beforeunload) asked, and how the operator answers. */
let dialogs: string[] = [];
let answer = true;

const settingsOf = () => page.getByRole('region', { name: /^Flag settings/ });

beforeAll(async () => {
  ({ server, api, browser, page } = await startSuite());
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void (answer ? d.accept() : d.dismiss());
  });
  await signIn(page, server.url);
}, 60_000);

beforeEach(async () => {
  dialogs = [];
  answer = true;
  await page.unrouteAll({ behavior: 'wait' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('flag settings', () => {
  it('"Reload and reapply my changes" after another operator saves keeps their description and tags, and saves my name', async () => {
    await api.post('/api/admin/flags', {
      key: 'settings-merge',
      name: 'New checkout',
      description: 'The old description',
      type: 'boolean',
      tags: ['checkout'],
    });
    await page.goto(`${server.url}/flags/settings-merge?env=production`);
    const settings = settingsOf();
    await settings.getByRole('heading', { name: /version 1\)/ }).waitFor();
    await settings.getByLabel('Name', { exact: true }).fill('Checkout v2');

    // Bob saves version 2 (another description and tag); the live feed brings it in.
    const bob = await api.patch<Flag>(
      '/api/admin/flags/settings-merge',
      { description: 'Bob wrote this', tags: ['checkout', 'payments'] },
      { 'if-match': '"1"' },
    );
    expect(bob.status).toBe(200);
    const notice = settings.getByRole('alert').filter({ hasText: 'Someone saved version 2 of this flag' });
    await notice.getByRole('button', { name: 'Reload and reapply my changes' }).click();
    expect(await settings.getByLabel('Name', { exact: true }).inputValue()).toBe('Checkout v2');
    expect(await settings.getByLabel('Description', { exact: true }).inputValue()).toBe('Bob wrote this');
    expect(await settings.getByLabel('Tags', { exact: true }).inputValue()).toBe('checkout, payments');
    await settings.getByRole('button', { name: 'Save settings (version 2 → 3)' }).click();
    await settings.getByRole('heading', { name: /version 3\)/ }).waitFor();

    const saved = (await api.get<Flag>('/api/admin/flags/settings-merge')).body;
    expect(saved).toMatchObject({ name: 'Checkout v2', description: 'Bob wrote this', tags: ['checkout', 'payments'], version: 3 });
    // Only my edit was written over theirs.
    const audit = await api.get<{ events: { action: string; before: Flag; after: Flag }[] }>(
      '/api/admin/audit?flag=settings-merge&limit=1',
    );
    const last = audit.body.events[0]!;
    expect(last.action).toBe('flag.update');
    expect(last.before).toMatchObject({ name: 'New checkout', description: 'Bob wrote this', tags: ['checkout', 'payments'] });
  });

  it('shows the server refusing a tag (tags[2], over 64 characters) beside the Tags input', async () => {
    await page.goto(`${server.url}/flags/settings-merge?env=production`);
    const settings = settingsOf();
    await settings.getByRole('heading', { name: /version 3\)/ }).waitFor();
    const tags = settings.getByLabel('Tags', { exact: true });
    await tags.fill(`checkout, payments, ${'t'.repeat(70)}`);
    await settings.getByRole('button', { name: /^Save settings/ }).click();
    await settings.getByText('tags[2] must NOT have more than 64 characters').waitFor();
    expect(await tags.getAttribute('aria-invalid')).toBe('true');
    expect(await tags.inputValue()).toBe(`checkout, payments, ${'t'.repeat(70)}`);
    expect((await api.get<Flag>('/api/admin/flags/settings-merge')).body.version).toBe(3);
    await settings.getByRole('button', { name: 'Discard', exact: true }).click();
  });

  it('shows an error on a field without an input (a rule serving the variant Settings removes) as a form error', async () => {
    await api.post('/api/admin/flags', { key: 'served-variant', type: 'string', variants: { light: 'l', dark: 'd', blue: 'b' } });
    const rule = await api.patch(
      '/api/admin/flags/served-variant/environments/production',
      { rules: [{ id: 'eu', conditions: [], serve: { variant: 'blue' } }] },
      { 'if-match': '"1"' },
    );
    expect(rule.status).toBe(200);
    await page.goto(`${server.url}/flags/served-variant?env=production`);
    const settings = settingsOf();
    await settings.getByRole('heading', { name: /version 1\)/ }).waitFor();
    await settings.getByRole('button', { name: 'Remove variant 3' }).click();
    await settings.getByRole('button', { name: /^Save settings/ }).click();
    await settings
      .getByRole('alert')
      .filter({ hasText: "environments.production.rules[0].serve.variant must name one of the flag's variants" })
      .waitFor();
    expect(Object.keys((await api.get<Flag>('/api/admin/flags/served-variant')).body.variants)).toEqual(['light', 'dark', 'blue']);
    await settings.getByRole('button', { name: 'Discard', exact: true }).click();
  });
});

describe('segment editor and other operators', () => {
  it('shows no conflict after my own save; a stale save reloads, and reapplying keeps their included users', async () => {
    await api.post('/api/admin/segments', { key: 'beta-testers', name: 'Beta testers', included: ['user-1'] });
    await page.goto(`${server.url}/segments?segment=beta-testers`);
    await page.getByText('Editing version 1').waitFor();
    // The live feed held back: only what the editor does itself can show a newer version.
    await page.route(LIVE_FEED, (route) => route.abort());

    // My own save is not someone else's newer version.
    await page.getByLabel('Description', { exact: true }).fill('People who asked');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByText('Editing version 2').waitFor();
    expect(
      await page
        .getByRole('alert')
        .filter({ hasText: /saved by someone else/ })
        .count(),
    ).toBe(0);

    // Another operator adds user-3 meanwhile; my save on version 2 is refused and the list is read again.
    const theirs = await api.patch<Segment>('/api/admin/segments/beta-testers', { included: ['user-1', 'user-3'] }, { 'if-match': '"2"' });
    expect(theirs.status).toBe(200);
    await page.getByLabel('Name', { exact: true }).fill('Early adopters');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByText('Someone saved a newer version of this segment.').waitFor();
    const notice = page.getByRole('alert').filter({ hasText: 'Version 3 of this segment was saved by someone else' });
    await notice.getByRole('button', { name: 'Reload and reapply my changes' }).click();
    await page.getByText('Editing version 3').waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Early adopters');
    expect(await page.getByLabel('Description', { exact: true }).inputValue()).toBe('People who asked');
    expect(await page.getByLabel(/^Always included/).inputValue()).toBe('user-1\nuser-3');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByText('Editing version 4').waitFor();

    const saved = (await api.get<Segment>('/api/admin/segments/beta-testers')).body;
    expect(saved).toMatchObject({ name: 'Early adopters', description: 'People who asked', included: ['user-1', 'user-3'], version: 4 });
  });
});

describe('new flag dialog', () => {
  it('shows a tag the server refuses (tags[0]) beside the Tags input, keeping what was typed', async () => {
    const longTag = `team-${'x'.repeat(70)}`;
    await page.goto(`${server.url}/flags`);
    await page.getByRole('button', { name: 'New flag' }).click();
    const dialog = page.getByRole('dialog', { name: 'New flag' });
    await dialog.getByLabel('Key', { exact: true }).fill('long-tag');
    await dialog.getByLabel('Tags', { exact: true }).fill(longTag);
    await dialog.getByRole('button', { name: 'Create flag' }).click();
    await dialog.getByText('tags[0] must NOT have more than 64 characters').waitFor();
    const tags = dialog.getByLabel('Tags', { exact: true });
    expect(await tags.getAttribute('aria-invalid')).toBe('true');
    expect(await tags.inputValue()).toBe(longTag);
    expect((await api.get('/api/admin/flags/long-tag')).status).toBe(404);
  });

  it('shows an error on a field the dialog has no input for (the body) as a form error', async () => {
    // The request is cut short on its way, so the real server refuses the body itself.
    await page.route('**/api/admin/flags', (route) =>
      route.request().method() === 'POST' ? route.continue({ postData: '{"key": "cut-short"' }) : route.continue(),
    );
    await page.goto(`${server.url}/flags`);
    await page.getByRole('button', { name: 'New flag' }).click();
    const dialog = page.getByRole('dialog', { name: 'New flag' });
    await dialog.getByLabel('Key', { exact: true }).fill('cut-short');
    await dialog.getByRole('button', { name: 'Create flag' }).click();
    await dialog.getByRole('alert').filter({ hasText: /JSON/ }).waitFor();
    expect(await dialog.getByLabel('Key', { exact: true }).inputValue()).toBe('cut-short');
    expect((await api.get('/api/admin/flags/cut-short')).status).toBe(404);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });
});

/** Production is protected on a fresh install: a restore there asks first. */
async function confirmRestore(version: number) {
  await page
    .getByRole('dialog', { name: `Restore version ${version} of history-restore in Production?` })
    .getByRole('button', { name: 'Restore in Production' })
    .click();
}

describe('version history', () => {
  it('restores against the version on screen: a change made meanwhile makes it fail (412) instead of being overwritten', async () => {
    await api.post('/api/admin/flags', { key: 'history-restore', type: 'boolean' });
    expect(
      (await api.patch('/api/admin/flags/history-restore/environments/production', { enabled: true }, { 'if-match': '"1"' })).status,
    ).toBe(200);
    expect(
      (await api.put('/api/admin/flags/history-restore/environments/production/rollout', { percentage: 20 }, { 'if-match': '"2"' })).status,
    ).toBe(200);
    await page.goto(`${server.url}/flags/history-restore?env=production`);
    await page.getByText('Editing version 3').waitFor();
    const history = page.getByRole('region', { name: 'History in Production' });
    await history.getByRole('button', { name: 'Restore v1' }).waitFor();

    // Another operator turns it off; this page has not seen it (the live feed held back).
    await page.route(LIVE_FEED, (route) => route.abort());
    expect(
      (await api.patch('/api/admin/flags/history-restore/environments/production', { enabled: false }, { 'if-match': '"3"' })).status,
    ).toBe(200);
    await history.getByRole('button', { name: 'Restore v2' }).click();
    await confirmRestore(2);
    await history.getByRole('alert').filter({ hasText: 'Nothing was restored: someone saved version 4 meanwhile.' }).waitFor();
    let config = (await api.get<Config>('/api/admin/flags/history-restore/environments/production')).body;
    expect(config).toMatchObject({ version: 4, enabled: false });

    // Once the page shows version 4, restoring works.
    await page.unroute(LIVE_FEED);
    await page.getByText('Editing version 4').waitFor();
    await history.getByRole('button', { name: 'Restore v2' }).click();
    await confirmRestore(2);
    await page.getByText('Editing version 5').waitFor();
    // The pressed button is gone from the list; focus is on what happened, not on <body>.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(
      'Restored version 2 of history-restore in Production as version 5.',
    );
    config = (await api.get<Config>('/api/admin/flags/history-restore/environments/production')).body;
    // Version 2: on, without the 20 % rollout of version 3.
    expect(config).toMatchObject({ version: 5, enabled: true });
    expect(config.fallthrough).toEqual({ variant: 'off' });
  });
});

describe('targeting form with unsaved changes', () => {
  it('asks before an in-app link leaves the page, and stays with the typed value when the operator says no', async () => {
    await api.post('/api/admin/flags', { key: 'unsaved-salt', type: 'boolean' });
    await page.goto(`${server.url}/flags/unsaved-salt?env=production`);
    await page.getByText('Editing version 1').waitFor();
    await page.getByText('Off variant and bucketing salt').click();
    const salt = page.getByLabel('Bucketing salt');
    await salt.fill('unsaved-salt-v2');
    const tabs = page.getByRole('navigation', { name: 'Environments of this flag' });

    answer = false;
    await tabs.getByRole('link', { name: /^Staging/ }).click();
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toContain('Your changes to the targeting in Production are not saved.');
    expect(new URL(page.url()).search).toBe('?env=production');
    expect(await salt.inputValue()).toBe('unsaved-salt-v2');
    // Staying means staying: the app's current environment (the Flags list's) didn't move.
    expect(await page.evaluate(() => sessionStorage.getItem('switchboard.environment'))).not.toBe('staging');

    // Another page of the app asks too.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    expect(dialogs).toHaveLength(2);
    expect(new URL(page.url()).pathname).toBe('/flags/unsaved-salt');
    expect(await salt.inputValue()).toBe('unsaved-salt-v2');

    answer = true;
    await tabs.getByRole('link', { name: /^Staging/ }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?env=staging');
    expect(await page.evaluate(() => sessionStorage.getItem('switchboard.environment'))).toBe('staging');
    expect(dialogs).toHaveLength(3);
    expect((await api.get<Config>('/api/admin/flags/unsaved-salt/environments/production')).body).toMatchObject({
      version: 1,
      salt: 'unsaved-salt',
    });
  });

  it('does not ask when nothing is unsaved', async () => {
    await page.goto(`${server.url}/flags/unsaved-salt?env=production`);
    await page.getByText('Editing version 1').waitFor();
    await page
      .getByRole('navigation', { name: 'Environments of this flag' })
      .getByRole('link', { name: /^Staging/ })
      .click();
    await expect.poll(() => new URL(page.url()).search).toBe('?env=staging');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    expect(dialogs).toEqual([]);
  });
});
