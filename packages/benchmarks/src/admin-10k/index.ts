/// <reference lib="dom" />
// The functions passed to page.evaluate run in the browser.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type CDPSession, type Page } from 'playwright-core';
import { startPostgres } from '@switchboard/test-services';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { ChildGroup } from '../child-processes.js';
import { findRepoRoot } from '../docs-writer.js';
import { markdownTable, textTable } from '../format.js';
import { headerLines, integer, judge, machineAtStart, targetMarkdown, targetText, type Target } from '../report-lines.js';
import { ADMIN_TOKEN, ServerProcess } from '../server/server-process.js';

/**
 * The admin UI with 10,000 flags in real Chromium at a 4× CPU throttle (issue 16): the flags
 * list becoming interactive, a search keystroke until the list shows its answer, and a flag
 * page becoming interactive. Times are read in the page (`performance.now()`), medians of runs.
 */

const FLAG_COUNT = 10_000;
const TEAMS = 40;
const THROTTLE = 4;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const TARGETS = { list: 1_000, search: 100, flag: 500 } as const;

type MetricId = keyof typeof TARGETS;
const LABELS: Record<MetricId, string> = {
  list: 'flags list interactive (navigation → first rows drawn, main thread free)',
  search: 'search keystroke → updated list drawn',
  flag: 'flag page interactive (navigation → kill switch and targeting drawn, main thread free)',
};

interface Admin10kRun {
  samples: Record<MetricId, number[]>;
  api: Record<string, number[]>;
  bytes: { script: number; scriptRaw: number; firstPage: number; firstPageRaw: number };
  runs: number;
}

const key = (i: number) => `flag-${String(i).padStart(5, '0')}`;

/**
 * Rows as the admin API stores them (a flag and its config in every environment), written
 * in one statement: 20,000 API calls would take minutes and measure nothing asked here.
 */
function seed(url: string): void {
  const sql = `
    insert into flags (key, name, description, type, variants, tags)
    select 'flag-' || lpad(i::text, 5, '0'), 'Flag ' || i, 'Benchmark flag ' || i || ' owned by team-' || (i % ${TEAMS}),
           'boolean', '{"on": true, "off": false}'::jsonb, jsonb_build_array('team-' || (i % ${TEAMS}))
    from generate_series(1, ${FLAG_COUNT}) as i;
    insert into flag_configs (flag_id, environment_id, enabled, off_variant, fallthrough, rules, prerequisites, salt)
    select f.id, e.id, f.id % 3 <> 0, 'off',
           case when f.id % 5 = 0 then '{"rollout": [{"variant": "on", "weight": 25000}, {"variant": "off", "weight": 75000}]}'::jsonb
                else '{"variant": "on"}'::jsonb end,
           '[]'::jsonb, '[]'::jsonb, f.key
    from flags f cross join environments e where f.key like 'flag-%';
    analyze flags; analyze flag_configs;`;
  const res = spawnSync(PSQL, [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`seeding failed: ${res.stderr}`);
}

const API_CALLS = {
  'first page': `/api/admin/flags?environment=production&limit=100`,
  'search page': `/api/admin/flags?environment=production&limit=100&q=team-17`,
  'next page': `/api/admin/flags?environment=production&limit=100&cursor=${Buffer.from(JSON.stringify({ k: key(5000) })).toString('base64url')}`,
  flag: `/api/admin/flags/${key(5000)}`,
} as const;
type ApiCall = keyof typeof API_CALLS;

/** How long the answers the pages wait for take, measured from Node without throttling (the browser's share is the rest). */
async function apiTimes(base: string, runs: number): Promise<Record<ApiCall, number[]>> {
  const out = Object.fromEntries(Object.keys(API_CALLS).map((k) => [k, [] as number[]])) as Record<ApiCall, number[]>;
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, path] of Object.entries(API_CALLS) as [ApiCall, string][]) {
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'accept-encoding': 'br' } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      if (i > 0) out[name].push(performance.now() - started);
    }
  }
  return out;
}

/** A production build of the admin UI, as `pnpm --filter @switchboard/admin build` makes it (a test run's build isn't minified). */
function buildAdminUi(appDir: string): string {
  const vite = join(appDir, 'node_modules', 'vite', 'bin', 'vite.js');
  const res = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: appDir,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const dist = join(appDir, 'dist');
  if (res.status !== 0 || !existsSync(join(dist, 'index.html'))) throw new Error(`admin UI build failed: ${res.stderr}`);
  return dist;
}

/**
 * Installed in every document before its scripts run: once the page shows what it is for
 * (the list's first row, or a flag's kill switch and targeting form), the time after the next
 * frame and a task behind it lands in `window.sbReady`. Read in the page, so the benchmark
 * process's own delays never count.
 */
