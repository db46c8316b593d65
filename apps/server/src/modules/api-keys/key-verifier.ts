/**
 * Turns a bearer token into a principal from memory (no query per SDK request). Revocation
 * and the Postgres-outage rules are in the server README, "Revoked keys".
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { DatabaseService } from '../../plugins/db.js';
import type { ApiKeyKind, Role } from '../../db/schema/index.js';
import { UnavailableError, isDatabaseUnavailable } from '../../errors.js';
import type { RedisLink } from '../../plugins/redis.js';
import { sameDigest } from './secrets.js';
import { findKeyByHash, revokedAmong, touchLastUsed } from './store.js';

export type { Role };
export const ROLES: readonly Role[] = ['viewer', 'editor', 'killer', 'admin'];

export interface Principal {
  kind: ApiKeyKind;
  /** Null for the ADMIN_TOKEN from the environment. */
  keyId: string | null;
  /** The signed-in person, for session callers; null for keys and the ADMIN_TOKEN. */
  userId: string | null;
  name: string;
  /** The environment of a server or client key. */
  environment: string | null;
  /** The admin role; SDK keys carry `viewer` and never reach admin routes. */
  role: Role;
  /** The environments an admin caller may act in; null = all. */
  environments: string[] | null;
}

export type Verification = { principal: Principal } | { principal: null; reason: 'unknown' | 'revoked' };

interface KnownKey {
  principal: Principal;
  /** When Postgres last confirmed the key (epoch ms). */
  verifiedAt: number;
  /** When this instance last wrote the key's record to Redis (0: never). */
  cachedAt: number;
}

interface CachedRecord extends Principal {
  verifiedAt: number;
}

export interface KeyVerifierOptions {
  adminToken: string | undefined;
  /** How long ago Postgres must have confirmed a key for it to be accepted without asking Postgres. */
  maxCacheAgeMs: number;
  /** Clock (tests). */
  now?: () => number;
}

/** Unknown keys are remembered briefly so a repeated bad key doesn't reach the database. */
const NEGATIVE_TTL_MS = 10_000;
const MAX_NEGATIVE_ENTRIES = 10_000;
/** Revoked keys remembered here; beyond it the oldest rely on Redis and the freshness limit. */
const MAX_TOMBSTONES = 10_000;
/** Records in Redis only need to live as long as they can be used; at least an hour. */
const MIN_RECORD_TTL_MS = 60 * 60_000;
/** Tombstones outlive any record, including the 24 h ones earlier versions wrote. */
const MIN_TOMBSTONE_TTL_MS = 25 * 60 * 60_000;

export class KeyVerifier {
  private readonly known = new Map<string, KnownKey>();
  /** Hash → expiry of the negative entry; insertion order is age order. */
  private readonly unknown = new Map<string, number>();
  /** Hash → expiry of the tombstone. */
  private readonly tombstones = new Map<string, number>();
  /** Tombstones Redis hasn't confirmed (it was down, or came back with older data). */
  private readonly unsynced = new Set<string>();
  private readonly adminTokenDigest: Buffer | null;
  private readonly lastUsed = new Map<string, Date>();
  private readonly maxAgeMs: number;
  private readonly recordTtlMs: number;
  private readonly tombstoneTtlMs: number;
  private readonly now: () => number;
  private syncing = false;
  private syncAgain: 'tombstones' | 'reconnected' | null = null;

  constructor(
    private readonly database: DatabaseService,
    private readonly redis: RedisLink | null,
    private readonly log: FastifyBaseLogger,
    options: KeyVerifierOptions,
  ) {
    this.adminTokenDigest = options.adminToken ? createHash('sha256').update(options.adminToken, 'utf8').digest() : null;
    this.maxAgeMs = options.maxCacheAgeMs;
    this.recordTtlMs = Math.max(options.maxCacheAgeMs, MIN_RECORD_TTL_MS);
    this.tombstoneTtlMs = Math.max(this.recordTtlMs, MIN_TOMBSTONE_TTL_MS);
    this.now = options.now ?? Date.now;
    // Redis may be back empty or with data from before a revocation: tell it again.
    redis?.onReady(() => {
      for (const hash of this.tombstones.keys()) this.unsynced.add(hash);
      void this.syncRedis(true);
    });
  }

