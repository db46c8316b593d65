/**
 * Open SSE connections, grouped by environment and projection. One heartbeat timer for
 * all of them; events are pre-serialized once per change and written to every socket.
 * A connection whose unsent bytes pass the cap is dropped: its client reconnects and
 * receives a fresh `put`, which is cheaper than buffering without bound.
 *
 * Ending a stream (revoked key, deleted environment, shutdown) takes it out of the hub at
 * once and ends the response; a client that doesn't read never lets `end()` finish, so
 * the socket is destroyed after a short grace. Otherwise a revoked key's stream would stay
 * open as long as its reader stalls, and shutdown would wait on it until its deadline.
 */
import type { ServerResponse } from 'node:http';
import type { StreamEvents } from './environment-view.js';

export type StreamKind = 'server' | 'client';

export interface StreamConnection {
  readonly res: ServerResponse;
  readonly keyId: string;
  readonly environment: string;
  readonly kind: StreamKind;
}

export interface StreamHubOptions {
  heartbeatIntervalMs: number;
  bufferCapBytes: number;
  maxConnectionsPerKey: number;
  onCountChange?: (kind: StreamKind, delta: number) => void;
  onDrop?: (reason: 'slow' | 'revoked' | 'environment' | 'shutdown') => void;
  /** How long an ended stream may take to flush before its socket is destroyed (default 1 s). */
  endGraceMs?: number;
}

interface Group {
  server: Set<StreamConnection>;
  client: Set<StreamConnection>;
}

const PING = Buffer.from(': ping\n\n');
const DEFAULT_END_GRACE_MS = 1000;

export class StreamHub {
  private readonly groups = new Map<string, Group>();
  private readonly perKey = new Map<string, Set<StreamConnection>>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: StreamHubOptions) {
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  get size(): number {
    let n = 0;
    for (const set of this.perKey.values()) n += set.size;
    return n;
  }

  /** False when this key already holds the maximum number of streams. */
  hasCapacity(keyId: string): boolean {
    return !this.closed && (this.perKey.get(keyId)?.size ?? 0) < this.options.maxConnectionsPerKey;
  }

  /** Registers an open stream (headers and the first `put` already written by the caller). */
  add(conn: StreamConnection): void {
    let group = this.groups.get(conn.environment);
    if (!group) {
      group = { server: new Set(), client: new Set() };
      this.groups.set(conn.environment, group);
    }
    group[conn.kind].add(conn);
    let keyed = this.perKey.get(conn.keyId);
    if (!keyed) {
      keyed = new Set();
      this.perKey.set(conn.keyId, keyed);
    }
    keyed.add(conn);
    this.options.onCountChange?.(conn.kind, 1);
    conn.res.once('close', () => this.remove(conn));
  }

  private remove(conn: StreamConnection): void {
    const group = this.groups.get(conn.environment);
    if (!group?.[conn.kind].delete(conn)) return;
    if (group.server.size === 0 && group.client.size === 0) this.groups.delete(conn.environment);
    const keyed = this.perKey.get(conn.keyId);
    keyed?.delete(conn);
    if (keyed?.size === 0) this.perKey.delete(conn.keyId);
    this.options.onCountChange?.(conn.kind, -1);
  }

  private write(conn: StreamConnection, chunk: Buffer): void {
    const res = conn.res;
    // A write after `end()` would emit 'error' on the response, which nothing listens to.
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > this.options.bufferCapBytes) {
      this.options.onDrop?.('slow');
      res.destroy();
      return;
    }
    res.write(chunk);
  }

  /** Sends a change's events to one environment's streams. `put` re-sends the whole projection. */
  broadcast(environment: string, kind: StreamKind, events: StreamEvents, put: () => string): void {
    const conns = this.groups.get(environment)?.[kind];
    if (!conns || conns.size === 0) return;
    if (events !== 'put' && events.length === 0) return;
    // Encoded once here rather than once per socket by every write.
    const chunk = Buffer.from(events === 'put' ? put() : events.join(''));
    for (const conn of conns) this.write(conn, chunk);
  }

  private ping(): void {
    for (const group of this.groups.values()) {
      for (const conn of group.server) this.write(conn, PING);
      for (const conn of group.client) this.write(conn, PING);
    }
  }

  /**
   * Takes a stream out of the hub now (so nothing more is written to it and it no longer
   * counts against its key) and ends it; destroys the socket if the end can't be flushed
   * within the grace, because its client stopped reading.
   */
  private terminate(conn: StreamConnection, reason: 'revoked' | 'environment' | 'shutdown'): void {
    this.remove(conn);
    this.options.onDrop?.(reason);
    const res = conn.res;
    if (res.destroyed) return;
    const timer = setTimeout(() => res.destroy(), this.options.endGraceMs ?? DEFAULT_END_GRACE_MS);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    res.end();
  }

  /** Ends every stream of a key (the key was revoked). */
  closeKey(keyId: string): number {
    const keyed = this.perKey.get(keyId);
    if (!keyed) return 0;
    const conns = [...keyed];
    for (const conn of conns) this.terminate(conn, 'revoked');
    return conns.length;
  }

  /** Ends every stream of an environment (it was deleted). */
  closeEnvironment(environment: string): void {
    const group = this.groups.get(environment);
    if (!group) return;
    for (const conn of [...group.server, ...group.client]) this.terminate(conn, 'environment');
  }

  /** Stops the heartbeat and ends every stream (graceful shutdown; a stalled reader is cut after the grace). */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const keyed of [...this.perKey.values()]) {
      for (const conn of [...keyed]) this.terminate(conn, 'shutdown');
    }
  }
}
