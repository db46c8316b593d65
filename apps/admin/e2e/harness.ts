/**
 * A real Switchboard server (embedded PGlite in a temp folder) serving the built UI,
 * and headless Chromium (Debian's, through playwright-core) to drive it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, defaultConfig, type Config } from '@switchboard/server';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
export const DIST = path.join(APP_DIR, 'dist');
export const ARTIFACTS = path.join(APP_DIR, 'test-artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds the UI when dist/ is missing (e.g. vitest run on its own). */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(path.join(DIST, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ root: APP_DIR, logLevel: 'warn' });
}

export interface Server {
  /** Where the UI and the API answer: the server serves both. */
  url: string;
  close(): Promise<void>;
}

/** `overrides`: server settings a suite needs (a short release check interval, private webhook targets). */
export async function startServer(overrides: Partial<Config> = {}): Promise<Server> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-admin-e2e-'));
  const config = defaultConfig({
    host: '127.0.0.1',
    port: 0,
    adminToken: ADMIN_TOKEN,
    dataDir,
    logLevel: 'silent',
    adminRateLimitPerMinute: 0,
    sdkEventsRateLimitPerMinute: 0,
    adminUiDir: DIST,
    ...overrides,
  });
  const app = await buildApp(config, { logger: false, onBootstrapAdminKey: () => {} });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    close: async () => {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-admin-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 800 },
    reducedMotion: 'reduce',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/** The admin API, as a second operator (or the test checking what happened). */
export function adminApi(baseUrl: string) {
  const call = async <T = unknown>(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${baseUrl}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    get: <T = unknown>(url: string) => call<T>('GET', url),
    post: <T = unknown>(url: string, body: unknown, headers?: Record<string, string>) => call<T>('POST', url, body, headers),
    put: <T = unknown>(url: string, body: unknown, headers?: Record<string, string>) => call<T>('PUT', url, body, headers),
    patch: <T = unknown>(url: string, body: unknown, headers?: Record<string, string>) => call<T>('PATCH', url, body, headers),
    delete: <T = unknown>(url: string) => call<T>('DELETE', url),
  };
}

/** What every e2e file starts with: the UI built, a server, the admin API and a browser page. */
export async function startSuite(overrides: Partial<Config> = {}): Promise<{
  server: Server;
  api: ReturnType<typeof adminApi>;
  browser: Awaited<ReturnType<typeof launchBrowser>>;
  page: Page;
}> {
  await ensureBuilt();
  const server = await startServer(overrides);
  const browser = await launchBrowser();
  browser.page.setDefaultTimeout(15_000);
  return { server, api: adminApi(server.url), browser, page: browser.page };
}

/** Opens the UI and signs in with the suite's admin token. */
export async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Admin key').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
}

/**
 * axe-core's violations on the page as it is now (open dialogs included), one line each:
 * `rule: selectors`. Evaluated through the DevTools protocol, so the UI's CSP stays on.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: AxeViolation[] }> } }).axe;
    const { violations } = await axe.run(document);
    return violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

interface AxeViolation {
  id: string;
  nodes: { target: string[] }[];
}

let axeScript: string | undefined;
function axeSource(): string {
  axeScript ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeScript;
}
