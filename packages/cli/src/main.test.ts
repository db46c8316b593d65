import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from './main.js';
import { run, startServer, type RealServer } from './test-support/real-server.js';

let server: RealServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.close();
});

describe('help and usage', () => {
  it('every command has --help on stdout, exit 0, with no request and no key needed', async () => {
    for (const command of COMMANDS) {
      const r = await run(undefined, [...command.name.split(' '), '--help'], { env: { SWITCHBOARD_TOKEN: undefined } });
      expect(r.code, command.name).toBe(0);
      expect(r.stdout.startsWith(`usage: switchboard ${command.name}`), command.name).toBe(true);
      expect(r.stdout).toContain('global options:');
      expect(r.requests).toEqual([]);
    }
    const top = await run(undefined, ['--help']);
    expect(top.code).toBe(0);
    for (const command of COMMANDS) expect(top.stdout).toContain(`  ${command.name}  `);
    expect(top.stdout).toContain('exit codes:');
    expect((await run(undefined, ['help', 'rollout'])).stdout).toContain('percentage: 0 to 100 in 0.001 steps');
    expect((await run(undefined, ['flags', '--help'])).stdout).toContain('flags list');
    expect((await run(undefined, ['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('usage errors are exit 2 with the usage line, before any request', async () => {
    const cases: [string[], string][] = [
      [[], 'usage: switchboard <command>'],
      [['flip', 'x'], 'error: no command "flip"'],
      [['flags'], 'usage: switchboard flags <command>'],
      [['flags', 'show'], 'error: no command "flags show"'],
      [['kill', 'checkout'], 'error: --env is required'],
      [['kill', '--env', 'production'], 'error: missing <flag>'],
      [['kill', 'checkout', 'production'], 'error: unexpected argument "production" (did you mean --env production?)'],
      [['kill', 'checkout', '--env', 'production', '--force'], "error: unknown option '--force'"],
      [['kill', 'checkout', '--env'], "error: option '--env <value>' argument missing"],
      [['kill', 'check/../out', '--env', 'production'], 'error: flag "check/../out" is not a key'],
      [['restore', 'checkout', '--env', 'staging', '--version', '0'], 'error: --version must be a whole number'],
      [['flags', 'list', '--url', 'ftp://example.com'], 'error: --url must be http:// or https://'],
      [['flags', 'list', '--url', 'http://user:pw@example.com'], 'error: --url must not carry credentials'],
      [['flags', 'list', '--timeout', '0'], 'error: --timeout must be seconds'],
    ];
    for (const [argv, message] of cases) {
      const r = await run(server.url, argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toContain(message);
      expect(r.requests).toEqual([]);
      expect(r.stdout).toBe('');
    }
    const kill = await run(server.url, ['kill', 'checkout']);
    expect(kill.stderr).toBe(
      'error: --env is required\nusage: switchboard kill <flag> --env <env>\n(switchboard kill --help for details)\n',
    );
  });

  it('without an admin key it says where to put one, exit 2', async () => {
    const r = await run(server.url, ['flags', 'list'], { env: { SWITCHBOARD_TOKEN: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no admin key: set SWITCHBOARD_TOKEN (or pass --token, which stays in your shell history)');
    expect(r.requests).toEqual([]);
  });
});

describe('answers from the server', () => {
  it('--url and --token override the environment', async () => {
    const r = await run('http://127.0.0.1:1', ['envs', 'list', '--url', server.url, '--token', 'cli-test-admin-token-0123456789abcdef'], {
      env: { SWITCHBOARD_TOKEN: 'wrong-token-0123456789' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('production');
  });

  it('a wrong key is exit 1 with a hint; an SDK key on the admin API is exit 1 too', async () => {
    const wrong = await run(server.url, ['flags', 'list'], { env: { SWITCHBOARD_TOKEN: 'not-the-admin-token-0000' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('hint: the admin key was not accepted; check SWITCHBOARD_TOKEN');
    expect(wrong.stderr).toContain('HTTP 401 UNAUTHORIZED');

    const sdkKey = await server.admin.serverKey('staging');
    const forbidden = await run(server.url, ['flags', 'list'], { env: { SWITCHBOARD_TOKEN: sdkKey } });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('HTTP 403 FORBIDDEN');
  });

  it('an unknown flag or environment is exit 1 with the server’s message', async () => {
    const flag = await run(server.url, ['kill', 'no-such-flag', '--env', 'production']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/^error: .*no-such-flag.*\n {2}\(HTTP 404 NOT_FOUND, request \S+\)\n$/);

    await server.admin.createFlag('known');
    const env = await run(server.url, ['flags', 'get', 'known', '--env', 'prod']);
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('Environment "prod" does not exist');
  });

  it('a trailing slash on the URL does not change the paths', async () => {
    const r = await run(`${server.url}/`, ['envs', 'list']);
    expect(r.code).toBe(0);
    expect(r.requests).toEqual(['GET /api/admin/environments']);
  });
});

describe('no usable answer: exit 3', () => {
  it('connection refused', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    const r = await run(`http://127.0.0.1:${port}`, ['kill', 'checkout', '--env', 'production']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `error: cannot connect to http://127.0.0.1:${port}: connection refused (is the server running? set --url or SWITCHBOARD_URL)\n`,
    );
  });

  it('a server that accepts the connection and never answers hits the timeout', async () => {
    const sockets: Socket[] = [];
    const hung = createTcpServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    try {
      const r = await run(hungUrl, ['flags', 'list', '--timeout', '0.2']);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`error: no answer from ${hungUrl} within 0.2 s\n`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('a proxy in front of the server answering 502 with HTML', async () => {
    const proxy = createHttpServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const r = await run(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, ['kill', 'checkout', '--env', 'production']);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `error: http://127.0.0.1:${(proxy.address() as AddressInfo).port} answered HTTP 502 Bad Gateway, not a Switchboard error\n`,
      );
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
