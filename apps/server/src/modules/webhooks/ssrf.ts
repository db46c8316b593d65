/**
 * Refuses webhook targets inside private, loopback, link-local and other special-purpose
 * ranges: at creation, and again on every attempt on the addresses the connection will
 * actually use (a lookup hook), so a name that re-resolves to 127.0.0.1 later (DNS
 * rebinding) is still refused. `WEBHOOK_ALLOW_PRIVATE=true` turns the check off.
 */
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const FORBIDDEN_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

// Mapped, translated and tunnelled forms are refused whole: they can carry a private IPv4 address.
const FORBIDDEN_V6: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

// Two lists: BlockList matches IPv4 addresses against IPv6 rules through their mapped form,
// so one list holding ::ffff:0:0/96 would refuse every IPv4 address.
const forbiddenV4 = new BlockList();
for (const [net, prefix] of FORBIDDEN_V4) forbiddenV4.addSubnet(net, prefix, 'ipv4');
const forbiddenV6 = new BlockList();
for (const [net, prefix] of FORBIDDEN_V6) forbiddenV6.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is one a webhook may not reach (private, loopback, link-local, reserved). */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return family === 4 ? forbiddenV4.check(address, 'ipv4') : forbiddenV6.check(address, 'ipv6');
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/** `[::1]` → `::1`: URL keeps IPv6 literals in brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

/** Parses and checks a webhook URL; throws `TargetRefused` with the reason. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused('must be an http:// or https:// URL');
  if (url.username !== '' || url.password !== '') throw new TargetRefused('must not carry credentials; authenticate with the signature');
  if (url.hash !== '') throw new TargetRefused('must not have a #fragment');
  if (allowPrivate) return url;
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).map((a) => a.address);
    } catch {
      throw new TargetRefused(`host "${host}" does not resolve`);
    }
  }
  const refused = addresses.find(isForbiddenAddress);
  if (refused !== undefined || addresses.length === 0) {
    throw new TargetRefused(
      `resolves to ${refused ?? 'nothing'}, a private, loopback or link-local address (WEBHOOK_ALLOW_PRIVATE is off)`,
    );
  }
  return url;
}

/**
 * A `lookup` for `http.request` that resolves as usual and fails when any address is
 * forbidden: the check runs on the very addresses the socket connects to.
 */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const family = typeof options === 'object' && options.family ? options.family : 0;
        const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        const refused = usable.find((a) => isForbiddenAddress(a.address));
        if (refused || usable.length === 0) {
          const err = new TargetRefused(
            `"${hostname}" resolves to ${refused?.address ?? 'nothing'}, a private, loopback or link-local address`,
          );
          callback(Object.assign(err, { code: 'EWEBHOOKTARGET' }), '', 0);
          return;
        }
        if (typeof options === 'object' && options.all) (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
