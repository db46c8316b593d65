/**
 * Open SSE connections by environment and projection: shared encoded events, one capped
 * write path, admission caps, and ends that can't stall (server README, "SSE").
 */
import type { ServerResponse } from 'node:http';
import { clientAddress } from '../../http/client-address.js';
import type { StreamEvents } from './delivered-environment.js';

export type StreamKind = 'server' | 'client';
export type DropReason = 'slow' | 'drain-timeout' | 'revoked' | 'environment' | 'shutdown';
/** Which cap refused a new stream. */
export type RejectReason = 'key' | 'ip' | 'instance';

export interface StreamConnection {
  readonly res: ServerResponse;
  readonly keyId: string;
  readonly environment: string;
  readonly kind: StreamKind;
  /** The client's address (`request.ip`, which honours the trusted proxies). */
  readonly ip: string;
}

export interface StreamHubOptions {
  heartbeatIntervalMs: number;
  bufferCapBytes: number;
  /** How long a stream may hold unsent bytes before it is closed. */
  drainTimeoutMs: number;
  maxConnectionsPerKey: number;
  /** Per key and client address. */
  maxConnectionsPerIp: number;
  /** All keys together, on this instance. */
  maxConnections: number;
  onCountChange?: (kind: StreamKind, delta: number) => void;
  onDrop?: (reason: DropReason) => void;
  onReject?: (reason: RejectReason) => void;
  /** How long an ended stream may take to flush before its socket is destroyed (default 1 s). */
  endGraceMs?: number;
}

interface Stream extends StreamConnection {
  /** Key of `perAddress`. */
  readonly address: string;
  /** Armed while the response holds unsent bytes that haven't drained. */
  drainTimer: NodeJS.Timeout | undefined;
}

interface Group {
  server: Set<Stream>;
  client: Set<Stream>;
}

const PING = [Buffer.from(': ping\n\n')];
const DEFAULT_END_GRACE_MS = 1000;

