/**
 * A small real HTTP server on 127.0.0.1 speaking the SDK half of the Switchboard
 * protocol (`/api/sdk/flags` with ETags, `/api/sdk/stream` SSE, `/api/sdk/events`), with
 * knobs to misbehave. It holds one environment in memory: no admin API, no database.
 * The SDK's own tests run against it over real sockets, and against the real server in
 * `*.int.test.ts`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Flag, Snapshot } from '@switchboard/core';

export interface ProtocolServerOptions {
  key?: string;
  snapshot?: Snapshot;
  /** Heartbeat comment interval, ms; 0 = none. */
  heartbeat?: number;
  /** The `retry:` field sent at the start of each stream; undefined = none. */
  retry?: number;
}

/** Override for a route: answer this status (and headers) instead of serving it. */
export interface RouteOverride {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

type Route = 'stream' | 'flags' | 'events';

export class ProtocolServer {
  readonly key: string;
  snapshot: Snapshot;
  readonly requests: Record<Route, number> = { stream: 0, flags: 0, events: 0 };
  /** Request times (Date.now()) per route. */
  readonly requestTimes: Record<Route, number[]> = { stream: [], flags: [], events: [] };
  readonly eventBodies: unknown[] = [];
  readonly overrides: Partial<Record<Route, RouteOverride>> = {};
  /** Streams accept but never send anything (not even the put). */
  silent = false;
  /** Send no `put` on connect (streams stay open, heartbeats only). */
  withholdPut = false;
  private readonly streams = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  port = 0;

  constructor(private readonly options: ProtocolServerOptions = {}) {
    this.key = options.key ?? 'srv-test-key';
    this.snapshot = options.snapshot ?? { schemaVersion: 1, environment: 'production', revision: 1, flags: {}, segments: {} };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    if (this.options.heartbeat) {
      this.heartbeatTimer = setInterval(() => this.broadcastRaw(': ping\n\n'), this.options.heartbeat);
    }
    return this;
  }

  /** Drops every connection abruptly and stops listening (the process "died"). */
  async kill(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.streams.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    await this.start(this.port);
  }

  stop(): Promise<void> {
    return this.kill();
  }

  // ------------------------------------------------------------------ changes

  /** Upserts a flag: bumps the revision and the flag's version, streams a patch. */
  setFlag(flag: Flag): Flag {
    const held = this.snapshot.flags[flag.key];
    const next = { ...flag, version: Math.max(flag.version, (held?.version ?? 0) + 1) };
    this.snapshot.revision++;
    this.snapshot.flags[flag.key] = next;
    this.broadcast('patch', JSON.stringify({ revision: this.snapshot.revision, key: flag.key, flag: next }));
    return next;
  }

  deleteFlag(key: string): void {
    this.snapshot.revision++;
    delete this.snapshot.flags[key];
    this.broadcast('patch', JSON.stringify({ revision: this.snapshot.revision, key, flag: null }));
  }

  /** Replaces the snapshot and streams it as a `put`. */
  replace(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.broadcast('put', JSON.stringify(snapshot));
  }

  broadcast(event: string, data: string): void {
    this.broadcastRaw(`event: ${event}\nid: ${this.snapshot.revision}\ndata: ${data}\n\n`);
  }

  broadcastRaw(text: string): void {
    for (const res of this.streams) res.write(text);
  }

  /** Ends every open stream cleanly. */
  endStreams(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  // ------------------------------------------------------------------ routes

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    const route: Route | undefined =
      path === '/api/sdk/stream' ? 'stream' : path === '/api/sdk/flags' ? 'flags' : path === '/api/sdk/events' ? 'events' : undefined;
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    this.requests[route]++;
    this.requestTimes[route].push(Date.now());
    const override = this.overrides[route];
    if (override) {
      res.writeHead(override.status, override.headers ?? {}).end(override.body ?? '');
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.key}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAUTHORIZED"}}');
      return;
    }
    if (route === 'flags') return this.flags(req, res);
    if (route === 'stream') return this.stream(req, res);
    return this.events(req, res);
  }

  private flags(req: IncomingMessage, res: ServerResponse): void {
    const etag = `"${this.snapshot.revision}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag }).end(JSON.stringify(this.snapshot));
  }

  private stream(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    if (this.silent) return;
    if (this.options.retry !== undefined) res.write(`retry: ${this.options.retry}\n\n`);
    if (!this.withholdPut) res.write(`event: put\nid: ${this.snapshot.revision}\ndata: ${JSON.stringify(this.snapshot)}\n\n`);
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        this.eventBodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(202).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  }
}

export async function startProtocolServer(options?: ProtocolServerOptions): Promise<ProtocolServer> {
  return new ProtocolServer(options).start();
}
