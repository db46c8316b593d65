import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWebhookUrl, guardedLookup, isForbiddenAddress, type Resolver } from './ssrf.js';

const fixed =
  (table: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('forbidden addresses', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    'ff02::1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '2a00:1450:4001:82a::200e'])('allows %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('checkWebhookUrl', () => {
  const resolve = fixed({
    'hooks.example.com': ['93.184.216.34'],
    'rebind.example.com': ['93.184.216.34', '10.0.0.7'],
    'internal.example.com': ['10.20.30.40'],
    'metadata.example.com': ['169.254.169.254'],
    'v6-local.example.com': ['fc00::5'],
    'loop.example.com': ['::1'],
  });

  it('accepts a public https target', async () => {
    expect((await checkWebhookUrl('https://hooks.example.com/in?x=1', false, resolve)).href).toBe('https://hooks.example.com/in?x=1');
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/hook',
    'http://[fc00::1]/hook',
    'http://[::ffff:7f00:1]/hook',
    'https://internal.example.com/hook',
    'https://metadata.example.com/hook',
    'https://v6-local.example.com/hook',
    'https://loop.example.com/hook',
    'https://rebind.example.com/hook',
  ])('refuses %s', async (url) => {
    await expect(checkWebhookUrl(url, false, resolve)).rejects.toThrow(/private, loopback or link-local/);
  });

  it.each([
    ['ftp://hooks.example.com/x', /http/],
    ['not a url', /absolute/],
    ['https://user:pw@hooks.example.com/x', /credentials/],
    ['https://nowhere.example.com/x', /does not resolve/],
  ])('refuses %s', async (url, message) => {
    await expect(checkWebhookUrl(url, false, resolve)).rejects.toThrow(message);
  });

  it('allows private targets when WEBHOOK_ALLOW_PRIVATE is on', async () => {
    expect((await checkWebhookUrl('http://127.0.0.1:9/x', true, resolve)).host).toBe('127.0.0.1:9');
  });
});

describe('guardedLookup (delivery time)', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function get(host: string, resolve: Resolver): Promise<string> {
    return new Promise((ok, fail) => {
      const req = http.get({ host, port, path: '/', lookup: guardedLookup(resolve) }, (res) => {
        res.resume();
        res.on('end', () => ok(String(res.statusCode)));
      });
      req.on('error', fail);
    });
  }

  it('refuses a name that now resolves to loopback, before connecting', async () => {
    await expect(get('rebound.example.com', fixed({ 'rebound.example.com': ['127.0.0.1'] }))).rejects.toThrow(/private, loopback/);
  });

  it('hands the socket the resolved addresses when all are allowed', async () => {
    const lookup = guardedLookup(fixed({ 'hooks.example.com': ['93.184.216.34', '2606:4700:4700::1111'] }));
    const all = await new Promise((ok, fail) =>
      lookup('hooks.example.com', { all: true }, (err, addresses) => (err ? fail(err) : ok(addresses))),
    );
    expect(all).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
    const one = await new Promise((ok, fail) =>
      lookup('hooks.example.com', { family: 6 }, (err, address) => (err ? fail(err) : ok(address))),
    );
    expect(one).toBe('2606:4700:4700::1111');
  });
});
