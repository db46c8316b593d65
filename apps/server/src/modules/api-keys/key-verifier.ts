/**
 * Turns a bearer token into a principal. Known keys are held in memory by the SHA-256
 * of their secret, so SDK requests cost no database query; each instance re-checks its
 * cached keys for revocation every second (with the revision check) and on a
 * `key-revoked` message. While Postgres is down, keys verified before are still
 * accepted from memory, or from Redis on a freshly started instance.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { DatabaseService } from '../../plugins/db.js';
import type { ApiKeyKind } from '../../db/schema/index.js';
import { UnavailableError, isDatabaseUnavailable } from '../../errors.js';
import type { RedisLink } from '../../plugins/redis.js';
import { sameDigest } from './secrets.js';
import { findKeyByHash, revokedAmong, touchLastUsed } from './store.js';

export interface Principal {
  kind: ApiKeyKind;
  /** Null for the ADMIN_TOKEN from the environment. */
  keyId: string | null;
  name: string;
  /** The environment of a server or client key. */
  environment: string | null;
}

interface CacheEntry {
  principal: Principal | null;
  /** Unknown keys are remembered briefly so a flood of bad keys doesn't reach the database. */
  expiresAt: number;
}

const NEGATIVE_TTL_MS = 10_000;
const MAX_NEGATIVE_ENTRIES = 10_000;

export class KeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private negativeEntries = 0;
  private readonly adminTokenDigest: Buffer | null;
  private readonly lastUsed = new Map<string, Date>();

  constructor(
    private readonly database: DatabaseService,
    private readonly redis: RedisLink | null,
    private readonly log: FastifyBaseLogger,
    adminToken: string | undefined,
  ) {
    this.adminTokenDigest = adminToken ? createHash('sha256').update(adminToken, 'utf8').digest() : null;
  }

  async verify(token: string): Promise<Principal | null> {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    if (this.adminTokenDigest && timingSafeEqual(digest, this.adminTokenDigest)) {
      return { kind: 'admin', keyId: null, name: 'ADMIN_TOKEN', environment: null };
    }
    const hash = digest.toString('hex');
    const cached = this.cache.get(hash);
    if (cached && (cached.principal || cached.expiresAt > Date.now())) return this.used(cached.principal);

    let principal: Principal | null | undefined;
    if (this.database.ready) {
      try {
        const row = await findKeyByHash(this.database.db, hash);
        principal =
          row && !row.revokedAt && sameDigest(row.secretHash, hash)
            ? { kind: row.kind, keyId: row.id, name: row.name, environment: row.environment }
            : null;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
      }
    }
    if (principal === undefined) {
      // Postgres is down or not migrated yet: a key verified before (by any instance) is
      // still good; an unknown one can't be judged.
      const fromRedis = await this.redis?.cachedKey(hash);
      if (!fromRedis) throw new UnavailableError('Cannot verify this key while the database is unavailable');
      principal = JSON.parse(fromRedis) as Principal;
    }
    this.remember(hash, principal);
    if (principal) void this.redis?.cacheKey(hash, JSON.stringify(principal));
    return this.used(principal);
  }

  private remember(hash: string, principal: Principal | null): void {
    if (!principal) {
      if (this.negativeEntries >= MAX_NEGATIVE_ENTRIES) this.dropNegatives();
      this.negativeEntries++;
    }
    this.cache.set(hash, { principal, expiresAt: Date.now() + NEGATIVE_TTL_MS });
  }

  private dropNegatives(): void {
    for (const [hash, entry] of this.cache) if (!entry.principal) this.cache.delete(hash);
    this.negativeEntries = 0;
  }

  private used(principal: Principal | null): Principal | null {
    if (principal?.keyId) this.lastUsed.set(principal.keyId, new Date());
    return principal;
  }

  /** Forgets a revoked key on this instance. */
  forget(keyId: string): void {
    for (const [hash, entry] of this.cache) {
      if (entry.principal?.keyId !== keyId) continue;
      this.cache.delete(hash);
      void this.redis?.forgetKey(hash);
    }
  }

  /** A new key: drop any negative entry for it (it may have been probed before creation). */
  created(hash: string): void {
    if (this.cache.get(hash)?.principal === null) this.cache.delete(hash);
  }

  /** Ids of revoked keys among those cached here (callers close their streams). */
  async recheck(): Promise<string[]> {
    const ids = new Set<string>();
    for (const entry of this.cache.values()) if (entry.principal?.keyId) ids.add(entry.principal.keyId);
    const revoked = await revokedAmong(this.database.db, [...ids]);
    for (const id of revoked) this.forget(id);
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
