/**
 * The story's checkout service: `POST /checkout?user=<id>` answers 200, or 500 when the
 * code path it took failed. The new path, behind `new-checkout`, has a bug that fails a
 * share of its requests until `checkout-fix` is on; every failure is reported with
 * `track('$error', …)`, the event the release plan's guard watches.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SwitchboardClient } from '@switchboard/node';

export interface CheckoutOptions {
  flags: SwitchboardClient;
  /** Share of requests the old path fails (it isn't perfect either). */
  baseErrorRate: number;
  /** Share of requests the new path fails while the fix is off. */
  bugErrorRate: number;
  random?: () => number;
}

export interface Checkout {
  url: string;
  /** Requests answered, by path and outcome. */
  counts: Record<'old' | 'new', { ok: number; failed: number }>;
  close(): Promise<void>;
}

export async function startCheckout(options: CheckoutOptions): Promise<Checkout> {
  const { flags, baseErrorRate, bugErrorRate, random = Math.random } = options;
  const counts = { old: { ok: 0, failed: 0 }, new: { ok: 0, failed: 0 } };
  const server = http.createServer((req, res) => {
    const user = new URL(req.url ?? '/', 'http://checkout').searchParams.get('user');
    if (req.method !== 'POST' || !user) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"POST /checkout?user=<id>"}');
      return;
    }
    const ctx = { userId: user };
    const path = flags.isEnabled('new-checkout', ctx) ? 'new' : 'old';
    const errorRate = path === 'new' && !flags.isEnabled('checkout-fix', ctx) ? bugErrorRate : baseErrorRate;
    const failed = random() < errorRate;
    counts[path][failed ? 'failed' : 'ok']++;
    if (failed) {
      flags.track('$error', ctx);
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ path, error: 'payment provider rejected the order' }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