  async verify(token: string): Promise<Verification> {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    if (this.adminTokenDigest && timingSafeEqual(digest, this.adminTokenDigest)) {
      return {
        principal: { kind: 'admin', keyId: null, userId: null, name: 'ADMIN_TOKEN', environment: null, role: 'admin', environments: null },
      };
    }
    const hash = digest.toString('hex');
    const now = this.now();
    const known = this.known.get(hash);
    if (known && now - known.verifiedAt <= this.maxAgeMs) return this.used(known.principal);
    if (this.isRevoked(hash, now)) return { principal: null, reason: 'revoked' };
    const negative = this.unknown.get(hash);
    if (negative !== undefined) {
      if (negative > now) return { principal: null, reason: 'unknown' };
      this.unknown.delete(hash);
    }

    if (this.database.ready) {
      try {
        const row = await findKeyByHash(this.database.db, hash);
        if (!row || !sameDigest(row.secretHash, hash)) {
          this.rememberUnknown(hash, now);
          return { principal: null, reason: 'unknown' };
        }
        if (row.revokedAt) {
          this.tombstone(hash);
          return { principal: null, reason: 'revoked' };
        }
        // Revoked here while the row was on its way: the tombstone is newer than the read.
        if (this.tombstones.has(hash)) return { principal: null, reason: 'revoked' };
        const principal: Principal = {
          kind: row.kind,
          keyId: row.id,
          userId: null,
          name: row.name,
          environment: row.environment,
          // Server and client keys never reach admin routes; their role is never consulted.
          role: row.kind === 'admin' ? row.role : 'viewer',
          environments: row.kind === 'admin' ? row.environments : null,
        };
        const entry: KnownKey = { principal, verifiedAt: now, cachedAt: 0 };
        this.known.set(hash, entry);
        void this.cacheRecord(hash, entry);
        return this.used(principal);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
      }
    }
    // Postgres is down or not migrated yet: only a recent confirmation (by any instance) counts.
    const cached = await this.redis?.cachedKey(hash);
    if (cached?.revoked || this.tombstones.has(hash)) {
      this.tombstone(hash, false);
      return { principal: null, reason: 'revoked' };
    }
    const record = cached?.record ? parseRecord(cached.record) : null;
    // Another instance may have confirmed the key more recently than this one's memory.
    let best: CachedRecord | null = known ? { ...known.principal, verifiedAt: known.verifiedAt } : null;
    if (record && (!best || record.verifiedAt > best.verifiedAt)) best = record;
    if (!best || now - best.verifiedAt > this.maxAgeMs) {
      throw new UnavailableError('Cannot verify this key while the database is unavailable');
    }
    const principal: Principal = {
      kind: best.kind,
      keyId: best.keyId,
      userId: null,
      name: best.name,
      environment: best.environment,
      role: best.role,
      environments: best.environments,
    };
    // Keeps the record's own time: a copy never extends how long a confirmation counts.
    this.known.set(hash, { principal, verifiedAt: best.verifiedAt, cachedAt: now });
    return this.used(principal);
  }

  private isRevoked(hash: string, now: number): boolean {
    const expires = this.tombstones.get(hash);
    if (expires === undefined) return false;
    if (expires > now) return true;
    this.tombstones.delete(hash);
    this.unsynced.delete(hash);
    return false;
  }

  private rememberUnknown(hash: string, now: number): void {
    if (this.unknown.size >= MAX_NEGATIVE_ENTRIES) {
      const oldest = this.unknown.keys().next();
      if (!oldest.done) this.unknown.delete(oldest.value);
    }
    this.unknown.set(hash, now + NEGATIVE_TTL_MS);
  }

  private async cacheRecord(hash: string, entry: KnownKey): Promise<void> {
    if (!this.redis || this.maxAgeMs === 0) return;
    const record: CachedRecord = { ...entry.principal, verifiedAt: entry.verifiedAt };
    const at = this.now();
    if (await this.redis.cacheKey(hash, JSON.stringify(record), this.recordTtlMs)) entry.cachedAt = at;
  }

  /** Records a revoked key here and, unless it came from there, in Redis (retried until Redis takes it). */
  private tombstone(hash: string, tellRedis = true): void {
    this.known.delete(hash);
    this.unknown.delete(hash);
    if (!this.tombstones.has(hash) && this.tombstones.size >= MAX_TOMBSTONES) {
      const oldest = this.tombstones.keys().next();
      if (!oldest.done) {
        this.tombstones.delete(oldest.value);
        this.unsynced.delete(oldest.value);
      }
    }
    this.tombstones.set(hash, this.now() + this.tombstoneTtlMs);
    if (!tellRedis) return;
    this.unsynced.add(hash);
    void this.syncRedis(false);
  }

