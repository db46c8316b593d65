/// <reference types="node" />
/**
 * The SDK protocol from memory, as a `fetch` implementation: `GET /api/sdk/stream`
 * (an SSE body the test writes to), `GET /api/sdk/flags` (ETag/304) and
 * `POST /api/sdk/events`. Unit tests use it to drive delivery without sockets; the
 * Chromium suite runs against the real server.
 */
import type { Flag, Snapshot } from '@switchboard/core';

export interface FakeStream {
  write(text: string): void;
  end(): void;
  closed: boolean;
}

export interface FakeServer {
  fetch: typeof fetch;
  snapshot: Snapshot;
  /** What the next stream request answers: 200 SSE (default), or a status. */
  streamStatus: number;
  streamHeaders: Record<string, string>;
  pollStatus: number;
  streams: FakeStream[];
  requests: { url: string; headers: Record<string, string>; body?: string }[];
  events: unknown[];
  /** Writes a `put` of the current snapshot on every open stream. */
  put(): void;
  /** Sets a flag (bumping the revision) and streams a patch. */
  setFlag(flag: Flag | null, key?: string): void;
}

export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function createFakeServer(snapshot: Snapshot): FakeServer {
  const server: FakeServer = {
    snapshot,
    streamStatus: 200,
    streamHeaders: {},
    pollStatus: 200,
    streams: [],
    requests: [],
    events: [],
    put() {
      for (const s of server.streams) if (!s.closed) s.write(sse('put', server.snapshot));
    },
    setFlag(flag, key = flag?.key) {
      const revision = server.snapshot.revision + 1;
      const flags = { ...server.snapshot.flags };
      if (flag) flags[key!] = flag;
      else delete flags[key!];
      server.snapshot = { ...server.snapshot, revision, flags };
      for (const s of server.streams) if (!s.closed) s.write(sse('patch', { revision, key, flag }));
    },
    fetch: async (input, init) => {
      const url = String(input);
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      server.requests.push({ url, headers, body: init?.body as string | undefined });
      if (headers.authorization !== 'Bearer good-key') return new Response('{}', { status: 401 });
      const path = new URL(url).pathname;
      if (path === '/api/sdk/events') {
        server.events.push(JSON.parse(init!.body as string));
        return new Response('{}', { status: 202 });
      }
      if (path === '/api/sdk/flags') {
        const etag = `"${server.snapshot.revision}"`;
        if (server.pollStatus !== 200) return new Response('', { status: server.pollStatus });
        if (headers['if-none-match'] === etag) return new Response(null, { status: 304 });
        return new Response(JSON.stringify(server.snapshot), { headers: { etag, 'content-type': 'application/json' } });
      }
      if (path === '/api/sdk/stream') {
        if (server.streamStatus !== 200) return new Response('', { status: server.streamStatus, headers: server.streamHeaders });
        const encoder = new TextEncoder();
        let stream!: FakeStream;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            stream = {
              closed: false,
              write(text) {
                if (!stream.closed) controller.enqueue(encoder.encode(text));
              },
              end() {
                if (stream.closed) return;
                stream.closed = true;
                controller.close();
              },
            };
            init?.signal?.addEventListener('abort', () => {
              if (stream.closed) return;
              stream.closed = true;
              controller.error(new DOMException('aborted', 'AbortError'));
            });
          },
        });
        server.streams.push(stream);
        stream.write(`retry: 1000\n${sse('put', server.snapshot)}`);
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      }
      return new Response('', { status: 404 });
    },
  };
  return server;
}

/** Resolves when `check` returns true, polling every 5 ms; rejects after `ms`. */
export async function until(check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Storage stand-in. */
export function memoryStorage(): { data: Map<string, string>; getItem(k: string): string | null; setItem(k: string, v: string): void } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}
