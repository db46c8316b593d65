/**
 * Stale flags in real Chromium against a real server: a temporary flag nobody evaluates for
 * its threshold (two seconds here, days as a fraction) gets the "Stale" badge on the flags
 * list and its page, and "Stale only" asks the server for just the stale ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifact, signIn, startSuite, type adminApi, type launchBrowser, type Server } from './harness';

let server: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let api: ReturnType<typeof adminApi>;

const TWO_SECONDS = 2 / 86_400;

beforeAll(async () => {
  // The stale check runs every second, so the flag is tracked, then stale, without waiting days.
  ({ server, api, browser, page } = await startSuite({ staleCheckIntervalMs: 1000 }));
  for (const [key, body] of [
    ['old-banner', { name: 'Old banner' }],
    ['ops-kill', { name: 'Ops kill switch', temporary: false }],
    ['new-search', { name: 'New search' }],
  ] as const) {
    expect((await api.post('/api/admin/flags', { key, type: 'boolean', ...body })).status).toBe(201);
  }
  for (const key of ['old-banner', 'ops-kill']) {
    const flag = await api.get<{ version: number }>(`/api/admin/flags/${key}`);
    const set = await api.put(
      `/api/admin/flags/${key}/staleness`,
      { staleAfterDays: TWO_SECONDS },
      { 'if-match': `"${flag.body.version}"` },
    );
    expect(set.status).toBe(200);
  }
  const deadline = Date.now() + 20_000;
  while ((await api.get<{ stale: boolean }>('/api/admin/flags/old-banner/staleness')).body.stale !== true) {
    if (Date.now() > deadline) throw new Error('old-banner never became stale');
    await new Promise((r) => setTimeout(r, 200));
  }
  await signIn(page, server.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('stale flags', () => {
  it('badges the stale flag in the list, and "Stale only" lists just it', async () => {
    await page.goto(`${server.url}/flags?env=production`);
    const row = page.getByRole('row', { name: /Old banner/ });
    const badge = row.getByText('Stale · unused');
    await badge.waitFor();
    expect(await badge.getAttribute('title')).toBe(
      'Not evaluated anywhere for 2 seconds: probably unused. Consider removing it from code.',
    );
    // Permanent and young flags are never badged.
    await page.getByRole('row', { name: /Ops kill switch/ }).waitFor();
    expect(
      await page
        .getByRole('row', { name: /Ops kill switch/ })
        .getByText(/Stale/)
        .count(),
    ).toBe(0);
    expect(
      await page
        .getByRole('row', { name: /New search/ })
        .getByText(/Stale/)
        .count(),
    ).toBe(0);

    await page.getByLabel('Stale only').check();
    await page.waitForURL(/stale=1/);
    await page.getByRole('row', { name: /Ops kill switch/ }).waitFor({ state: 'detached' });
    expect(await page.getByRole('row', { name: /New search/ }).count()).toBe(0);
    expect(await page.getByRole('row', { name: /Old banner/ }).count()).toBe(1);
    await page.screenshot({ path: artifact('stale-flags-list.png'), fullPage: true });

    await page.getByLabel('Stale only').uncheck();
    await page.getByRole('row', { name: /New search/ }).waitFor();
  });

  it('badges the flag page', async () => {
    await page.goto(`${server.url}/flags/old-banner?env=production`);
    await page.getByRole('heading', { name: 'Old banner' }).waitFor();
    await page.getByText('Stale · unused').waitFor();
    expect(await page.getByLabel('Usage').textContent()).toBe('Never evaluated by an SDK');
    await page.screenshot({ path: artifact('stale-flag-page.png') });
    await page.goto(`${server.url}/flags/ops-kill?env=production`);
    await page.getByRole('heading', { name: 'Ops kill switch' }).waitFor();
    expect(await page.getByText(/Stale ·/).count()).toBe(0);
    expect(await page.getByLabel('Usage').textContent()).toBe('Never evaluated by an SDK');
  });
});