export class StreamHub {
  private readonly groups = new Map<string, Group>();
  private readonly perKey = new Map<string, Set<Stream>>();
  private readonly perAddress = new Map<string, number>();
  private total = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: StreamHubOptions) {
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.total;
  }

  /**
   * Which cap a new stream of `keyId` from `ip` would exceed (counted in `onReject`), or
   * null when it may open. Check and `open()` without an await in between.
   */
  admit(keyId: string, ip: string): RejectReason | null {
    let refused: RejectReason | null = null;
    if (this.closed || this.total >= this.options.maxConnections) refused = 'instance';
    else if ((this.perKey.get(keyId)?.size ?? 0) >= this.options.maxConnectionsPerKey) refused = 'key';
    else if ((this.perAddress.get(addressKey(keyId, ip)) ?? 0) >= this.options.maxConnectionsPerIp) refused = 'ip';
    if (refused) this.options.onReject?.(refused);
    return refused;
  }

  /**
   * Registers a stream whose headers the caller has written, and writes `initial` (the
   * `retry` line and the `put`) through the same capped path as everything after it.
   */
  open(conn: StreamConnection, initial: readonly Buffer[]): void {
    // Its client left while the request was handled: 'close' has fired already and would
    // never take the stream out again, leaving a slot of every cap taken for good.
    const socket = conn.res.socket;
    if (conn.res.destroyed || !socket || socket.destroyed) return;
    const stream: Stream = { ...conn, address: addressKey(conn.keyId, conn.ip), drainTimer: undefined };
    let group = this.groups.get(conn.environment);
    if (!group) {
      group = { server: new Set(), client: new Set() };
      this.groups.set(conn.environment, group);
    }
    group[conn.kind].add(stream);
    let keyed = this.perKey.get(conn.keyId);
    if (!keyed) {
      keyed = new Set();
      this.perKey.set(conn.keyId, keyed);
    }
    keyed.add(stream);
    this.perAddress.set(stream.address, (this.perAddress.get(stream.address) ?? 0) + 1);
    this.total++;
    this.options.onCountChange?.(conn.kind, 1);
    conn.res.once('close', () => this.remove(stream));
    this.write(stream, initial);
  }

  private remove(stream: Stream): void {
    clearTimeout(stream.drainTimer);
    stream.drainTimer = undefined;
    const group = this.groups.get(stream.environment);
    if (!group?.[stream.kind].delete(stream)) return;
    if (group.server.size === 0 && group.client.size === 0) this.groups.delete(stream.environment);
    const keyed = this.perKey.get(stream.keyId);
    keyed?.delete(stream);
    if (keyed?.size === 0) this.perKey.delete(stream.keyId);
    const n = (this.perAddress.get(stream.address) ?? 1) - 1;
    if (n === 0) this.perAddress.delete(stream.address);
    else this.perAddress.set(stream.address, n);
    this.total--;
    this.options.onCountChange?.(stream.kind, -1);
  }

  private drop(stream: Stream, reason: 'slow' | 'drain-timeout'): void {
    this.remove(stream);
    this.options.onDrop?.(reason);
    stream.res.destroy();
  }

  /** Writes `chunks` (shared Buffers, never copied per stream) as one capped write. */
  private write(stream: Stream, chunks: readonly Buffer[]): void {
    const res = stream.res;
    // A write after `end()` would emit 'error' on the response, which nothing listens to.
    if (res.destroyed || res.writableEnded) return;
    // What is still unsent (in Node or libuv; the kernel's buffers are the client's share).
    const unsent = res.writableLength;
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    if (unsent > 0 && unsent + length > this.options.bufferCapBytes) {
      this.drop(stream, 'slow');
      return;
    }
    let flushed = true;
    for (const chunk of chunks) flushed = res.write(chunk);
    // `false` means the response now waits for 'drain', which Node emits once it has sent everything.
    if (!flushed && stream.drainTimer === undefined) {
      const drained = (): void => {
        clearTimeout(timer);
        stream.drainTimer = undefined;
      };
      const timer = setTimeout(() => {
        res.off('drain', drained);
        stream.drainTimer = undefined;
        if (res.writableLength > 0) this.drop(stream, 'drain-timeout');
      }, this.options.drainTimeoutMs);
      timer.unref();
      stream.drainTimer = timer;
      res.once('drain', drained);
    }
  }

  /** Sends a change's events to one environment's streams. `put` re-sends the whole projection. */
  broadcast(environment: string, kind: StreamKind, events: StreamEvents, put: () => Buffer): void {
    const conns = this.groups.get(environment)?.[kind];
    if (!conns || conns.size === 0) return;
    if (events !== 'put' && events.length === 0) return;
    // Encoded once here rather than once per socket by every write.
    const chunks = [events === 'put' ? put() : Buffer.from(events.join(''))];
    // Deleting from a Set while iterating it is safe: dropped streams are skipped, none twice.
    for (const conn of conns) this.write(conn, chunks);
  }

  private ping(): void {
    for (const group of this.groups.values()) {
      for (const conn of group.server) this.heartbeatOf(conn);
      for (const conn of group.client) this.heartbeatOf(conn);
    }
  }

  /**
   * A stream still sending earlier events needs no heartbeat: bytes are moving. Skipping it
   * also keeps a ping from dropping a slow but honest reader in the middle of a large `put`
   * (the drain deadline still closes one that stopped reading).
   */
  private heartbeatOf(stream: Stream): void {
    if (stream.res.writableLength === 0) this.write(stream, PING);
  }

  /**
   * Takes a stream out of the hub now (so nothing more is written to it and it no longer
   * counts against its caps) and ends it; destroys the socket if the end can't be flushed
   * within the grace, because its client stopped reading.
   */
  private terminate(stream: Stream, reason: 'revoked' | 'environment' | 'shutdown'): void {
    this.remove(stream);
    this.options.onDrop?.(reason);
    const res = stream.res;
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

/** The per-address cap counts streams per key and address: one address's hog doesn't block its other keys. */
function addressKey(keyId: string, ip: string): string {
  return `${keyId} ${clientAddress(ip)}`;
}
