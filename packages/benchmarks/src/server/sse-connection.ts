import http from 'node:http';

/**
 * Milliseconds on CLOCK_MONOTONIC (`process.hrtime`), which on Linux is one clock for
 * every process on the machine: timestamps taken in different processes compare directly.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface SseEvent {
  event: string;
  data: string;
  /** monotonicMs() when the chunk that completed this event arrived. */
  receivedAt: number;
}

/**
 * A raw `GET /api/sdk/stream` reader: one socket, a minimal event-stream parser (events
 * end at a blank line; `event:` and `data:` fields; comments ignored). No SDK, no
 * reconnects: it measures the server, not a client library.
 */
export class SseConnection {
  private buffer = '';

  private constructor(
    private readonly request: http.ClientRequest,
    private readonly onEvent: (event: SseEvent) => void,
  ) {}

  /** Opens a stream and resolves once its first `put` has arrived in full. */
  static open(url: string, key: string, onEvent: (event: SseEvent) => void = () => {}, timeoutMs = 30_000): Promise<SseConnection> {
    return new Promise((resolve, reject) => {
      const request = http.get(`${url}/api/sdk/stream`, {
        agent: false,
        headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
      });
      let opened = false;
      const timer = setTimeout(() => {
        request.destroy();
        reject(new Error(`no put within ${timeoutMs} ms`));
      }, timeoutMs);
      const connection = new SseConnection(request, (e) => {
        if (!opened && e.event === 'put') {
          opened = true;
          clearTimeout(timer);
          resolve(connection);
        }
        onEvent(e);
      });
      request.once('error', (error) => {
        clearTimeout(timer);
        if (!opened) reject(error);
      });
      request.once('response', (res) => {
        if (res.statusCode !== 200) {
          clearTimeout(timer);
          res.resume();
          reject(new Error(`stream answered ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => connection.receive(chunk, monotonicMs()));
        res.on('error', () => {});
      });
    });
  }

  private receive(chunk: string, receivedAt: number): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(5).replace(/^ /, '');
      }
      if (data || event !== 'message') this.onEvent({ event, data, receivedAt });
    }
  }

  close(): void {
    this.request.destroy();
  }
}
