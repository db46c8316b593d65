/**
 * Release safety in the admin UI, in real Chromium against a real server that checks plans
 * every 200 ms: a plan started from the Release panel advances stage by stage (paused and
 * resumed on the way) to completion; a plan whose treatment errors five times as often as
 * control (SDK reports posted to the real ingest route) is rolled back by its guard; a
 * scheduled change is created (a DST gap refused beside the field first) and cancelled; a
 * webhook is created, its secret shown once, and its delivery log shows a real delivery.
 * Screenshots of the panel and the webhooks page go to test-artifacts/.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifact, signIn, startSuite, type adminApi, type launchBrowser, type Server } from './harness';

interface Plan {
  id: string;
  status: string;
  stage: number;
  configVersion: number | null;
  decisions: { action: string; reason: string; stats: unknown; configVersion: number | null }[];
}

let server: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let api: ReturnType<typeof adminApi>;
let receiver: HttpServer;
const received: { headers: Record<string, unknown>; body: string }[] = [];
const consoleErrors: string[] = [];

const planOf = async (flag: string) => (await api.get<Plan>(`/api/admin/flags/${flag}/environments/production/release-plan`)).body;

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The whole page, viewport stretched to its height (as the other e2e files do). */
async function shot(name: string) {
  await page.waitForTimeout(150);
  const viewport = page.viewportSize()!;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
  await page.screenshot({ path: artifact(name) });
  await page.setViewportSize(viewport);
}

/** A PATCH of the production config at the version it has now. */
async function patchProduction(key: string, body: object) {
  const url = `/api/admin/flags/${key}/environments/production`;
  const { version } = (await api.get<{ version: number }>(url)).body;
  return api.patch(url, body, { 'if-match': `"${version}"` });
}

async function enabledFlag(key: string, name: string) {
  expect((await api.post('/api/admin/flags', { key, name, type: 'boolean', tags: ['checkout'] })).status).toBe(201);
  expect((await patchProduction(key, { enabled: true })).status).toBe(200);
}

async function openFlag(key: string) {
  await page.goto(`${server.url}/flags/${key}?env=production`);
  await page.getByRole('heading', { name: 'Release in Production' }).waitFor();
}

const releasePanel = () => page.locator('section.release');

