/**
 * Browser sessions: an opaque token in an HttpOnly cookie, its SHA-256 in Postgres. Writes
 * made with the cookie must send the session's CSRF token as `X-CSRF-Token` (plugins/auth.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { sessions, users } from '../../db/schema/index.js';
import type { Principal } from '../api-keys/key-verifier.js';

export const SESSION_COOKIE = 'sb_session';

export interface SessionPrincipal {
  principal: Principal;
  csrfToken: string;
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export class SessionStore {
  constructor(
    private readonly db: () => Database,
    private readonly ttlMs: number,
  ) {}

  /** Starts a session for the user; returns the cookie's token and when it expires. */
  async create(userId: string): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
    const token = randomToken('');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + this.ttlMs);
    const db = this.db();
    await db.insert(sessions).values({ tokenHash: digest(token), userId, csrfToken, expiresAt });
    await db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, userId));
    // Expired sessions are removed as new ones start, so the table never only grows.
    await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
    return { token, csrfToken, expiresAt };
  }

  /** The session's person as a principal; null when the token is unknown, expired, or the person is disabled. */
  async find(token: string): Promise<SessionPrincipal | null> {
    const [row] = await this.db()
      .select({ csrfToken: sessions.csrfToken, id: users.id, email: users.email, role: users.role, environments: users.environments })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, digest(token)), gt(sessions.expiresAt, new Date()), isNull(users.disabledAt)))
      .limit(1);
    if (!row) return null;
    return {
      csrfToken: row.csrfToken,
      principal: {
        kind: 'admin',
        keyId: null,
        userId: row.id,
        name: row.email,
        environment: null,
        role: row.role,
        environments: row.environments,
      },
    };
  }

  async delete(token: string): Promise<void> {
    await this.db()
      .delete(sessions)
      .where(eq(sessions.tokenHash, digest(token)));
  }

  async deleteForUser(db: Database, userId: string): Promise<void> {
    await db.delete(sessions).where(eq(sessions.userId, userId));
  }
}

/** The value of one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eqAt = part.indexOf('=');
    if (eqAt > 0 && part.slice(0, eqAt).trim() === name) return part.slice(eqAt + 1).trim();
  }
  return undefined;
}
