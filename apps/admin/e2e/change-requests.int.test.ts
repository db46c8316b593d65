/**
 * Change requests in real Chromium against the real server: production requires one approval;
 * turning a flag on there (as one admin key) is held as a change request, the flag page lists
 * it; a second admin key approves it on the review page (the author can't) and applies it.
 * axe-core finds nothing on the new pages; screenshots go to test-artifacts/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, axeViolations, launchBrowser, signIn, startSuite, type Server } from './harness';

let server: Server;
let api: Awaited<ReturnType<typeof startSuite>>['api'];
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let reviewerKey: string;
const consoleErrors: string[] = [];

async function shot(p: Page, name: string) {
  await p.waitForTimeout(150);
  await p.screenshot({ path: artifact(name), fullPage: true });
}

beforeAll(async () => {
  ({ server, api, browser, page } = await startSuite());
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  expect((await api.post('/api/admin/flags', { key: 'new-checkout', name: 'New checkout', type: 'boolean' })).status).toBe(201);
  const key = await api.post<{ key: string }>('/api/admin/api-keys', { kind: 'admin', name: 'reviewer' });
  reviewerKey = key.body.key;
  await signIn(page, server.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('change requests', () => {
  it('sets production to need one approval on the Environments page', async () => {
    await page.goto(`${server.url}/environments`);
    await page.getByRole('button', { name: 'Review settings of production' }).click();
    const dialog = page.getByRole('dialog', { name: 'Review settings of Production' });
    await dialog.getByLabel('Required approvals').fill('1');
    await shot(page, '49-environment-review-settings.png');
    expect(await axeViolations(page), 'review settings dialog').toEqual([]);
    await dialog.getByRole('button', { name: 'Save production' }).click();
    await page.getByText('1 approval', { exact: true }).waitFor();
    const production = (await api.get<{ requiredApprovals: number; requireReason: boolean }>('/api/admin/environments/production')).body;
    expect(production).toMatchObject({ requiredApprovals: 1, requireReason: false });
    // Staging is not protected: approvals can't be set there.
    await page.getByRole('button', { name: 'Review settings of staging' }).click();
    expect(await page.getByRole('dialog').getByLabel('Required approvals').isDisabled()).toBe(true);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('holds a change in production, shows it on the flag page, and is approved and applied by a second admin', async () => {
    await page.goto(`${server.url}/flags/new-checkout?env=production`);
    await page.getByLabel('Reason (optional)').fill('Launch day: checkout v2');
    await page.getByRole('switch', { name: 'Turn on in Production' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn on in Production' }).click();
    await page
      .getByText(/Change request #\d+ created — needs 1 approval\./)
      .first()
      .waitFor();
    const pending = page.getByRole('region', { name: 'Pending change requests' });
    await pending.waitFor();
    const link = pending.getByRole('link', { name: /^#\d+$/ });
    const id = Number((await link.textContent())!.slice(1));
    expect((await api.get<{ enabled: boolean }>('/api/admin/flags/new-checkout/environments/production')).body.enabled).toBe(false);
    expect(await page.getByRole('switch', { name: 'Turn on in Production' }).getAttribute('aria-checked')).toBe('false');
    await shot(page, '50-flag-page-pending-request.png');
    expect(await axeViolations(page), 'flag page with a pending request').toEqual([]);

    // The author's own review page: approving is refused by the server, and says so.
    await link.click();
    await page.getByRole('heading', { name: `Change request #${id}` }).waitFor();
    expect(await page.title()).toBe(`Change request #${id} · Switchboard`);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/someone else has to approve it/).waitFor();
    expect(await page.getByRole('button', { name: 'Apply to production' }).isDisabled()).toBe(true);

    // A second admin, in a browser of their own.
    const second = await launchBrowser();
    try {
      const p2 = second.page;
      p2.setDefaultTimeout(15_000);
      p2.on('pageerror', (e) => consoleErrors.push(e.message));
      await p2.goto(server.url);
      await p2.getByLabel('Admin key').fill(reviewerKey);
      await p2.getByRole('button', { name: 'Sign in' }).click();
      await p2.getByRole('link', { name: 'Change requests' }).click();
      await p2.getByRole('heading', { name: 'Change requests' }).waitFor();
      await p2.getByRole('link', { name: `#${id}` }).waitFor();
      await shot(p2, '51-change-requests-list.png');
      expect(await axeViolations(p2), 'change requests list').toEqual([]);

      await p2.getByRole('link', { name: `#${id}` }).click();
      await p2.getByRole('heading', { name: `Change request #${id}` }).waitFor();
      await p2.getByText('Launch day: checkout v2').waitFor();
      // The diff: enabled off → on.
      const diff = p2.getByRole('table', { name: `What change request #${id} changes` });
      await expect(diff.getByRole('row', { name: /enabled/ }).textContent()).resolves.toMatch(/false.*true/);
      await shot(p2, '52-change-request-review.png');
      expect(await axeViolations(p2), 'review page').toEqual([]);

      await p2.getByRole('button', { name: 'Approve' }).click();
      await p2.getByText(`Approved change request #${id}.`).first().waitFor();
      await p2.getByText('1 of 1 approval: reviewer').waitFor();
      await p2.getByRole('button', { name: 'Apply to production' }).click();
      await p2.getByRole('dialog').getByRole('button', { name: 'Apply to production' }).click();
      await p2
        .getByText(new RegExp(`Applied change request #${id}: new-checkout in production is now version 2`))
        .first()
        .waitFor();
      await p2.getByText('applied', { exact: true }).first().waitFor();
      await shot(p2, '53-change-request-applied.png');
      expect(await axeViolations(p2), 'applied request').toEqual([]);
    } finally {
      await second.close();
    }

    const config = (await api.get<{ enabled: boolean; version: number }>('/api/admin/flags/new-checkout/environments/production')).body;
    expect(config).toMatchObject({ enabled: true, version: 2 });
    const audit = (
      await api.get<{ events: { action: string; after: { approvers?: string[]; author?: string } }[] }>(
        '/api/admin/audit?flag=new-checkout&limit=10',
      )
    ).body.events;
    expect(audit.find((e) => e.action === 'change-request.apply')?.after).toMatchObject({ author: 'ADMIN_TOKEN', approvers: ['reviewer'] });
    // The first tab's flag page no longer lists it, and shows the flag on.
    await page.goto(`${server.url}/flags/new-checkout?env=production`);
    await page.getByRole('switch', { name: 'Turn off in Production' }).waitFor();
    expect(await page.getByRole('region', { name: 'Pending change requests' }).count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