/** Production is protected on a fresh install: starting or scheduling a plan there asks first. */
async function confirmIn(verb: 'Start' | 'Schedule', key: string) {
  await page
    .getByRole('dialog', { name: `${verb} the release of ${key} in Production?` })
    .getByRole('button', { name: `${verb} in Production` })
    .click();
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  ({ server, api, browser, page } = await startSuite({
    releaseCheckIntervalMs: 200,
    webhookAllowPrivate: true,
    webhookPollIntervalMs: 200,
  }));
  page.on('console', (m) => {
    // The sign-in page asks whether a session cookie exists; 401 is its "no" (before the key is entered).
    if (m.type() === 'error' && !/\/api\/auth\/session$/.test(m.location().url)) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await signIn(page, server.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('release safety in the admin UI', () => {
  it('starts a plan from the Release panel, pauses and resumes it, and watches it advance to completion', async () => {
    await enabledFlag('checkout-v2', 'Checkout v2');
    await openFlag('checkout-v2');
    const panel = releasePanel();
    await panel.getByRole('button', { name: 'Plan a release' }).click();
    const form = panel.getByRole('form', { name: 'New release plan' });
    await form.getByLabel('Stages', { exact: true }).selectOption('quick');
    // 10 → 50 → 100 %, seconds each; no guard, so the stages move on the clock alone.
    // Stage 2 runs a minute: time to pause, resume and advance it by hand.
    for (const [i, sec] of [
      [1, '2'],
      [2, '60'],
    ] as const) {
      await form.getByLabel(`Stage ${i} runs at least`).fill(sec);
      await form.getByLabel(`Stage ${i} unit`).selectOption('s');
    }
    await form.getByRole('button', { name: 'Remove guard 1' }).click();
    await form.getByText('No guards: the plan only advances on time.').waitFor();
    // Validation beside the field first: a stage must grow.
    await form.getByLabel('Stage 2 percent').fill('5');
    await form.getByRole('button', { name: 'Start release plan' }).click();
    await form.getByText('More than the stage before (10 %)').waitFor();
    expect((await api.get(`/api/admin/flags/checkout-v2/environments/production/release-plan`)).status).toBe(404);
    await form.getByLabel('Stage 2 percent').fill('50');
    await form.getByRole('button', { name: 'Start release plan' }).click();
    await confirmIn('Start', 'checkout-v2');

    await panel.getByText('1 of 3: 10 % get on').waitFor();
    expect(await panel.locator('[data-status]').getAttribute('data-status')).toBe('running');
    let plan = await planOf('checkout-v2');
    expect(plan).toMatchObject({ status: 'running', stage: 0 });

    // The panel polls on its own: stage 2 shows up without a click.
    await until(
      'stage 2',
      () => planOf('checkout-v2'),
      (p) => p.stage >= 1 || p.status !== 'running',
    );
    await panel.getByText('2 of 3: 50 % get on').waitFor({ timeout: 10_000 });
    await shot('21-release-running.png');

    // Pause: it holds the stage; resume: it runs again; advance: on to the last stage now, which completes it.
    await panel.getByRole('button', { name: 'Pause' }).click();
    await panel.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await planOf('checkout-v2')).status).toBe('paused');
    await panel.getByText('paused by ADMIN_TOKEN').first().waitFor();
    await shot('20-release-paused.png');
    await panel.getByRole('button', { name: 'Resume' }).click();
    await panel.getByRole('button', { name: 'Pause' }).waitFor();
    expect((await planOf('checkout-v2')).status).toBe('running');
    await panel.getByRole('button', { name: 'Advance to the next stage' }).click();
    await panel.getByText('3 of 3: 100 % get on').waitFor({ timeout: 10_000 });
    await panel.locator('[data-status="completed"]').waitFor({ timeout: 10_000 });
    plan = await planOf('checkout-v2');
    expect(plan.status).toBe('completed');
    expect(plan.decisions.map((d) => d.action)).toEqual(['start', 'advance', 'pause', 'resume', 'advance', 'complete']);
    const config = (await api.get<{ fallthrough: unknown }>('/api/admin/flags/checkout-v2/environments/production')).body;
    expect(config.fallthrough).toEqual({ variant: 'on' });
    const log = panel.getByRole('table', { name: 'Decision log' });
    for (const action of ['start', 'pause', 'resume', 'advance', 'complete'])
      await log.getByText(action, { exact: true }).first().waitFor();
    await shot('22-release-completed.png');
  });

  it('shows a guard rolling a plan back, with both arms and their confidence intervals', async () => {
    await enabledFlag('risky-checkout', 'Risky checkout');
    await openFlag('risky-checkout');
    const panel = releasePanel();
    await panel.getByRole('button', { name: 'Plan a release' }).click();
    const form = panel.getByRole('form', { name: 'New release plan' });
    await form.getByLabel('Stages', { exact: true }).selectOption('quick');
    await form.getByRole('button', { name: 'Remove stage 2' }).click();
    await form.getByLabel('Stage 1 runs at least').fill('10');
    await form.getByLabel('Stage 1 unit').selectOption('min');
    await form.getByLabel('Min users per arm').fill('300');
    await form.getByRole('button', { name: 'Start release plan' }).click();
    await confirmIn('Start', 'risky-checkout');
    await panel.getByText('1 of 2: 10 % get on').waitFor();
    const started = await planOf('risky-checkout');
    // Let a check round see the running stage before the data lands.
    await page.waitForTimeout(500);

    // An SDK's report through the real ingest route: 1,000 treatment units (10 % with $error), 9,000 control (2 %).
    const key = await api.post<{ key: string }>('/api/admin/api-keys', {
      kind: 'server',
      name: 'checkout-service',
      environment: 'production',
    });
    expect(key.status).toBe(201);
    const unit = (n: number) => n.toString(16).padStart(8, '0');
    const treatment = Array.from({ length: 1000 }, (_, i) => unit(i));
    const control = Array.from({ length: 9000 }, (_, i) => unit(100_000 + i));
    const now = Date.now();
    const error = (variant: string, u: string) => ({
      name: '$error',
      timestamp: now,
      variants: { 'risky-checkout': variant },
      units: { 'risky-checkout': u },
    });
    const res = await fetch(`${server.url}/api/sdk/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.body.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sdk: { name: 'e2e', version: '1.0.0' },
        evaluations: [],
        events: [...treatment.slice(0, 100).map((u) => error('on', u)), ...control.slice(0, 180).map((u) => error('off', u))],
        units: [
          { flag: 'risky-checkout', variant: 'on', units: treatment, windowStart: now - 100, windowEnd: now },
          { flag: 'risky-checkout', variant: 'off', units: control, windowStart: now - 100, windowEnd: now },
        ],
      }),
    });
    expect(res.status).toBeLessThan(300);

    await panel.locator('[data-status="rolled_back"]').waitFor({ timeout: 15_000 });
    const plan = await planOf('risky-checkout');
    expect(plan.status).toBe('rolled_back');
    const rollback = plan.decisions.find((d) => d.action === 'rollback')!;
    expect(rollback.reason).toMatch(/guard \$error/);
    expect(rollback.configVersion).toBe(started.configVersion! + 1);
    const config = (await api.get<{ fallthrough: unknown }>('/api/admin/flags/risky-checkout/environments/production')).body;
    expect(config.fallthrough).toEqual({ variant: 'off' });
    const log = panel.getByRole('table', { name: 'Decision log' });
    await log.getByText('rollback', { exact: true }).waitFor();
    await log.getByText(/guard \$error/).waitFor();
    // The statistics that decided stay on screen after the guards stop: treatment 10 %, control 2 %, with intervals.
    await panel.getByRole('heading', { name: 'What decided the rollback' }).waitFor();
    expect(await panel.getByRole('img', { name: /\$error rate per arm/ }).getAttribute('aria-label')).toMatch(
      /on 10 % \(.+ to .+\), 1,000 units; off 2 % \(.+ to .+\), 9,000 units/,
    );
    // Arms as counted for the stage (kept after the plan ended, when the server still reports them).
    await panel.getByRole('button', { name: 'New release plan' }).waitFor();
    await shot('23-release-rolled-back.png');
  });

  it('shows guard verdicts with an interval chart while a plan runs', async () => {
    await enabledFlag('search-v3', 'Search v3');
    await openFlag('search-v3');
    const panel = releasePanel();
    await panel.getByRole('button', { name: 'Plan a release' }).click();
    const form = panel.getByRole('form', { name: 'New release plan' });
    await form.getByLabel('Stage 1 percent').fill('50');
    await form.getByLabel('Stage 1 runs at least').fill('1');
    await form.getByLabel('Stage 1 unit').selectOption('s');
    await form.getByLabel('Stage 2 percent').fill('60');
    await form.getByLabel('Stage 3 percent').fill('70');
    await form.getByLabel('Stage 4 percent').fill('80');
    await form.getByLabel('Min users per arm').fill('5000');
    await form.getByRole('button', { name: 'Start release plan' }).click();
    await confirmIn('Start', 'search-v3');
    await panel.getByText('1 of 5: 50 % get on').waitFor();
    await page.waitForTimeout(500);
    const key = await api.post<{ key: string }>('/api/admin/api-keys', {
      kind: 'server',
      name: 'search-service',
      environment: 'production',
    });
    const unit = (n: number) => n.toString(16).padStart(8, '0');
    const now = Date.now();
    const arm = (from: number) => Array.from({ length: 2000 }, (_, i) => unit(from + i));
    const [on, off] = [arm(0), arm(500_000)];
    const error = (variant: string, u: string) => ({
      name: '$error',
      timestamp: now,
      variants: { 'search-v3': variant },
      units: { 'search-v3': u },
    });
    await fetch(`${server.url}/api/sdk/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.body.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sdk: { name: 'e2e', version: '1.0.0' },
        evaluations: [],
        events: [...on.slice(0, 60).map((u) => error('on', u)), ...off.slice(0, 50).map((u) => error('off', u))],
        units: [
          { flag: 'search-v3', variant: 'on', units: on, windowStart: now - 100, windowEnd: now },
          { flag: 'search-v3', variant: 'off', units: off, windowStart: now - 100, windowEnd: now },
        ],
      }),
    });
    const chart = panel.getByRole('img', { name: /\$error rate per arm with confidence intervals/ });
    await chart.waitFor({ timeout: 10_000 });
    expect(await chart.getAttribute('aria-label')).toMatch(/on 3 % \(.+ to .+\), 2,000 units; off 2.5 %/);
    // Past its second, the stage holds until each arm has the 5,000 users the guard needs.
    await panel.getByText(/^waiting for 5,000 users per arm \(now 2,000 and 2,000\)/).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1000);
    expect((await planOf('search-v3')).stage).toBe(0);
    await shot('24-release-guard-chart.png');
    await panel.getByRole('button', { name: 'Cancel plan' }).click();
    await page.getByRole('dialog', { name: 'Cancel this release plan?' }).getByRole('button', { name: 'Cancel plan' }).click();
    await panel.locator('[data-status="cancelled"]').waitFor();
    expect((await planOf('search-v3')).status).toBe('cancelled');
  });

  it("schedules a plan's start at a wall time in a chosen zone, and cancels it before it starts", async () => {
    await enabledFlag('later-v2', 'Later v2');
    await openFlag('later-v2');
    const panel = releasePanel();
    await panel.getByRole('button', { name: 'Plan a release' }).click();
    const form = panel.getByRole('form', { name: 'New release plan' });
    await form.getByLabel('Start later').check();
    await form.getByLabel('Time zone').selectOption('Europe/Berlin');
    await form.getByLabel('Start at').fill('2030-01-15T09:00');
    await form.getByText('Wall time in Europe/Berlin (UTC+01:00)').waitFor();
    await form.getByRole('button', { name: 'Schedule release plan' }).click();
    await confirmIn('Schedule', 'later-v2');
    await panel.locator('[data-status="scheduled"]').waitFor();
    await panel.getByText('Starts in').waitFor();
    const plan = (await api.get<Plan & { startAt: string }>('/api/admin/flags/later-v2/environments/production/release-plan')).body;
    expect(plan).toMatchObject({ status: 'scheduled', stage: -1, startAt: '2030-01-15T08:00:00.000Z' });
    await panel.getByRole('button', { name: 'Cancel plan' }).click();
    await page.getByRole('dialog', { name: 'Cancel this release plan?' }).getByRole('button', { name: 'Cancel plan' }).click();
    await panel.locator('[data-status="cancelled"]').waitFor();
    expect((await planOf('later-v2')).status).toBe('cancelled');
  });

  it('creates a scheduled change at a wall time in a chosen zone, refuses a DST gap beside the field, and cancels it', async () => {
    await openFlag('checkout-v2');
    const card = page.locator('section', { has: page.getByRole('heading', { name: 'Scheduled changes' }) });
    const form = card.getByRole('form', { name: 'Schedule a change' });
    await form.getByLabel('Change').selectOption('rollout');
    await form.getByLabel('Percentage').fill('25');
    await form.getByLabel('Time zone').selectOption('Europe/Berlin');
    // 02:30 on the last Sunday of March 2027 does not exist in Berlin.
    await form.getByLabel('At', { exact: true }).fill('2027-03-28T02:30');
    await form.getByRole('button', { name: 'Schedule change' }).click();
    await form.getByRole('alert').getByText('2027-03-28T02:30 does not exist in Europe/Berlin (the clocks skip it)').waitFor();
    expect(await form.getByLabel('At', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('At', { exact: true }).fill('2027-06-01T03:00');
    await form.getByLabel('Comment').fill('quiet hour');
    await form.getByRole('button', { name: 'Schedule change' }).click();
    const list = card.getByRole('list', { name: 'Scheduled changes' });
    await list.getByText('roll on out to 25 %').waitFor();
    await list.getByText(/typed as 2027-06-01 03:00 Europe\/Berlin/).waitFor();
    const pending = (
      await api.get<{ scheduledChanges: { id: string; status: string; runAt: string }[] }>(
        '/api/admin/flags/checkout-v2/environments/production/scheduled-changes',
      )
    ).body.scheduledChanges;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ status: 'pending', runAt: '2027-06-01T01:00:00.000Z' });
    await shot('25-scheduled-changes.png');

    await list.getByRole('button', { name: 'Cancel scheduled change' }).click();
    await page.getByRole('dialog', { name: 'Cancel this scheduled change?' }).getByRole('button', { name: 'Cancel change' }).click();
    await list.getByText('cancelled', { exact: true }).waitFor();
    const after = (await api.get<{ scheduledChanges: { status: string }[] }>('/api/admin/scheduled-changes?flag=checkout-v2')).body;
    expect(after.scheduledChanges.map((c) => c.status)).toEqual(['cancelled']);
  });

  it('creates a webhook (secret shown once) and shows its delivery log with the attempt', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await page.getByLabel('URL', { exact: true }).fill(target);
    await page.getByLabel('Description').fill('Post flag changes to #releases');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = page.getByRole('textbox', { name: 'Signing secret' });
    await secret.waitFor();
    expect(await secret.inputValue()).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy secret' }).waitFor();
    const hooks = (await api.get<{ webhooks: { id: string; url: string }[] }>('/api/admin/webhooks')).body.webhooks;
    expect(hooks.map((h) => h.url)).toEqual([target]);

    // A flag change: the webhook gets flag.changed, and the log shows the delivery and its attempt.
    expect((await patchProduction('checkout-v2', { enabled: false })).status).toBe(200);
    await until(
      'a delivery',
      async () => received.length,
      (n) => n > 0,
    );
    expect(received[0]!.headers['webhook-signature']).toMatch(/^v1,/);
    const deliveries = page.getByRole('table', { name: 'Delivery log' });
    await until(
      'the delivery to succeed',
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return deliveries.getByText('succeeded').count();
      },
      (n) => n > 0,
    );
    await deliveries.getByRole('button', { name: 'Attempts' }).first().click();
    await page
      .getByRole('table', { name: /^Attempts of msg_/ })
      .getByText('204')
      .waitFor();
    await shot('26-webhooks.png');

    // Redeliver (the newest row) sends it again with the same webhook-id.
    const log = await api.get<{ deliveries: { id: string }[] }>(`/api/admin/webhooks/${hooks[0]!.id}/deliveries`);
    const newest = log.body.deliveries[0]!.id;
    const sent = () => received.filter((r) => r.headers['webhook-id'] === newest).length;
    const before = sent();
    expect(before).toBeGreaterThan(0);
    await deliveries.getByRole('button', { name: 'Redeliver' }).first().click();
    await until(
      'the redelivery',
      async () => sent(),
      (n) => n > before,
    );

    // Rotate, then delete, each through its confirmation.
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page
      .getByRole('dialog', { name: /^Rotate the secret/ })
      .getByRole('button', { name: 'Rotate secret' })
      .click();
    await page.getByRole('heading', { name: /^New signing secret/ }).waitFor();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page
      .getByRole('dialog', { name: /^Delete the webhook/ })
      .getByRole('button', { name: 'Delete webhook' })
      .click();
    await page.getByText('No webhooks yet.').waitFor();
    expect((await api.get<{ webhooks: unknown[] }>('/api/admin/webhooks')).body.webhooks).toEqual([]);
  });

  it('logged no errors in the browser console', () => {
    expect(consoleErrors.filter((e) => !/status of 404|409|400/.test(e))).toEqual([]);
  });
});
