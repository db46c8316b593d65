/**
 * `pnpm --filter @switchboard/release-demo start`: the story against an embedded
 * Switchboard server (PGlite in a temporary directory), or against your own with
 * SWITCHBOARD_URL and SWITCHBOARD_TOKEN set. Takes about two minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, defaultConfig, type App } from '@switchboard/server';
import { runStory } from './story.js';

const STAGE_SEC = Number(process.env.STAGE_SEC ?? 15);

async function main(): Promise<void> {
  let app: App | undefined;
  let dataDir: string | undefined;
  let url = process.env.SWITCHBOARD_URL;
  let token = process.env.SWITCHBOARD_TOKEN;
  if (!url) {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-release-demo-'));
    token = 'release-demo-admin-token-0123456789';
    app = await buildApp(
      defaultConfig({ adminToken: token, dataDir, logLevel: 'warn', releaseCheckIntervalMs: 1000, adminUiDir: undefined }),
    );
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    console.log(`embedded Switchboard server at ${url} (admin token ${token})`);
  }
  if (!token) throw new Error('set SWITCHBOARD_TOKEN to an admin key for SWITCHBOARD_URL');
  try {
    const result = await runStory({
      url,
      adminToken: token,
      environment: 'production',
      stageSec: STAGE_SEC,
      users: 4000,
      minUnits: 150,
      // "03:00 tonight" compressed into the demo: half a minute from now.
      quietHour: () => new Date(Date.now() + 30_000).toISOString(),
      timeoutMs: 10 * 60_000,
      log: (line) => console.log(line),
    });
    console.log(`\ncheckout requests: old path ${JSON.stringify(result.checkout.old)}, new path ${JSON.stringify(result.checkout.new)}`);
  } finally {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
