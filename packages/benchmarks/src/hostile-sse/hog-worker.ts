/**
 * The attacker of the hostile-SSE benchmark (`node hog-worker.js`, driven over IPC): it
 * opens streams on one client key from loopback source addresses (127.0.0.x, so each
 * address meets the server's per-address cap as a real client would), reads each
 * response's first chunk to learn its status, and then never reads again.
 */
import net from 'node:net';
import { tether } from '../child-processes.js';
import { monotonicMs } from '../server/sse-connection.js';
import type { FromHogWorker, HogOpenMessage, ToHogWorker } from './protocol.js';

tether();

const BATCH = 100;
const ANSWER_TIMEOUT_MS = 30_000;

let current: net.Socket[] = [];
let retired: net.Socket[] = [];

function send(message: FromHogWorker): void {
  process.send!(message);
}

/** Opens one stream; resolves with its HTTP status ('error' or 'timeout' when there was none). */
function hog(url: URL, key: string, localAddress: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, ANSWER_TIMEOUT_MS);
    socket.on('error', () => {
      clearTimeout(timer);
      resolve('error');
    });
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 'unparsed';
      if (status === '200') current.push(socket);
      else socket.destroy();
      resolve(status);
    });
    socket.write(`GET /api/sdk/stream HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: Bearer ${key}\r\naccept: text/event-stream\r\n\r\n`);
  });
}

async function open(m: HogOpenMessage): Promise<void> {
  const started = monotonicMs();
  retired = current;
  current = [];
  const url = new URL(m.url);
  const statuses: Record<string, number> = {};
  for (let i = 0; i < m.count; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, m.count - i) }, (_, j) =>
      hog(url, m.key, m.addresses[(i + j) % m.addresses.length]!),
    );
    for (const status of await Promise.all(batch)) statuses[status] = (statuses[status] ?? 0) + 1;
  }
  send({ type: 'opened', statuses, ms: monotonicMs() - started });
}

process.on('message', (m: ToHogWorker) => {
  if (m.type === 'open') {
    open(m).catch((error: unknown) =>
      send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  } else if (m.type === 'retire') {
    for (const s of retired) s.destroy();
    retired = [];
  } else {
    for (const s of [...retired, ...current]) s.destroy();
    process.exit(0);
  }
});