  /** Pushes unconfirmed tombstones to Redis; after a reconnect, also re-warms the records of known keys. */
  private async syncRedis(reconnected: boolean): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    if (this.syncing) {
      // Runs again when the one in progress ends, so no request to sync is lost.
      this.syncAgain = this.syncAgain === 'reconnected' || reconnected ? 'reconnected' : 'tombstones';
      return;
    }
    this.syncing = true;
    try {
      // The subscriber may be ready before the command connection.
      if (reconnected && !(await redis.waitReady(5000))) return;
      for (const hash of [...this.unsynced]) {
        const expires = this.tombstones.get(hash);
        if (expires === undefined) {
          this.unsynced.delete(hash);
          continue;
        }
        if (!(await redis.revokeKey(hash, Math.max(1, expires - this.now())))) return;
        this.unsynced.delete(hash);
      }
      if (reconnected) for (const [hash, entry] of this.known) if (entry.principal.keyId) await this.cacheRecord(hash, entry);
    } finally {
      this.syncing = false;
      const again = this.syncAgain;
      this.syncAgain = null;
      if (again) void this.syncRedis(again === 'reconnected');
    }
  }

  private used(principal: Principal): Verification {
    if (principal.keyId) this.lastUsed.set(principal.keyId, new Date());
    return { principal };
  }

  /** Forgets a revoked key on this instance (and tells Redis). */
  forget(keyId: string): void {
    for (const [hash, entry] of this.known) if (entry.principal.keyId === keyId) this.tombstone(hash);
  }

  /** A key was revoked on this instance: its hash is known even if it was never used here. */
  revoked(hash: string): void {
    this.tombstone(hash);
  }

  /** A new key: drop any negative entry for it (it may have been probed before creation). */
  created(hash: string): void {
    this.unknown.delete(hash);
  }

  /**
   * Confirms the cached keys against Postgres (throws when it doesn't answer). Returns
   * the ids of revoked ones (callers close their streams); the others count as verified
   * now, and their Redis records are refreshed well before they would go stale.
   */
  async recheck(): Promise<string[]> {
    const started = this.now();
    const ids = new Set<string>();
    for (const entry of this.known.values()) if (entry.principal.keyId) ids.add(entry.principal.keyId);
    const revoked = await revokedAmong(this.database.db, [...ids]);
    for (const id of revoked) this.forget(id);
    const refreshAfter = this.maxAgeMs / 4;
    for (const [hash, entry] of this.known) {
      if (!entry.principal.keyId || !ids.has(entry.principal.keyId)) continue;
      entry.verifiedAt = Math.max(entry.verifiedAt, started);
      if (started - entry.cachedAt >= refreshAfter) void this.cacheRecord(hash, entry);
    }
    if (this.unsynced.size > 0) void this.syncRedis(false);
    return revoked;
  }

  /** Writes `last_used_at` in batches instead of once per request. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = new Map(this.lastUsed);
    this.lastUsed.clear();
    try {
      await touchLastUsed(this.database.db, batch);
    } catch (err) {
      this.log.debug({ err: { message: (err as Error).message } }, 'could not record key usage');
    }
  }
}

/** A record written by this version (older ones carry no `verifiedAt` and never count). */
function parseRecord(raw: string): CachedRecord | null {
  try {
    const r = JSON.parse(raw) as Partial<CachedRecord>;
    const kinds: unknown[] = ['admin', 'server', 'client'];
    if (typeof r !== 'object' || r === null || !kinds.includes(r.kind) || typeof r.verifiedAt !== 'number' || typeof r.name !== 'string')
      return null;
    if (r.keyId !== null && typeof r.keyId !== 'string') return null;
    if (r.environment !== null && typeof r.environment !== 'string') return null;
    // Records written before roles existed belong to keys that are admin (admin kind) of every environment.
    if (r.role === undefined) return { ...(r as CachedRecord), role: r.kind === 'admin' ? 'admin' : 'viewer', environments: null };
    if (!ROLES.includes(r.role)) return null;
    if (r.environments !== null && !(Array.isArray(r.environments) && r.environments.every((e) => typeof e === 'string'))) return null;
    return r as CachedRecord;
  } catch {
    return null;
  }
}
