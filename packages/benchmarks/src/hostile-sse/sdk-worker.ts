/**
 * The well-behaved clients of the hostile-SSE benchmark (`node sdk-worker.js`, driven
 * over IPC): `@switchboard/node` clients on the attacked client key, each as if behind
 * its own address (X-Forwarded-For through a trusting proxy, as browsers behind a CDN
 * would arrive). For each flip it is armed for, it records when each client's `change`
 * event fires with `isEnabled` answering the new state. Times are CLOCK_MONOTONIC.
 */
import { createClient, type SwitchboardClient } from '@switchboard/node';
import { tether } from '../child-processes.js';
import { monotonicMs } from '../server/sse-connection.js';
import type { FromSdkWorker, SdkArmMessage, SdkStartMessage, ToSdkWorker } from './protocol.js';

tether();

interface Armed {
  flip: number;
  enabled: boolean;
  times: number[];
  remaining: number;
  timer: NodeJS.Timeout;
}

let armed: Armed | undefined;
const clients: SwitchboardClient[] = [];

function send(message: FromSdkWorker): void {
  process.send!(message);
}

/** Documentation-range addresses (198.18.0.0/15), one per client. */
function addressOf(i: number): string {
  return `198.18.${(i >> 8) & 255}.${i & 255}`;
}

function report(): void {
  const a = armed;
  if (!a) return;
  armed = undefined;
  clearTimeout(a.timer);
  send({ type: 'seen', flip: a.flip, times: a.times });
}

function observe(index: number, enabled: boolean, at: number): void {
  const a = armed;
  if (!a || enabled !== a.enabled || !Number.isNaN(a.times[index]!)) return;
  a.times[index] = at;
  if (--a.remaining === 0) report();
}

async function start(m: SdkStartMessage): Promise<void> {
  const problems: string[] = [];
  for (let j = 0; j < m.count; j++) {
    const forwardedFor = addressOf(m.offset + j);
    const client = createClient({
      url: m.url,
      key: m.key,
      events: false,
      // The SDK reads its stream through a given fetch too; this one only adds the header a proxy would.
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('x-forwarded-for', forwardedFor);
        return fetch(input, { ...init, headers });
      },
      logger: { debug() {}, info() {}, warn: (msg: string) => problems.push(msg), error: (msg: string) => problems.push(msg) },
    });
    client.on('change', (keys) => {
      if (keys.includes(m.flagKey)) observe(j, client.isEnabled(m.flagKey, 'kill-switch-user'), monotonicMs());
    });
    clients.push(client);
  }
  await Promise.all(clients.map((c) => c.ready(60_000)));
  const wrong = clients.filter((c) => c.source !== 'server' || c.isEnabled(m.flagKey, 'kill-switch-user') !== m.enabled).length;
  if (wrong > 0) throw new Error(`${wrong} SDK clients are not serving the server's snapshot (${problems.slice(0, 3).join('; ')})`);
  send({ type: 'ready' });
}

function arm(m: SdkArmMessage): void {
  armed = {
    flip: m.flip,
    enabled: m.enabled,
    times: clients.map(() => NaN),
    remaining: clients.length,
    timer: setTimeout(report, m.timeoutMs),
  };
  send({ type: 'armed', flip: m.flip });
}

process.on('message', (m: ToSdkWorker) => {
  if (m.type === 'start') {
    start(m).catch((error: unknown) =>
      send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  } else if (m.type === 'arm') {
    arm(m);
  } else {
    void Promise.all(clients.map((c) => c.close(500))).then(() => process.exit(0));
  }
});
