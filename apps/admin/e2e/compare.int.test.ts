/**
 * The Compare page's "Copy to →" in real Chromium against a real server: a difference the
 * words would hide (only the bucketing attribute) is shown, and copying staging's config
 * into production asks first, then writes it (salt and bucketBy included).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startSuite, type adminApi, type launchBrowser, type Server } from './harness';

let server: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let api: ReturnType<typeof adminApi>;

beforeAll(async () => {
  ({ server, api, browser, page } = await startSuite());
  await signIn(page, server.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const rollout = (bucketBy: string) => ({
  rollout: [
    { variant: 'on', weight: 20_000 },
    { variant: 'off', weight: 80_000 },
  ],
  bucketBy,
});

describe('Compare', () => {
  it('shows a bucketing-only difference and copies staging into production after asking', async () => {
    expect((await api.post('/api/admin/flags', { key: 'org-rollout', type: 'boolean' })).status).toBe(201);
    const staging = { enabled: true, fallthrough: rollout('orgId'), salt: 'org-rollout-2' };
    expect((await api.patch('/api/admin/flags/org-rollout/environments/staging', staging, { 'if-match': '"1"' })).status).toBe(200);
    const prod = { enabled: true, fallthrough: rollout('userId') };
    expect((await api.patch('/api/admin/flags/org-rollout/environments/production', prod, { 'if-match': '"1"' })).status).toBe(200);

    await page.goto(`${server.url}/compare?a=staging&b=production`);
    const row = page.getByRole('row').filter({ hasText: 'org-rollout' });
    // The same words on both sides would hide it: the stored rule says what differs.
    await row.getByText(/"bucketBy":"orgId"/).waitFor();
    await row.getByText(/"bucketBy":"userId"/).waitFor();

    await row.getByRole('button', { name: 'Copy to Production →' }).click();
    await row.getByRole('button', { name: 'Confirm: copy into Production' }).click();
    // Copied: the flag no longer differs, so it leaves the list of differences.
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
    await expect
      .poll(async () => {
        const res = await api.get('/api/admin/flags/org-rollout/environments/production');
        const config = res.body as { fallthrough: unknown; salt: string };
        return [config.fallthrough, config.salt];
      })
      .toEqual([staging.fallthrough, 'org-rollout-2']);
  });
});
