/**
 * Redis: pub/sub between instances and a cache of the latest snapshots (so a starting
 * instance can serve before Postgres answers). Redis accelerates, never decides: every
 * command fails fast (no offline queue on the command connection), nothing awaits it on
 * the write path, and a lost message is covered by the revision check against Postgres.
 *
 * A silent partition (packets dropped, no RST) would leave an idle subscriber "ready" on
 * a dead socket for hours (TCP keepalive), deaf to every message even after the network
 * heals. So both connections are pinged every second and any connection that sends a
 * command and hears nothing for `SOCKET_TIMEOUT_MS` is destroyed: ioredis reconnects,
 * resubscribes, and the 'ready' listeners resync from Postgres. Dead link noticed in at
 * most ping interval + socket timeout (4 s; the fault matrix asks for ≤ 5 s).
 */
import { once } from 'node:events';
import fp from 'fastify-plugin';
import { Redis, type RedisOptions } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

const CHANNEL = 'switchboard:changes';
const SNAPSHOT_PREFIX = 'switchboard:snapshot:';
const ENVIRONMENTS_SET = 'switchboard:environments';
const KEY_PREFIX = 'switchboard:key:';
const REVOKED_PREFIX = 'switchboard:revoked-key:';

// Writes a snapshot only when it is newer than the cached one (instances race to cache).
const CACHE_SNAPSHOT_LUA = `
local cur = redis.call('HGET', KEYS[1], 'revision')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'revision', ARGV[1], 'snapshot', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return 1`;

const PING_INTERVAL_MS = 1000;
const SOCKET_TIMEOUT_MS = 3000;

const retryStrategy = (times: number): number => Math.min(100 * 2 ** Math.min(times, 5), 2000) + Math.floor(Math.random() * 100);

export class RedisLink {
  /** Commands: publish, cache reads and writes. Fails fast while disconnected. */
  private readonly command: Redis;
  /** Subscriber connection (a connection in subscribe mode can do nothing else). */
  private readonly subscriber: Redis;
  private readonly readyListeners: (() => void)[] = [];
  private readonly messageListeners: ((message: string) => void)[] = [];
  private lastErrorLog = 0;
  private readonly pinger: NodeJS.Timeout;

  constructor(
    url: string,
    private readonly log: FastifyBaseLogger,
  ) {
    // `socketTimeout` also bounds the handshake after a TCP connect that a partition swallows.
    const base: RedisOptions = { connectTimeout: 2000, socketTimeout: SOCKET_TIMEOUT_MS, retryStrategy, lazyConnect: false };
    this.command = new Redis(url, {
      ...base,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      connectionName: 'switchboard-cmd',
    });
    this.subscriber = new Redis(url, { ...base, maxRetriesPerRequest: null, autoResubscribe: true, connectionName: 'switchboard-sub' });
    for (const conn of [this.command, this.subscriber]) conn.on('error', (err: Error) => this.logError(err));
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== CHANNEL) return;
      for (const listener of this.messageListeners) listener(message);
    });
    // Every (re)subscription may have missed messages: listeners resync from Postgres.
    this.subscriber.on('ready', () => {
      for (const listener of this.readyListeners) listener();
    });
    this.subscriber.subscribe(CHANNEL).catch((err: Error) => this.logError(err));
    // The ping is only there to give `socketTimeout` something to wait for an answer to.
    this.pinger = setInterval(() => {
      for (const conn of [this.command, this.subscriber]) {
        if (conn.status === 'ready') conn.ping().catch(() => {});
      }
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  private logError(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = now;
    this.log.warn({ err: { message: err.message } }, 'redis unavailable; fan-out falls back to the revision check');
  }

  onMessage(listener: (message: string) => void): void {
    this.messageListeners.push(listener);
  }

  /** Called on every subscriber (re)connect. */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  get up(): boolean {
    return this.command.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Waits until the command connection is ready, at most `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    if (this.command.status === 'ready') return true;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    try {
      await once(this.command, 'ready', { signal: ac.signal });
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fire and forget; resolves false when Redis did not take it. */
  async publish(message: string): Promise<boolean> {
    try {
      await this.command.publish(CHANNEL, message);
      return true;
    } catch (err) {
      this.logError(err as Error);
      return false;
    }
  }

  async cacheSnapshot(environment: string, revision: number, body: string): Promise<void> {
    try {
      await this.command.eval(CACHE_SNAPSHOT_LUA, 2, SNAPSHOT_PREFIX + environment, ENVIRONMENTS_SET, String(revision), body, environment);
    } catch (err) {
      this.logError(err as Error);
    }
  }

  async forgetSnapshot(environment: string): Promise<void> {
    try {
      await this.command
        .multi()
        .del(SNAPSHOT_PREFIX + environment)
        .srem(ENVIRONMENTS_SET, environment)
        .exec();
    } catch (err) {
      this.logError(err as Error);
    }
  }

  /** Cached snapshot bodies (JSON strings), or `[]` when Redis doesn't answer. */
  async cachedSnapshots(): Promise<string[]> {
    try {
      const envs = await this.command.smembers(ENVIRONMENTS_SET);
      const bodies = await Promise.all(envs.map((env) => this.command.hget(SNAPSHOT_PREFIX + env, 'snapshot')));
      return bodies.filter((b): b is string => typeof b === 'string');
    } catch (err) {
      this.logError(err as Error);
      return [];
    }
  }

  /**
   * API key records by secret hash, so keys verify while Postgres is down. The record
   * says when Postgres last confirmed the key; readers judge its age themselves.
   */
  async cacheKey(hash: string, record: string, ttlMs: number): Promise<boolean> {
    try {
      await this.command.set(KEY_PREFIX + hash, record, 'PX', ttlMs);
      return true;
    } catch {
      return false;
    }
  }

  /** A key's cached record and whether it is known revoked; null when Redis doesn't answer. */
  async cachedKey(hash: string): Promise<{ record: string | null; revoked: boolean } | null> {
    try {
      const [record, tombstone] = await this.command.mget(KEY_PREFIX + hash, REVOKED_PREFIX + hash);
      return { record: record ?? null, revoked: tombstone != null };
    } catch {
      return null;
    }
  }

  /**
   * Records a revoked key (a tombstone outliving any record of it) and drops its record.
   * Resolves false when Redis did not take it: the caller retries later.
   */
  async revokeKey(hash: string, ttlMs: number): Promise<boolean> {
    try {
      const results = await this.command
        .multi()
        .set(REVOKED_PREFIX + hash, '1', 'PX', ttlMs)
        .del(KEY_PREFIX + hash)
        .exec();
      return results !== null && results.every(([err]) => err === null);
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    await Promise.allSettled([this.command.quit(), this.subscriber.quit()]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when REDIS_URL is not set: fan-out is then in-process only. */
    redis: RedisLink | null;
  }
}

export interface RedisPluginOptions {
  url: string | undefined;
}

export const redisPlugin = fp<RedisPluginOptions>(
  async (app, opts) => {
    const link = opts.url ? new RedisLink(opts.url, app.log) : null;
    app.decorate('redis', link);
    app.addHook('onClose', async () => {
      await link?.close();
    });
  },
  { name: 'redis' },
);
