/// <reference types="node" />
/**
 * The browser SDK in real Chromium (playwright-core driving Debian's /usr/bin/chromium)
 * against the real server (`buildApp` on embedded PGlite), from a page served by a
 * local static server with an esbuild bundle of the SDK. Every `fetch` the page makes
 * is teed by an init script, so the test reads the bytes the browser received.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page, type Response } from 'playwright-core';
import { evaluate, type EvaluationContext, type Snapshot } from '@switchboard/core';
import type { ClientSnapshot, createClient, SwitchboardClient } from './index.js';
import { startPageServer, type PageServer } from './test-support/page-server.js';
import { startRealServer, type RealServer } from './test-support/real-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// Tees every response body the page's fetch reads into window.__captured.
const CAPTURE = `
window.__captured = [];
const original = window.fetch;
window.fetch = async (input, init) => {
  const res = await original(input, init);
  if (!res.body) return res;
  const [mine, theirs] = res.body.tee();
  const entry = { url: String(input), text: '', aborted: false };
  init?.signal?.addEventListener('abort', () => (entry.aborted = true));
  window.__captured.push(entry);
  (async () => {
    const reader = theirs.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        entry.text += decoder.decode(value, { stream: true });
      }
    } catch {}
  })();
  return new Response(mine, { status: res.status, statusText: res.statusText, headers: res.headers });
};`;

let page: PageServer;
let server: RealServer;
let clientKey: string;
let context: BrowserContext;
let tab: Page;
let userDataDir: string;

/** What the test page's window holds (page-entry.ts, the capture script, the tests). */
interface PageGlobals {
  Switchboard: { createClient: typeof createClient };
  client: SwitchboardClient;
  flippedAt: number;
  __captured: { url: string; text: string; aborted: boolean }[];
}

const CLIENT_FLAGS = ['new-checkout', 'theme', 'max-items', 'banner', 'pattern', 'beta', 'child'];

async function setUpFlags(): Promise<void> {
  const admin = server.admin;
  await admin.ok('POST', '/api/admin/segments', {
    key: 'beta-testers',
    included: ['user-7'],
    conditions: [{ attribute: 'country', operator: 'in', values: ['NL'] }],
  });
  await admin.createFlag('new-checkout', { clientSide: true });
  await admin.patchConfig('new-checkout', {
    enabled: true,
    rules: [{ id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } }],
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 30_000 },
        { variant: 'off', weight: 70_000 },
      ],
    },
  });
  await admin.createFlag('theme', { type: 'string', variants: { light: 'light', dark: 'dark', blue: 'blue' }, clientSide: true });
  await admin.patchConfig('theme', {
    enabled: true,
    offVariant: 'light',
    rules: [
      {
        id: 'eu',
        conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }],
        serve: {
          rollout: [
            { variant: 'dark', weight: 50_000 },
            { variant: 'blue', weight: 50_000 },
          ],
          bucketBy: 'orgId',
        },
      },
    ],
    fallthrough: { variant: 'light' },
  });
  await admin.createFlag('max-items', { type: 'number', variants: { low: 5, high: 50 }, clientSide: true });
  await admin.patchConfig('max-items', {
    enabled: true,
    offVariant: 'low',
    rules: [
      {
        id: 'pro',
        conditions: [
          { attribute: 'plan', operator: 'eq', values: ['pro'] },
          { attribute: 'age', operator: 'gte', values: [18] },
        ],
        serve: { variant: 'high' },
      },
    ],
    fallthrough: { variant: 'low' },
  });
  await admin.createFlag('banner', {
    type: 'json',
    variants: { old: { text: 'hello' }, fresh: { text: 'hi', color: 'green' } },
    clientSide: true,
  });
  await admin.patchConfig('banner', {
    enabled: true,
    offVariant: 'old',
    rules: [{ id: 'v2', conditions: [{ attribute: 'appVersion', operator: 'semverGt', values: ['2.0.0'] }], serve: { variant: 'fresh' } }],
    fallthrough: { variant: 'old' },
  });
  await admin.createFlag('pattern', { clientSide: true });
  await admin.patchConfig('pattern', {
    enabled: true,
    rules: [
      {
        id: 'dotted',
        conditions: [{ attribute: 'email', operator: 'matches', values: ['^[a-z]+\\.[a-z]+@'], caseInsensitive: true }],
        serve: { variant: 'on' },
      },
    ],
    fallthrough: { variant: 'off' },
  });
  await admin.createFlag('beta', { clientSide: true });
  await admin.patchConfig('beta', {
    enabled: true,
    rules: [
      { id: 'seg', conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['beta-testers'] }], serve: { variant: 'on' } },
    ],
    fallthrough: { variant: 'off' },
  });
  await admin.createFlag('child', { clientSide: true });
  await admin.patchConfig('child', {
    enabled: true,
    prerequisites: [{ flag: 'new-checkout', variant: 'on' }],
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
    },
  });
  await admin.createFlag('server-only-secret', { clientSide: false });
  await admin.patchConfig('server-only-secret', {
    enabled: true,
    rules: [
      { id: 'vip', conditions: [{ attribute: 'email', operator: 'in', values: ['ceo-private@acme.com'] }], serve: { variant: 'on' } },
    ],
    fallthrough: { variant: 'off' },
  });
}

