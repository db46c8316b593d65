import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationSec, stagesOf } from './commands/release.js';
import { startServer, run, type AdminApi, type RealServer } from './test-support/real-server.js';

let server: RealServer;
let admin: AdminApi;
let url: string;

beforeAll(async () => {
  server = await startServer();
  admin = server.admin;
  url = server.url;
});

afterAll(async () => {
  await server?.close();
});

describe('release arguments', () => {
  it('reads durations and growing stages', () => {
    expect(['90', '10m', '2h', '1d'].map((d) => durationSec(d, 'release start'))).toEqual([90, 600, 7200, 86_400]);
    expect(() => durationSec('soon', 'release start')).toThrow(/not a duration/);
    expect(stagesOf('1,5,100', 60, 'release start')).toEqual([
      { percent: 1, minDurationSec: 60 },
      { percent: 5, minDurationSec: 60 },
      { percent: 100 },
    ]);
    expect(() => stagesOf('5,1', 60, 'release start')).toThrow(/must grow/);
  });
});

describe('release', () => {
  it('starts a guarded plan, shows it, pauses, resumes, advances and cancels it', async () => {
    await admin.createFlag('cli-release');
    await admin.patchConfig('cli-release', 'staging', { enabled: true });
    const started = await run(url, [
      'release',
      'start',
      'cli-release',
      '--env',
      'staging',
      '--stages',
      '10,50,100',
      '--stage-duration',
      '1h',
    ]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/cli-release in staging: running, stage 1 of 3 \(10% on "on"\)/);
    expect(started.stdout).toMatch(/\$ERROR/);
    const config = await admin.config('cli-release', 'staging');
    expect(config.fallthrough).toMatchObject({
      rollout: [
        { variant: 'on', weight: 10_000 },
        { variant: 'off', weight: 90_000 },
      ],
    });

    const status = await run(url, ['release', 'status', 'cli-release', '--env', 'staging', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'running', stage: 0, guards: [{ event: '$error', action: 'rollback' }] });
    expect((await run(url, ['release', 'pause', 'cli-release', '--env', 'staging'])).stdout).toMatch(/paused: paused by/);
    expect((await run(url, ['release', 'resume', 'cli-release', '--env', 'staging'])).stdout).toMatch(/running, stage 1/);
    expect((await run(url, ['release', 'advance', 'cli-release', '--env', 'staging'])).stdout).toMatch(/running, stage 2 of 3 \(50%/);
    expect((await run(url, ['release', 'cancel', 'cli-release', '--env', 'staging'])).stdout).toMatch(/cancelled/);
    expect((await admin.config('cli-release', 'staging')).fallthrough).toMatchObject({
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
    });
  });

  it('asks in production, and says why the server refuses', async () => {
    await admin.createFlag('cli-release-prod');
    const unconfirmed = await run(url, ['release', 'start', 'cli-release-prod', '--env', 'production']);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toMatch(/needs --yes/);
    // The flag is off: the server's 409 names the field.
    const off = await run(url, ['release', 'start', 'cli-release-prod', '--env', 'production', '--yes', '--guard-event', 'none']);
    expect(off.code).not.toBe(0);
    expect(off.stderr).toMatch(/turn it on/);
  });
});
