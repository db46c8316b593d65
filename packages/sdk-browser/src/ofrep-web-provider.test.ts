/// <reference types="node" />
/**
 * OpenFeature's unmodified OFREP web provider (`@openfeature/ofrep-web-provider` with
 * `@openfeature/web-sdk`) in real Chromium against the real server's bulk endpoint, with a
 * client key sent as X-API-Key across origins (CORS). For every context the page sets, each
 * flag's value, variant, reason and rule id must equal core's `evaluate` on the environment's
 * snapshot with the OpenFeature context mapping, which is what `@switchboard/node` runs.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { evaluate, type Snapshot } from '@switchboard/core';
import { fromOpenFeatureContext } from '@switchboard/core/openfeature';
import { startRealServer, type RealServer } from './test-support/real-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const here = dirname(fileURLToPath(import.meta.url));

const FLAGS: Record<string, unknown> = { 'staff-only': false, theme: 'none', limit: -1, layout: {}, killed: true, half: false };
const CONTEXTS: Record<string, unknown>[] = [
  { targetingKey: 'user-1' },
  { targetingKey: 'user-2', email: 'ann@acme.com', country: 'NL' },
  { targetingKey: 'user-3', email: 'bob@example.com', country: 'DE' },
  ...Array.from({ length: 8 }, (_, i) => ({ targetingKey: `rollout-${i}` })),
];

let pageServer: Server;
let origin: string;
let server: RealServer;
let clientKey: string;
let serverKey: string;
let browser: BrowserContext;
let tab: Page;
let userDataDir: string;

async function startPage(): Promise<void> {
  const bundle = await build({
    entryPoints: [join(here, 'test-support/ofrep-web-entry.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0]!.text;
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/ofrep.js"></script></head><body></body></html>';
  pageServer = createServer((req, res) => {
    if (req.url === '/ofrep.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  await startPage();
  server = await startRealServer(origin);
  const { admin } = server;
  const rule = (id: string, attribute: string, values: unknown[], variant: string) => ({
    id,
    conditions: [{ attribute, operator: 'in', values }],
    serve: { variant },
  });
  await admin.createFlag('staff-only', { clientSide: true });
  await admin.patchConfig('staff-only', {
    enabled: true,
    rules: [{ id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } }],
    fallthrough: { variant: 'off' },
  });
  await admin.createFlag('theme', { type: 'string', variants: { light: 'light', dark: 'dark' }, clientSide: true });
  await admin.patchConfig('theme', {
    enabled: true,
    offVariant: 'light',
    rules: [rule('nl', 'country', ['NL'], 'dark')],
    fallthrough: { variant: 'light' },
  });
  await admin.createFlag('limit', { type: 'number', variants: { low: 10, high: 1000 }, clientSide: true });
  await admin.patchConfig('limit', { enabled: true, offVariant: 'low', fallthrough: { variant: 'high' } });
  await admin.createFlag('layout', { type: 'json', variants: { grid: { columns: 3 }, list: { columns: 1 } }, clientSide: true });
  await admin.patchConfig('layout', { enabled: true, offVariant: 'list', fallthrough: { variant: 'grid' } });
  await admin.createFlag('killed', { clientSide: true });
  await admin.createFlag('half', { clientSide: true });
  await admin.patchConfig('half', {
    enabled: true,
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
    },
  });
  await admin.createFlag('server-side', {});
  await admin.patchConfig('server-side', { enabled: true, fallthrough: { variant: 'on' } });
  clientKey = await admin.key('client');
  serverKey = await admin.key('server');

  userDataDir = mkdtempSync(join(tmpdir(), 'sb-ofrep-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS });
  tab = await browser.newPage();
  await tab.goto(origin + '/');
  await tab.waitForFunction(() => (globalThis as { OFREP?: unknown }).OFREP !== undefined);
});

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await server?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
});

interface Details {
  value: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
  flagMetadata: Record<string, unknown>;
}

/** Sets the page's context and reads every flag through the OpenFeature web client. */
function inPage(context: Record<string, unknown>): Promise<Record<string, Details>> {
  return tab.evaluate(
    async ({ context, flags, baseUrl, key }) => {
      type Client = Record<string, (key: string, fallback: unknown) => Details>;
      const g = globalThis as unknown as {
        OFREP: { OpenFeature: Record<string, (...a: unknown[]) => unknown>; OFREPWebProvider: new (o: unknown) => unknown };
        __provider?: boolean;
      };
      const { OpenFeature, OFREPWebProvider } = g.OFREP;
      if (!g.__provider) {
        g.__provider = true;
        await OpenFeature.setContext!(context);
        const provider = new OFREPWebProvider({ baseUrl, headers: [['X-API-Key', key]], changeDetection: 'none', cacheMode: 'disabled' });
        await OpenFeature.setProviderAndWait!(provider);
      } else {
        await OpenFeature.setContext!(context);
      }
      const client = OpenFeature.getClient!() as Client;
      const out: Record<string, Details> = {};
      for (const [flag, fallback] of Object.entries(flags)) {
        const method =
          typeof fallback === 'boolean'
            ? 'getBooleanDetails'
            : typeof fallback === 'string'
              ? 'getStringDetails'
              : typeof fallback === 'number'
                ? 'getNumberDetails'
                : 'getObjectDetails';
        const d = client[method]!(flag, fallback);
        out[flag] = { value: d.value, variant: d.variant, reason: d.reason, errorCode: d.errorCode, flagMetadata: d.flagMetadata };
      }
      return out;
    },
    { context, flags: { ...FLAGS, 'server-side': false }, baseUrl: server.url, key: clientKey },
  );
}

describe('@openfeature/ofrep-web-provider in Chromium against the real server', () => {
  it('serves what core evaluates on the snapshot for every context, and hides server-side flags', async () => {
    const res = await fetch(`${server.url}/api/sdk/flags`, { headers: { authorization: `Bearer ${serverKey}` } });
    const snapshot = (await res.json()) as Snapshot;
    const reasons = new Set<string>();
    for (const context of CONTEXTS) {
      const got = await inPage(context);
      for (const [flag, fallback] of Object.entries(FLAGS)) {
        const want = evaluate(snapshot, flag, fromOpenFeatureContext(context), fallback);
        const d = got[flag]!;
        const label = `${flag} ${JSON.stringify(context)}`;
        expect({ value: d.value, variant: d.variant, reason: d.reason, ruleId: d.flagMetadata.ruleId }, label).toEqual({
          value: want.value,
          variant: want.variant,
          reason: want.reason,
          ruleId: want.ruleId,
        });
        reasons.add(want.reason);
      }
      expect(got['server-side']).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    }
    expect([...reasons].sort()).toEqual(['DEFAULT', 'DISABLED', 'SPLIT', 'STATIC', 'TARGETING_MATCH']);
  });
});
