/**
 * The story on a compressed clock, against a real embedded server: stages of 3 s, guard
 * checks every 200 ms, a real Node SDK client and a few thousand users' traffic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp, defaultConfig, type App } from '@switchboard/server';
import { runStory } from './story.js';

const TOKEN = 'release-demo-test-token-0123456789';
let app: App;
let url: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'release-demo-test-'));
  app = await buildApp(
    defaultConfig({
      adminToken: TOKEN,
      dataDir,
      logLevel: 'silent',
      adminUiDir: undefined,
      releaseCheckIntervalMs: 200,
      schedulerSweepIntervalMs: 200,
      sdkEventsRateLimitPerMinute: 0,
    }),
  );
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('ships dark, rolls out, is rolled back by its guard with nobody watching, then the fix goes on at a quiet hour', async () => {
  const lines: string[] = [];
  const result = await runStory({
    url,
    adminToken: TOKEN,
    environment: 'production',
    // Long enough for a 25% arm to hold a few hundred users with a few errors each stage.
    stageSec: 3,
    users: 4000,
    minUnits: 100,
    quietHour: () => new Date(Date.now() + 2_000).toISOString(),
    timeoutMs: 90_000,
    flushIntervalMs: 500,
    // Ten times the old path's errors: decided well inside a 3 s stage even on a loaded CI machine.
    bugErrorRate: 0.1,
    log: (line) => lines.push(line),
  });
  const { plan } = result;
  expect(plan.status, lines.join('\n')).toBe('rolled_back');
  const rollback = plan.decisions.find((d) => d.action === 'rollback')!;
  expect(rollback.reason).toMatch(/guard \$error/);
  const stats = rollback.stats as { treatment: { units: number; value: number }; control: { units: number; value: number } };
  expect(stats.treatment.units).toBeGreaterThanOrEqual(100);
  expect(stats.treatment.value).toBeGreaterThan(stats.control.value);
  // Rolled back before reaching everyone.
  expect(plan.stages[plan.stage]!.percent).toBeLessThan(100);
  expect(result.scheduled.status).toBe('applied');
  expect(result.checkout.new.ok + result.checkout.new.failed).toBeGreaterThan(0);
});
