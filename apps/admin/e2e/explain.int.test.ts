/**
 * "Try a user" in real Chromium against a real server: the flag page's card sends the
 * typed user to the explain route and shows the rule that matched and each condition.
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

describe('Try a user', () => {
  it('shows what a typed user gets on the flag page, with the rule that matched and each condition', async () => {
    expect((await api.post('/api/admin/flags', { key: 'explain-checkout', type: 'boolean' })).status).toBe(201);
    const rules = [
      { id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } },
      { id: 'eu', conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }], serve: { variant: 'on' } },
    ];
    const patched = await api.patch(
      '/api/admin/flags/explain-checkout/environments/production',
      { enabled: true, rules },
      { 'if-match': '"1"' },
    );
    expect(patched.status).toBe(200);

    await page.goto(`${server.url}/flags/explain-checkout?env=production`);
    const form = page.getByRole('form', { name: 'Try a user' });
    await form.getByLabel('User id').fill('u1');
    await form.getByLabel('Attribute 1', { exact: true }).fill('country');
    await form.getByLabel('Value 1', { exact: true }).fill('DE');
    await form.getByRole('button', { name: 'Evaluate in Production' }).click();

    const result = page.getByRole('region', { name: 'Explanation' });
    await result.getByText('explain-checkout: on true · TARGETING_MATCH · rule eu').waitFor();
    const text = await result.textContent();
    expect(text).toContain('Rule 1 (staff): not matched');
    expect(text).toContain('user: missing');
    expect(text).toContain('Rule 2 (eu): matched');
    expect(text).toContain('country in "DE", "FR" · user: "DE"');
  });
});
