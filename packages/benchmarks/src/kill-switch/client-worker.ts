/**
 * One client process of the kill-switch benchmark (`node client-worker.js`, driven over
 * IPC). It opens its share of the clients — raw SSE readers, or `@switchboard/node`
 * clients — and, for every flip it is armed for, records when each client sees the
 * flag change: a raw reader when the `patch` carrying the new state arrives on its
 * socket, an SDK client when its `change` event fires and `isEnabled` answers the new
 * state. Times are CLOCK_MONOTONIC, comparable with the benchmark process.
 */
import { createClient, type SwitchboardClient } from '@switchboard/node';
import { tether } from '../child-processes.js';
import { SseConnection, monotonicMs, type SseEvent } from '../server/sse-connection.js';
import type { ArmMessage, FromWorker, StartMessage, ToWorker } from './protocol.js';

tether();

interface Armed {
  flip: number;
  enabled: boolean;
  times: number[];
  remaining: number;
  timer: NodeJS.Timeout;
  cpu: NodeJS.CpuUsage;
}

let armed: Armed | undefined;
let servers: number[] = [];
const raw: SseConnection[] = [];
const sdk: SwitchboardClient[] = [];

function send(message: FromWorker): void {
  process.send!(message);
}

function report(): void {
  const a = armed;
  if (!a) return;
  armed = undefined;
  clearTimeout(a.timer);
  const cpu = process.cpuUsage(a.cpu);
  send({ type: 'seen', flip: a.flip, times: a.times, servers, cpuMs: (cpu.user + cpu.system) / 1000 });
}

/** Client `index` observed the flag in state `enabled` at `at`. */
function observe(index: number, enabled: boolean, at: number): void {
  const a = armed;
  if (!a || enabled !== a.enabled || !Number.isNaN(a.times[index]!)) return;
  a.times[index] = at;
  if (--a.remaining === 0) report();
}

function rawState(event: SseEvent, flagKey: string): boolean | undefined {
  if (event.event === 'patch') {
    const patch = JSON.parse(event.data) as { key?: string; flag?: { enabled?: boolean } | null };
    return patch.key === flagKey && patch.flag ? patch.flag.enabled : undefined;
  }
  if (event.event === 'put') {
    const put = JSON.parse(event.data) as { flags?: Record<string, { enabled?: boolean }> };
    return put.flags?.[flagKey]?.enabled;
  }
  return undefined;
}

async function start(m: StartMessage): Promise<void> {
  servers = Array.from({ length: m.clients }, (_, j) => (m.offset + j) % m.urls.length);
  const perServer = m.urls.map((_, s) => servers.filter((x) => x === s).length);
  if (m.mode === 'raw') {
    for (let j = 0; j < m.clients; j += 25) {
      const batch = await Promise.all(
        servers.slice(j, j + 25).map((s, k) =>
          SseConnection.open(m.urls[s]!, m.key, (e) => {
            const state = rawState(e, m.flagKey);
            if (state !== undefined) observe(j + k, state, e.receivedAt);
          }),
        ),
      );
      raw.push(...batch);
    }
  } else {
    const errors: string[] = [];
    for (let j = 0; j < m.clients; j++) {
      const client = createClient({
        url: m.urls[servers[j]!]!,
        key: m.key,
        events: false,
        logger: { debug() {}, info() {}, warn: (msg: string) => errors.push(msg), error: (msg: string) => errors.push(msg) },
      });
      client.on('change', (keys) => {
        if (keys.includes(m.flagKey)) observe(j, client.isEnabled(m.flagKey, 'kill-switch-user'), monotonicMs());
      });
      sdk.push(client);
    }
    await Promise.all(sdk.map((c) => c.ready(30_000)));
    const wrong = sdk.filter((c) => c.source !== 'server' || c.isEnabled(m.flagKey, 'kill-switch-user') !== m.enabled).length;
    if (wrong > 0)
      throw new Error(
        `${wrong} SDK clients are not serving the server's snapshot with the flag ${m.enabled ? 'on' : 'off'} (${errors.slice(0, 3).join('; ')})`,
      );
  }
  send({ type: 'ready', perServer });
}

function arm(m: ArmMessage): void {
  const clients = servers.length;
  armed = {
    flip: m.flip,
    enabled: m.enabled,
    times: Array.from({ length: clients }, () => NaN),
    remaining: clients,
    timer: setTimeout(report, m.timeoutMs),
    cpu: process.cpuUsage(),
  };
  send({ type: 'armed', flip: m.flip });
}

async function stop(): Promise<void> {
  for (const c of raw) c.close();
  await Promise.all(sdk.map((c) => c.close(500)));
  process.exit(0);
}

process.on('message', (m: ToWorker) => {
  const run = m.type === 'start' ? start(m) : m.type === 'arm' ? Promise.resolve(arm(m)) : stop();
  run.catch((error: unknown) => send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
