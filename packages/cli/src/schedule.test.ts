import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAtOf } from './commands/schedule.js';
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

interface Listed {
  id: string;
  status: string;
  change: Record<string, unknown>;
  baseVersion: number | null;
  runAtLocal: unknown;
}

async function listed(flag: string, env: string): Promise<Listed[]> {
  const res = await admin.call('GET', `/api/admin/flags/${flag}/environments/${env}/scheduled-changes`);
  return (res.body as { scheduledChanges: Listed[] }).scheduledChanges;
}

describe('--at', () => {
  it('reads an instant with its offset, a wall time in a zone, or a delay from now', () => {
    const now = Date.UTC(2026, 11, 7, 12, 0, 0);
    expect(runAtOf('2026-12-08T02:00Z', undefined, undefined, 'schedule')).toBe('2026-12-08T02:00:00Z');
    expect(runAtOf('2026-12-08T03:00:00+01:00', undefined, undefined, 'schedule')).toBe('2026-12-08T03:00:00+01:00');
    expect(runAtOf('2026-12-08 03:00', 'Europe/Berlin', undefined, 'schedule')).toEqual({
      local: '2026-12-08T03:00',
      timeZone: 'Europe/Berlin',
    });
    expect(runAtOf('2026-10-25T02:30', 'Europe/Berlin', '+01:00', 'schedule')).toEqual({
      local: '2026-10-25T02:30',
      timeZone: 'Europe/Berlin',
      offset: '+01:00',
    });
    expect(runAtOf('2026-12-08 03:00', undefined, undefined, 'schedule')).toEqual({
      local: '2026-12-08T03:00',
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
    expect(runAtOf('+90s', undefined, undefined, 'schedule', now)).toBe('2026-12-07T12:01:30.000Z');
    expect(runAtOf('+2h', undefined, undefined, 'schedule', now)).toBe('2026-12-07T14:00:00.000Z');
    expect(() => runAtOf('tomorrow', undefined, undefined, 'schedule')).toThrow(/is not a time/);
    expect(() => runAtOf('2026-12-08T02:00Z', 'Europe/Berlin', undefined, 'schedule')).toThrow(/already has an offset/);
  });
});

describe('schedule', () => {
  it('schedules an enable that the server applies at that time', async () => {
    await admin.createFlag('sched-on');
    const res = await run(url, ['schedule', 'sched-on', '--env', 'staging', '--at', '+1s', '--enable', '--comment', 'night shift']);
    expect(res.code, res.stderr).toBe(0);
    const [change] = await listed('sched-on', 'staging');
    expect(res.stdout).toMatch(
      new RegExp(`^scheduled ${change!.id}: enable sched-on in staging at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\n$`),
    );
    expect(res.stderr).toContain(`switchboard schedule cancel sched-on ${change!.id} --env staging`);
    expect(res.requests).toEqual([
      'GET /api/admin/environments',
      'GET /api/admin/flags/sched-on/environments/staging',
      'POST /api/admin/flags/sched-on/environments/staging/scheduled-changes',
    ]);
    const deadline = Date.now() + 15_000;
    while (!(await admin.config('sched-on', 'staging')).enabled) {
      if (Date.now() > deadline) throw new Error('the scheduled enable never ran');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await listed('sched-on', 'staging'))[0]).toMatchObject({ status: 'applied' });
  });

  it('schedules a rollout against the off variant, a wall time in a zone, and pins the version when asked', async () => {
    await admin.createFlag('sched-roll');
    const res = await run(url, [
      'schedule',
      'sched-roll',
      '--env',
      'staging',
      '--at',
      '2036-12-08 03:00',
      '--tz',
      'Europe/Berlin',
      '--rollout',
      '25',
      '--if-unchanged',
      '--json',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const created = JSON.parse(res.stdout) as Listed & { runAt: string };
    expect(created).toMatchObject({
      runAt: '2036-12-08T02:00:00.000Z',
      runAtLocal: { local: '2036-12-08T03:00', timeZone: 'Europe/Berlin', offset: '+01:00' },
      baseVersion: 1,
      change: {
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 25_000 },
            { variant: 'off', weight: 75_000 },
          ],
        },
      },
    });
  });

  it('passes on the server’s refusal of a wall time the clocks skip, naming the field', async () => {
    await admin.createFlag('sched-gap');
    const res = await run(url, [
      'schedule',
      'sched-gap',
      '--env',
      'staging',
      '--at',
      '2036-03-30 02:30',
      '--tz',
      'Europe/Berlin',
      '--enable',
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/field "runAt.local": 2036-03-30T02:30 does not exist in Europe\/Berlin/);
    expect(await listed('sched-gap', 'staging')).toEqual([]);
  });

  it('refuses what it can tell is wrong before sending anything, and production without --yes off a terminal', async () => {
    const cases: [string[], RegExp][] = [
      [['schedule', 'x', '--env', 'staging', '--at', '+1h'], /say what to change/],
      [['schedule', 'x', '--env', 'staging', '--at', '+1h', '--enable', '--disable'], /contradict/],
      [['schedule', 'x', '--env', 'staging', '--at', 'soon', '--enable'], /is not a time/],
      [['schedule', 'x', '--env', 'staging', '--at', '+1h', '--rollout', '101'], /percentage "101"/],
      [['schedule', 'x', '--env', 'staging', '--at', '+1h', '--enable', '--variant', 'on'], /--variant goes with --rollout/],
      // Production is protected (a setting the CLI reads first): only that read is sent.
      [['schedule', 'x', '--env', 'production', '--at', '+1h', '--enable'], /needs --yes/],
      [['schedule', 'cancel', 'x', 'not-an-id', '--env', 'staging'], /not a scheduled change id/],
      [['schedule', 'list', '--status', 'done'], /--status must be one of/],
    ];
    for (const [argv, message] of cases) {
      const res = await run(url, argv);
      expect(res.code, argv.join(' ')).toBe(2);
      expect(res.stderr, argv.join(' ')).toMatch(message);
      expect(res.requests).toEqual(argv.includes('production') ? ['GET /api/admin/environments'] : []);
    }
  });
});

describe('schedule list and schedule cancel', () => {
  it('lists pending changes and cancels one; cancelling it again is refused', async () => {
    await admin.createFlag('sched-list');
    const made = await run(url, ['schedule', 'sched-list', '--env', 'production', '--at', '+1d', '--disable', '--yes']);
    expect(made.code, made.stderr).toBe(0);
    const [change] = await listed('sched-list', 'production');

    const list = await run(url, ['schedule', 'list', '--flag', 'sched-list', '--status', 'pending']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+FLAG\s+ENVIRONMENT\s+RUN AT\s+CHANGE\s+STATUS\n/);
    expect(list.stdout).toMatch(new RegExp(`${change!.id}\\s+sched-list\\s+production\\s+\\S+ \\S+\\s+disable\\s+pending`));

    const cancel = await run(url, ['schedule', 'cancel', 'sched-list', change!.id, '--env', 'production']);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`cancelled ${change!.id}`);
    expect((await listed('sched-list', 'production'))[0]!.status).toBe('cancelled');

    const again = await run(url, ['schedule', 'cancel', 'sched-list', change!.id, '--env', 'production']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is cancelled; only pending ones can be cancelled/);

    const none = await run(url, ['schedule', 'list', '--flag', 'sched-list', '--status', 'pending']);
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('no scheduled changes\n');
  });
});
