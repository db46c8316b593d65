/**
 * The confirmation that stands between a typo and production, tested where it can break:
 * the answer the prompt takes, and the real `switchboard` process — its stdin piped (no
 * terminal: `--yes` is required whatever is typed), on a pseudo-terminal (`script` from
 * util-linux gives the child a real tty), and writing into a closed pipe (EPIPE).
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, run, startServer, type AdminApi, type RealServer } from './test-support/real-server.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
// Compiled here, not in dist: the tests must run the source as it is now, and not race a build.
const BUILD_DIR = 'node_modules/.cache/safety-net-bin';
const BIN = `${PACKAGE_DIR}${BUILD_DIR}/bin.js`;

let server: RealServer;
let admin: AdminApi;
let url: string;

beforeAll(async () => {
  const tsc = spawnSync(
    'node_modules/.bin/tsc',
    ['-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--declaration', 'false', '--declarationMap', 'false'],
    {
      cwd: PACKAGE_DIR,
      encoding: 'utf8',
    },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  server = await startServer();
  admin = server.admin;
  url = server.url;
});

afterAll(async () => {
  await server?.close();
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` with the CLI's environment, writes `input` to its stdin and closes it. */
function spawnCli(command: string, args: string[], input: string, options: { closeStdout?: boolean } = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: PACKAGE_DIR,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SWITCHBOARD_URL: url, SWITCHBOARD_TOKEN: ADMIN_TOKEN, TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** `switchboard …` on a pseudo-terminal: `script` runs it with a tty as stdin and relays what we type. */
function onTerminal(argv: string[], typed: string): Promise<Exit> {
  const command = ['node', BIN, ...argv].map((a) => `'${a}'`).join(' ');
  // -q: no banner; -e: the child's exit code; -c: the command; the typescript goes nowhere.
  return spawnCli('script', ['-qec', command, '/dev/null'], typed);
}

describe('the prompt', () => {
  it('takes only y or yes: Enter on an empty line, spaces or another word decline and write nothing', async () => {
    await admin.createFlag('enter-declines');
    for (const input of ['\n', '   \n', '\r\n', 'yep\n', 'n\n']) {
      const r = await run(url, ['enable', 'enter-declines', '--env', 'production'], { isTTY: true, input });
      expect(r.code, JSON.stringify(input)).toBe(2);
      expect(r.stderr, JSON.stringify(input)).toContain('error: not confirmed; nothing was changed');
      expect(
        r.requests.filter((req) => !req.startsWith('GET ')),
        JSON.stringify(input),
      ).toEqual([]);
    }
    expect((await admin.config('enter-declines', 'production')).enabled).toBe(false);

    for (const input of ['y\n', ' YES \n']) {
      await admin.patchConfig('enter-declines', 'production', { enabled: false });
      const r = await run(url, ['enable', 'enter-declines', '--env', 'production'], { isTTY: true, input });
      expect(r.code, JSON.stringify(input)).toBe(0);
      expect((await admin.config('enter-declines', 'production')).enabled).toBe(true);
    }
  });
});

describe('the switchboard process', () => {
  it('with stdin piped, refuses a production change without --yes even when the pipe says yes', async () => {
    await admin.createFlag('piped-consent');
    const piped = await spawnCli('node', [BIN, 'enable', 'piped-consent', '--env', 'production'], 'y\n');
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain('needs --yes when stdin is not a terminal; nothing was changed');
    expect(piped.stderr).not.toContain('[y/N]');
    expect((await admin.config('piped-consent', 'production')).enabled).toBe(false);

    const withYes = await spawnCli('node', [BIN, 'enable', 'piped-consent', '--env', 'production', '--yes'], '');
    expect(withYes.code, withYes.stderr).toBe(0);
    expect((await admin.config('piped-consent', 'production')).enabled).toBe(true);
  });

  it('on a terminal, asks; Enter declines and y confirms', async () => {
    await admin.createFlag('on-a-tty');
    const enter = await onTerminal(['enable', 'on-a-tty', '--env', 'production'], '\n');
    // script merges the child's stdout and stderr into the terminal it relays.
    expect(enter.stdout).toContain('[y/N]');
    expect(enter.stdout).toContain('not confirmed; nothing was changed');
    expect(enter.code).toBe(2);
    expect((await admin.config('on-a-tty', 'production')).enabled).toBe(false);

    const yes = await onTerminal(['enable', 'on-a-tty', '--env', 'production'], 'y\n');
    expect(yes.stdout).toContain('[y/N]');
    expect(yes.code, yes.stdout).toBe(0);
    expect((await admin.config('on-a-tty', 'production')).enabled).toBe(true);
  });

  it('exits quietly with 0 when its reader goes away (switchboard audit | head)', async () => {
    await admin.createFlag('epipe-reader');
    const r = await spawnCli('node', [BIN, 'audit', '--limit', '500'], '', { closeStdout: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