function watchReady(): void {
  const w = window as unknown as { sbReady?: number };
  const shown = () => {
    if (location.pathname === '/flags') {
      return document.querySelector('table.flags-table tbody tr[aria-rowindex="2"]')?.textContent?.includes('flag-00001') === true;
    }
    return document.querySelector('[role="switch"]') !== null && document.body.textContent?.includes('Editing version') === true;
  };
  const observer = new MutationObserver(() => {
    if (!shown()) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => (w.sbReady = performance.now()), 0));
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

/** Navigates and answers the page's own ready time (from navigation start). */
async function loadUntilReady(page: Page, url: string): Promise<number> {
  await page.goto(url);
  const handle = await page.waitForFunction(() => (window as unknown as { sbReady?: number }).sbReady);
  return (await handle.jsonValue()) as number;
}

/** Bytes on the wire of responses whose URL matches, from the DevTools protocol. */
function byteCounter(cdp: CDPSession) {
  const urls = new Map<string, string>();
  const seen: { url: string; encoded: number }[] = [];
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId);
    if (url) seen.push({ url, encoded: e.encodedDataLength });
  });
  return {
    reset: () => seen.splice(0),
    find: (pattern: RegExp) => seen.find((s) => pattern.test(s.url)),
  };
}

async function measure(context: BenchModuleContext): Promise<Admin10kRun> {
  const runs = context.options.quick ? 2 : 7;
  const log = (line: string) => console.log(`  ${line}`);
  const dist = buildAdminUi(join(findRepoRoot(fileURLToPath(import.meta.url)), 'apps', 'admin'));
  const group = new ChildGroup();
  const pg = await startPostgres({ fast: true });
  const userDataDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-chromium-'));
  try {
    const server = await ServerProcess.start(group, { name: 'server', database: { url: pg.url }, env: { ADMIN_UI_DIR: dist } });
    seed(pg.url);
    const listed = await fetch(`${server.url}/api/admin/flags?limit=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const total = ((await listed.json()) as { total: number }).total;
    if (total !== FLAG_COUNT) throw new Error(`the server lists ${total} flags, expected ${FLAG_COUNT}`);
    log(`server pid ${server.pid} on Postgres with ${integer(total)} flags; Chromium at ${THROTTLE}× CPU throttle`);
    const api = await apiTimes(server.url, runs);
    log(
      `API (from Node, no throttle): ${Object.entries(api)
        .map(([k, v]) => `${k} ${median(v).toFixed(1)} ms`)
        .join(', ')}`,
    );

    const browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
      viewport: { width: 1280, height: 800 },
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(30_000);
      const cdp = await browser.newCDPSession(page);
      await cdp.send('Network.enable');
      const bytes = byteCounter(cdp);
      await page.goto(server.url);
      await page.getByLabel('Admin key').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
      await page.addInitScript(watchReady);

      const samples: Record<MetricId, number[]> = { list: [], search: [], flag: [] };
      const firstRow = page.locator('table.flags-table tbody tr[aria-rowindex="2"]');
      const search = page.getByLabel('Search flags');
      // One load to warm the HTTP cache (hashed assets are cached for a year), not counted.
      await page.goto(`${server.url}/flags?env=production`);
      await firstRow.waitFor();
      for (let i = 0; i < runs; i++) {
        bytes.reset();
        samples.list.push(await loadUntilReady(page, `${server.url}/flags?env=production`));

        // "team-1" matches teams 1 and 10-19; the keystroke "7" narrows it to team 17, whose first flag is flag-00017.
        await search.fill('team-1');
        await firstRow.filter({ hasText: key(1) }).waitFor();
        await page.waitForTimeout(500);
        await search.press('End');
        await page.evaluate((expected) => {
          const input = document.querySelector<HTMLInputElement>('input[type="search"]')!;
          (window as unknown as { searchDrawn: Promise<number> }).searchDrawn = new Promise<number>((resolve) => {
            let start = 0;
            input.addEventListener('keydown', (e) => {
              if (e.key === '7') start = e.timeStamp;
            });
            const observer = new MutationObserver(() => {
              const row = document.querySelector('table.flags-table tbody tr[aria-rowindex="2"]');
              if (start > 0 && row?.textContent?.includes(expected)) {
                observer.disconnect();
                requestAnimationFrame(() => resolve(performance.now() - start));
              }
            });
            observer.observe(document.body, { childList: true, subtree: true, characterData: true });
          });
        }, key(17));
        await search.press('7');
        const observed = page.evaluate(() => (window as unknown as { searchDrawn: Promise<number> }).searchDrawn);
        samples.search.push(await observed);

        samples.flag.push(await loadUntilReady(page, `${server.url}/flags/${key(5000)}?env=production`));
        log(
          `run ${i + 1}: list ${samples.list[i]!.toFixed(0)} ms, search ${samples.search[i]!.toFixed(0)} ms, flag page ${samples.flag[i]!.toFixed(0)} ms`,
        );
      }
      // Transfer sizes from one more list load, cache bypassed so the script is counted.
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      bytes.reset();
      await page.goto(`${server.url}/flags?env=production`);
      await firstRow.waitFor();
      await page.waitForTimeout(300);
      const script = bytes.find(/\/assets\/index-[^/]*\.js$/);
      const firstPage = bytes.find(/\/api\/admin\/flags\?/);
      // Decoded sizes from the source: the script's file, the page's JSON as the API sends it uncompressed.
      const scriptRaw = script ? statSync(join(dist, new URL(script.url).pathname)).size : 0;
      const plainPage = await fetch(`${server.url}${API_CALLS['first page']}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const firstPageRaw = (await plainPage.arrayBuffer()).byteLength;
      return {
        samples,
        api,
        runs,
        bytes: {
          script: script?.encoded ?? 0,
          scriptRaw,
          firstPage: firstPage?.encoded ?? 0,
          firstPageRaw,
        },
      };
    } finally {
      await browser.close();
    }
  } finally {
    await group.closeAll();
    await pg.stop();
    await rm(userDataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function render(run: Admin10kRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const ids: MetricId[] = ['list', 'search', 'flag'];
  const row = (id: MetricId) => [
    LABELS[id],
    median(run.samples[id]).toFixed(0),
    `${Math.min(...run.samples[id]).toFixed(0)}–${Math.max(...run.samples[id]).toFixed(0)}`,
    `< ${integer(TARGETS[id])}`,
  ];
  const header = ['measure', 'median (ms)', 'min–max (ms)', 'target (ms)'];
  const targets: Target[] = ids.map((id) => ({
    ...judge(median(run.samples[id]), TARGETS[id], true),
    text: `${LABELS[id]} < ${integer(TARGETS[id])} ms at ${THROTTLE}× throttle: ${median(run.samples[id]).toFixed(0)} ms`,
  }));
  const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
  const method =
    `\`node apps/server/dist/server.js\` on Postgres 15 (test-services, fsync off) serving the admin UI as \`vite build\` makes it (built by the benchmark, minified, pre-compressed); ${integer(FLAG_COUNT)} flags written straight into the database in one statement (rows as the admin API stores them, configs in every environment: two thirds on, a fifth of those a 25% rollout, ${TEAMS} teams in the descriptions and tags). ` +
    `Chromium (headless, 1280×800, playwright-core) signed in, then \`Emulation.setCPUThrottlingRate\` ${THROTTLE}×; one list load warms the HTTP cache, then ${run.runs} runs of: load \`/flags?env=production\` until the first row is drawn and a task after the next frame has run (\`performance.now()\` from navigation start); with "team-1" typed, the keystroke "7" until the list's first row is team 17's first flag and a frame is drawn (from the keydown's timestamp, so debounce, request, query and render are all inside); load \`/flags/flag-05000?env=production\` until its kill switch and targeting form are drawn and the main thread is free. Server and browser were not pinned.`;
  const bytesLine = `Transfer: the UI script ${kb(run.bytes.script)} on the wire (${kb(run.bytes.scriptRaw)} decoded; brotli, pre-compressed at build), the list's first page of 100 flags ${kb(run.bytes.firstPage)} (${kb(run.bytes.firstPageRaw)} of JSON).`;
  const apiLine = `The answers those pages wait for, timed from Node on the same machine (no throttle, median of ${run.runs}): ${Object.entries(
    run.api,
  )
    .map(([k, v]) => `${k} ${median(v).toFixed(1)} ms`)
    .join(', ')}.`;
  const markdown = [
    '## Admin UI at 10,000 flags (Chromium, 4× CPU throttle)',
    '',
    'The flags list pages, searches and filters on the server and draws only the rows near the viewport; the flag page loads only its flag (issue 16).',
    '',
    ...headerLines(context, machine, 'packages/benchmarks/src/admin-10k', method),
    '',
    '### Results',
    '',
    markdownTable(header, ids.map(row), ['l', 'r', 'r', 'r']),
    '',
    bytesLine,
    '',
    apiLine,
    '',
    '### Targets (issue 16)',
    '',
    ...targets.map(targetMarkdown),
  ].join('\n');
  const text = [textTable(header, ids.map(row)), '', bytesLine, apiLine, '', 'targets:', ...targets.map(targetText)].join('\n');
  return { markdown, text };
}

export const admin10kBenchmark: BenchModule = {
  id: 'admin-10k',
  title: 'Admin UI at 10,000 flags (Chromium, 4× CPU throttle)',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
