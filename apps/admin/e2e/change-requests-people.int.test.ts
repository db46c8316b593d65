/**
 * Change requests between two people, in real Chromium against the real server. Ana and Ben
 * are invited as editors, each sets a password from their invitation link and signs in with it
 * (Ben in a browser context of his own). Ana's production change is held as a change request,
 * her own approval is refused, Ben approves and applies it, and the audit log names Ana as
 * author and Ben as approver. axe-core finds nothing on the review page; screenshots go to
 * test-artifacts/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, axeViolations, launchBrowser, startSuite, type Server } from './harness';

let server: Server;
let api: Awaited<ReturnType<typeof startSuite>>['api'];
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const pageErrors: string[] = [];

const ANA = { email: 'ana@example.com', name: 'Ana', password: 'ana correct horse battery' };
const BEN = { email: 'ben@example.com', name: 'Ben', password: 'ben correct horse battery' };

async function shot(p: Page, name: string) {
  await p.waitForTimeout(150);
  await p.screenshot({ path: artifact(name), fullPage: true });
}

/** Invitation link → set password → sign out → sign in again with email and password. */
async function becomePerson(p: Page, person: typeof ANA): Promise<void> {
  const invited = await api.post<{ invitationUrl: string }>('/api/admin/users', { email: person.email, role: 'editor' });
  expect(invited.status).toBe(201);
  const link = new URL(invited.body.invitationUrl);
  await p.goto(`${server.url}${link.pathname}${link.hash}`);
  await p.getByLabel('Your name').fill(person.name);
  await p.getByLabel('New password').fill(person.password);
  await p.getByLabel('Repeat the password').fill(person.password);
  await p.getByRole('button', { name: 'Set password and continue' }).click();
  await p.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.getByRole('heading', { name: 'Sign in to Switchboard' }).waitFor();
  await p.getByLabel('Email').fill(person.email);
  await p.getByLabel('Password', { exact: true }).fill(person.password);
  await p.getByRole('button', { name: 'Continue with password' }).click();
  await p.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
}

beforeAll(async () => {
  ({ server, api, browser, page } = await startSuite());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  expect((await api.post('/api/admin/flags', { key: 'gift-cards', name: 'Gift cards', type: 'boolean' })).status).toBe(201);
  expect((await api.patch('/api/admin/environments/production', { requiredApprovals: 1 })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('change requests between two people', () => {
  it('holds Ana’s production change, refuses her own approval, and Ben approves and applies it', async () => {
    await becomePerson(page, ANA);
    await page.goto(`${server.url}/flags/gift-cards?env=production`);
    await page.getByLabel('Reason (optional)').fill('Gift cards for the holiday sale');
    await page.getByRole('switch', { name: 'Turn on in Production' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn on in Production' }).click();
    await page
      .getByText(/Change request #\d+ created — needs 1 approval\./)
      .first()
      .waitFor();
    const link = page.getByRole('region', { name: 'Pending change requests' }).getByRole('link', { name: /^#\d+$/ });
    const id = Number((await link.textContent())!.slice(1));
    expect((await api.get<{ enabled: boolean }>('/api/admin/flags/gift-cards/environments/production')).body.enabled).toBe(false);

    // Ana's own approval is refused by the server, and the page says so.
    await link.click();
    await page.getByRole('heading', { name: `Change request #${id}` }).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/someone else has to approve it/).waitFor();
    expect(await page.getByRole('button', { name: 'Apply to production' }).isDisabled()).toBe(true);
    await shot(page, '54-people-author-cannot-approve.png');
    const held = await api.get<{ status: string; author: string; approvals: unknown[] }>(`/api/admin/change-requests/${id}`);
    expect(held.body).toMatchObject({ status: 'open', author: ANA.email, approvals: [] });

    // Ben, in a browser context of his own.
    const second = await launchBrowser();
    try {
      const ben = second.page;
      ben.setDefaultTimeout(15_000);
      ben.on('pageerror', (e) => pageErrors.push(e.message));
      await becomePerson(ben, BEN);
      await ben.getByRole('link', { name: 'Change requests' }).click();
      await ben.getByRole('link', { name: `#${id}` }).click();
      await ben.getByRole('heading', { name: `Change request #${id}` }).waitFor();
      await ben.getByText('Gift cards for the holiday sale').waitFor();
      const diff = ben.getByRole('table', { name: `What change request #${id} changes` });
      await expect(diff.getByRole('row', { name: /enabled/ }).textContent()).resolves.toMatch(/false.*true/);
      await shot(ben, '55-people-review-by-second-person.png');
      expect(await axeViolations(ben), 'review page, second person').toEqual([]);

      await ben.getByRole('button', { name: 'Approve' }).click();
      await ben.getByText(`Approved change request #${id}.`).first().waitFor();
      await ben.getByText(`1 of 1 approval: ${BEN.email}`).waitFor();
      await ben.getByRole('button', { name: 'Apply to production' }).click();
      await ben.getByRole('dialog').getByRole('button', { name: 'Apply to production' }).click();
      await ben
        .getByText(new RegExp(`Applied change request #${id}: gift-cards in production is now version 2`))
        .first()
        .waitFor();
      await shot(ben, '56-people-applied.png');
      expect(await axeViolations(ben), 'applied request, second person').toEqual([]);
    } finally {
      await second.close();
    }

    expect(
      (await api.get<{ enabled: boolean; version: number }>('/api/admin/flags/gift-cards/environments/production')).body,
    ).toMatchObject({
      enabled: true,
      version: 2,
    });
    const audit = (
      await api.get<{ events: { action: string; actor: string; reason: string | null; after: Record<string, unknown> }[] }>(
        '/api/admin/audit?flag=gift-cards&limit=20',
      )
    ).body.events;
    expect(audit.find((e) => e.action === 'change-request.create')).toMatchObject({ actor: ANA.email });
    expect(audit.find((e) => e.action === 'change-request.apply')?.after).toMatchObject({
      author: ANA.email,
      approvers: [BEN.email],
      appliedBy: BEN.email,
    });
    // The write is by whoever applied it (Ben), with the request's reason (Ana's).
    expect(audit.find((e) => e.action === 'config.enable')).toMatchObject({ actor: BEN.email, reason: 'Gift cards for the holiday sale' });

    // The audit log page: Ana opened the request, Ben approved and applied it (each row names its actor).
    await page.goto(`${server.url}/audit`);
    const events = page.getByRole('list', { name: 'Audit events' });
    const row = (action: string) => events.getByRole('listitem').filter({ has: page.getByText(action, { exact: true }) });
    await row('change-request.apply').waitFor();
    await shot(page, '57-people-audit-log.png');
    await expect(row('change-request.create').locator('strong').textContent()).resolves.toBe(ANA.email);
    await expect(row('change-request.approve').locator('strong').textContent()).resolves.toBe(BEN.email);
    await expect(row('change-request.apply').locator('strong').textContent()).resolves.toBe(BEN.email);
    expect(pageErrors).toEqual([]);
  });
});