function contexts(n: number): EvaluationContext[] {
  const countries = ['DE', 'FR', 'NL', 'US', 'JP'];
  const out: EvaluationContext[] = [];
  for (let i = 0; i < n; i++) {
    const ctx: EvaluationContext = { userId: `user-${i}`, country: countries[i % 5], orgId: `org-${i % 37}`, age: 10 + (i % 30) };
    if (i % 3 === 0) ctx.email = i % 6 === 0 ? `Ann.Lee@acme.com` : i % 9 === 0 ? `ann.lee@other.org` : `bob${i}@other.org`;
    if (i % 4 === 0) ctx.plan = 'pro';
    if (i % 5 !== 4) ctx.appVersion = `${i % 4}.${i % 3}.0${i % 7 === 0 ? '-beta.1' : ''}`;
    if (i === 999) ctx.userId = 'Jürgen-😀';
    out.push(ctx);
  }
  return out;
}

async function openPage(): Promise<void> {
  tab = context.pages()[0] ?? (await context.newPage());
  await tab.goto(page.origin + '/');
  await tab.waitForFunction(() => 'Switchboard' in globalThis);
}

beforeAll(async () => {
  page = await startPageServer();
  server = await startRealServer(page.origin);
  clientKey = await server.admin.key('client');
  await setUpFlags();
  userDataDir = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: false, args: ARGS });
  await context.addInitScript(CAPTURE);
  await openPage();
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  await page?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('browser SDK in Chromium against the real server', () => {
  it('becomes ready over the stream and evaluates 1,000 contexts exactly as core does on the same projection', async () => {
    const list = contexts(1_000);
    const fromPage = await tab.evaluate(
      async ({ url, key, flags, list }) => {
        const page = globalThis as unknown as PageGlobals;
        const client = page.Switchboard.createClient({ url, key, context: list[0], events: false });
        page.client = client;
        await client.ready(15_000);
        const results = list.map((ctx) => flags.map((f) => client.variant(f, ctx)));
        return { status: client.status, source: client.source, revision: client.revision, results };
      },
      { url: server.url, key: clientKey, flags: CLIENT_FLAGS, list },
    );
    expect([fromPage.status, fromPage.source]).toEqual(['ready', 'server']);

    // The same projection, fetched in Node with the same client key, evaluated by core.
    const res = await fetch(server.url + '/api/sdk/flags', { headers: { authorization: `Bearer ${clientKey}` } });
    const projection = (await res.json()) as Snapshot;
    expect(projection.revision).toBe(fromPage.revision);
    expect(Object.keys(projection.flags).sort()).toEqual([...CLIENT_FLAGS].sort());
    const expected = list.map((ctx) =>
      CLIENT_FLAGS.map((f) => {
        const r = evaluate<unknown>(projection, f, ctx, { boolean: false, string: '', number: 0, json: null }[projection.flags[f]!.type]);
        return r.reason === 'ERROR' ? { ...r, value: undefined } : r;
      }),
    );
    expect(fromPage.results).toEqual(JSON.parse(JSON.stringify(expected)));
    // The flags really vary across users: every flag serves at least two variants.
    for (let j = 0; j < CLIENT_FLAGS.length; j++) {
      expect([CLIENT_FLAGS[j], new Set(fromPage.results.map((row) => row[j]!.variant)).size > 1]).toEqual([CLIENT_FLAGS[j], true]);
    }
  });

  it('never receives a server-only flag: not in the stream, not in a poll, not in localStorage', async () => {
    const seen = await tab.evaluate(
      async ({ url, key }) => {
        const { createClient } = (globalThis as unknown as PageGlobals).Switchboard;
        const poller = createClient({ url, key, stream: false, events: false, storage: false });
        await poller.ready(15_000);
        await poller.close();
        await new Promise((r) => setTimeout(r, 50));
        return {
          captured: (globalThis as unknown as PageGlobals).__captured.map((e: { url: string; text: string }) => ({
            url: e.url,
            text: e.text,
          })),
          storage: Object.keys(localStorage).map((k) => localStorage.getItem(k)),
        };
      },
      { url: server.url, key: clientKey },
    );
    const stream = seen.captured.filter((c: { url: string }) => c.url.endsWith('/api/sdk/stream'));
    const polls = seen.captured.filter((c: { url: string }) => c.url.endsWith('/api/sdk/flags'));
    expect(stream.length).toBeGreaterThan(0);
    expect(polls.length).toBeGreaterThan(0);
    for (const c of [...stream, ...polls]) {
      expect(c.text).toContain('new-checkout');
      expect(c.text).not.toContain('server-only-secret');
      expect(c.text).not.toContain('ceo-private');
    }
    expect(seen.storage.length).toBe(1);
    expect(seen.storage[0]).toContain('new-checkout');
    expect(seen.storage[0]).not.toContain('server-only-secret');
    // The key only ever travels in a header: no captured URL carries it.
    expect(seen.captured.every((c: { url: string }) => !c.url.includes(clientKey))).toBe(true);
  });

  it("asks for compression by itself and reads the compressed projection (the browser's fetch decodes it)", async () => {
    const answers: { asked: string | undefined; coding: string | undefined }[] = [];
    const onResponse = async (res: Response) => {
      if (!res.url().endsWith('/api/sdk/flags') || res.status() !== 200) return;
      answers.push({ asked: (await res.request().allHeaders())['accept-encoding'], coding: (await res.allHeaders())['content-encoding'] });
    };
    tab.on('response', onResponse);
    try {
      const texts = await tab.evaluate(
        async ({ url, key }) => {
          const globals = globalThis as unknown as PageGlobals;
          const before = globals.__captured.length;
          const poller = globals.Switchboard.createClient({ url, key, stream: false, events: false, storage: false });
          await poller.ready(15_000);
          await poller.close();
          return globals.__captured.slice(before).map((e: { url: string; text: string }) => e.text);
        },
        { url: server.url, key: clientKey },
      );
      await expect.poll(() => answers.length).toBeGreaterThan(0);
      expect(answers[0]!.asked).toMatch(/\bgzip\b/);
      expect(answers[0]!.coding).toMatch(/^(br|gzip)$/);
      expect(texts.some((t: string) => t.includes('"new-checkout"'))).toBe(true);
    } finally {
      tab.off('response', onResponse);
    }
  });

  it('sees a kill switch in under a second', async () => {
    await tab.evaluate(() => {
      const client = (globalThis as unknown as PageGlobals).client;
      (globalThis as unknown as PageGlobals).flippedAt = 0;
      client.on('change', () => {
        if (!client.isEnabled('new-checkout', { userId: 'x', email: 'a@acme.com' }) && !(globalThis as unknown as PageGlobals).flippedAt)
          (globalThis as unknown as PageGlobals).flippedAt = Date.now();
      });
    });
    expect(
      await tab.evaluate(() =>
        (globalThis as unknown as PageGlobals).client.isEnabled('new-checkout', { userId: 'x', email: 'a@acme.com' }),
      ),
    ).toBe(true);
    await server.admin.patchConfig('new-checkout', { enabled: false });
    const answeredAt = Date.now();
    await tab.waitForFunction(() => (globalThis as unknown as PageGlobals).flippedAt > 0, undefined, { timeout: 5_000 });
    const flippedAt = (await tab.evaluate(() => (globalThis as unknown as PageGlobals).flippedAt)) as number;
    expect(flippedAt - answeredAt).toBeLessThan(1_000);
    expect(await tab.evaluate(() => (globalThis as unknown as PageGlobals).client.variant('new-checkout'))).toEqual({
      value: false,
      variant: 'off',
      reason: 'DISABLED',
    });
  });

  it('counts a tracked event in the metrics of a rolling-out flag, under the variant its user gets', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const variant = await tab.evaluate(
      async ({ url, key }) => {
        const client = (globalThis as unknown as PageGlobals).Switchboard.createClient({
          url,
          key,
          storage: false,
          events: { flushInterval: 60_000 },
        });
        await client.ready(15_000);
        client.track('purchase', { userId: 'buyer-1' }, 42);
        const served = client.variant('child', { userId: 'buyer-1' }).variant;
        await client.close(); // sends the batch
        return served;
      },
      { url: server.url, key: clientKey },
    );
    const report = (await server.admin.ok(
      'GET',
      `/api/admin/flags/child/environments/production/events?from=${encodeURIComponent(since)}`,
    )) as {
      events: { name: string; variants: { variant: string; count: number; sum: number }[] }[];
    };
    expect(report.events.find((e) => e.name === 'purchase')?.variants).toEqual([expect.objectContaining({ variant, count: 1, sum: 42 })]);
  });

  it('closes the stream while the page is hidden and resyncs when it is visible again', async () => {
    const streams = (): Promise<{ aborted: boolean }[]> =>
      tab.evaluate(() =>
        (globalThis as unknown as PageGlobals).__captured
          .filter((c) => c.url.endsWith('/api/sdk/stream'))
          .map((c) => ({ aborted: c.aborted })),
      );
    await tab.evaluate(
      async ({ url, key }) => {
        const page = globalThis as unknown as PageGlobals;
        await page.client.close(); // the first test's client, stream and all
        page.client = page.Switchboard.createClient({
          url,
          key,
          events: false,
          storage: false,
          pauseWhenHidden: 50,
          context: { userId: 'user-7' },
        });
        await page.client.ready(15_000);
      },
      { url: server.url, key: clientKey },
    );
    const before = await streams();
    expect(await tab.evaluate(() => (globalThis as unknown as PageGlobals).client.isEnabled('beta'))).toBe(true);
    const setVisibility = (state: string): Promise<void> =>
      tab.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    await tab.waitForFunction(
      () => (globalThis as unknown as PageGlobals).__captured.filter((c) => c.url.endsWith('/api/sdk/stream')).every((c) => c.aborted),
      undefined,
      { timeout: 5_000 },
    );
    // A change while hidden is not delivered...
    await server.admin.patchConfig('beta', { enabled: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(await tab.evaluate(() => (globalThis as unknown as PageGlobals).client.isEnabled('beta'))).toBe(true);
    expect((await streams()).length).toBe(before.length);
    // ...until the page is visible again: a new stream, whose put brings it.
    await setVisibility('visible');
    await tab.waitForFunction(() => !(globalThis as unknown as PageGlobals).client.isEnabled('beta'), undefined, { timeout: 5_000 });
    expect((await streams()).length).toBe(before.length + 1);
    await tab.evaluate(() => (globalThis as unknown as PageGlobals).client.close());
  });

  it('has the server evaluate flags that read a private attribute: only results reach the page, refreshed on change and setContext', async () => {
    const admin = server.admin;
    await admin.createFlag('vip-private', { clientSide: true, privateAttributes: ['workEmail'] });
    const vips = (domain: string) => ({
      enabled: true,
      rules: [{ id: 'vips', conditions: [{ attribute: 'workEmail', operator: 'endsWith', values: [domain] }], serve: { variant: 'on' } }],
      fallthrough: { variant: 'off' },
    });
    await admin.patchConfig('vip-private', vips('@vip.example'));
    // Reads the private flag through a prerequisite: evaluated on the server too.
    await admin.createFlag('vip-child', { clientSide: true });
    await admin.patchConfig('vip-child', {
      enabled: true,
      prerequisites: [{ flag: 'vip-private', variant: 'on' }],
      fallthrough: { variant: 'on' },
    });

    const text = await (await fetch(server.url + '/api/sdk/flags', { headers: { authorization: `Bearer ${clientKey}` } })).text();
    const projection = JSON.parse(text) as ClientSnapshot;
    expect(projection.flags['vip-private']).toEqual({ key: 'vip-private', version: expect.any(Number), type: 'boolean', remote: true });
    expect(projection.flags['vip-child']).toMatchObject({ key: 'vip-child', remote: true });
    expect(projection.flags['vip-child']).not.toHaveProperty('prerequisites');

    const seen = await tab.evaluate(
      async ({ url, key }) => {
        const page = globalThis as unknown as PageGlobals;
        const from = page.__captured.length;
        const { createClient } = page.Switchboard;
        const context = { userId: 'u1', workEmail: 'alice@vip.example' };
        const streamed = createClient({ url, key, events: false, context });
        const polled = createClient({ url, key, events: false, stream: false, storage: false, context });
        await Promise.all([streamed.ready(15_000), polled.ready(15_000)]);
        const both = (flag: string) => [streamed.isEnabled(flag), polled.isEnabled(flag)];
        const results = [[...both('vip-private'), ...both('vip-child')]];
        for (const workEmail of ['carol@other.example', 'bob@vip.example']) {
          await Promise.all([streamed.setContext({ userId: 'u1', workEmail }), polled.setContext({ userId: 'u1', workEmail })]);
          results.push([...both('vip-private'), ...both('vip-child')]);
        }
        await polled.close();
        page.client = streamed;
        return { results, revision: streamed.revision, from, variant: streamed.variant('vip-private') };
      },
      { url: server.url, key: clientKey },
    );
    expect(seen.results).toEqual([
      [true, true, true, true],
      [false, false, false, false],
      [true, true, true, true],
    ]);
    expect(seen.variant).toEqual({ value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'vips' });

    // A change while connected: the stream's patch brings a new stub and the page asks again.
    await admin.patchConfig('vip-private', vips('@other.example'));
    await tab.waitForFunction(() => !(globalThis as unknown as PageGlobals).client.isEnabled('vip-private'), undefined, { timeout: 5_000 });
    const after = await tab.evaluate(async (from) => {
      const page = globalThis as unknown as PageGlobals;
      const bob = page.client.variant('vip-private');
      await page.client.setContext({ userId: 'u1', workEmail: 'carol@other.example' });
      const carol = page.client.isEnabled('vip-private');
      await page.client.close();
      return {
        bob,
        carol,
        captured: page.__captured.slice(from).map((e) => ({ url: e.url, text: e.text })),
        storage: Object.keys(localStorage).map((k) => localStorage.getItem(k) ?? ''),
      };
    }, seen.from);
    expect(after.bob).toEqual({ value: false, variant: 'off', reason: 'DEFAULT' });
    expect(after.carol).toBe(true);

    // The server's own evaluation of the same contexts agrees.
    const serverKey = await admin.key('server');
    const full = (await (
      await fetch(server.url + '/api/sdk/flags', { headers: { authorization: `Bearer ${serverKey}` } })
    ).json()) as Snapshot;
    expect(evaluate(full, 'vip-private', { userId: 'u1', workEmail: 'bob@vip.example' }, false)).toEqual(after.bob);

    const evaluations = after.captured.filter((c) => c.url.endsWith('/api/sdk/evaluate'));
    expect(evaluations.length).toBeGreaterThanOrEqual(4);
    expect(after.storage.some((s) => s.includes('vip-private'))).toBe(true);
    // Nothing a client key received, nor what the page stored, says anything of the private values.
    for (const body of [text, ...after.captured.map((c) => c.text), ...after.storage]) {
      expect(body).not.toMatch(/vip\.example|other\.example|workEmail|server-only-secret|ceo-private/);
      expect(body).not.toMatch(/[0-9a-f]{64}/);
    }
  });

  it('after a reload with the server stopped, starts from localStorage', async () => {
    const before = await tab.evaluate(() =>
      (globalThis as unknown as PageGlobals).client.variant('theme', { userId: 'u1', country: 'DE', orgId: 'org-3' }),
    );
    await server.close();
    await openPage();
    const restarted = await tab.evaluate(
      async ({ url, key }) => {
        const { createClient } = (globalThis as unknown as PageGlobals).Switchboard;
        const client = createClient({ url, key, events: false, backoff: { initial: 50, max: 200 } });
        const stale: string[] = [];
        client.on('stale', (e: { code: string }) => stale.push(e.code));
        await client.ready(5_000);
        return {
          status: client.status,
          source: client.source,
          theme: client.variant('theme', { userId: 'u1', country: 'DE', orgId: 'org-3' }),
          killed: client.isEnabled('new-checkout', { userId: 'x', email: 'a@acme.com' }),
          // Evaluated by the server for the last context: its last value serves offline.
          vip: client.isEnabled('vip-private'),
          stale,
        };
      },
      { url: server.url, key: clientKey },
    );
    expect(restarted.status).toBe('stale');
    expect(restarted.source).toBe('persisted');
    expect(restarted.theme).toEqual(before);
    // The stored snapshot is the last one received: the kill switch included.
    expect(restarted.killed).toBe(false);
    expect(restarted.vip).toBe(true);
    expect(restarted.stale).toEqual(['NETWORK']);
  });
});
