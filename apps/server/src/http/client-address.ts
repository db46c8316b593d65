/**
 * The client a per-IP limit counts: an IPv4 address as is (also when IPv4-mapped), an
 * IPv6 address as its /64, since one host is usually given a whole /64 to rotate through.
 */
export function clientAddress(ip: string): string {
  const zone = ip.indexOf('%');
  const addr = (zone === -1 ? ip : ip.slice(0, zone)).toLowerCase();
  if (!addr.includes(':')) return addr;
  if (addr.startsWith('::ffff:') && addr.includes('.')) return addr.slice(7);
  const [head = '', tail] = addr.split('::', 2);
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const h = groupsOf(head);
  const t = tail === undefined ? [] : groupsOf(tail);
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
