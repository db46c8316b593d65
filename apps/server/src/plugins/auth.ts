/**
 * Authentication: `Authorization: Bearer <key>` only (never a query string). Admin
 * routes take admin keys or a signed-in person's session cookie (whose writes must carry
 * `X-CSRF-Token`); SDK routes take server or client keys and serve the key's own
 * environment. Runs in `onRequest`, before the body is even read.
 *
 * A client IP that keeps failing is refused with 429 before its key is even looked up
 * (see auth-throttle.ts): while blocked, its right keys wait too, since telling them
 * apart would take the lookup the block is there to spare. Failures are counted in
 * `switchboard_auth_failures_total`, logged as sampled warnings (the first per client
 * per minute, each block, and a summary a minute) and never with the key itself.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { ForbiddenError, RateLimitedError, UnauthorizedError, isAppError } from '../errors.js';
import { KeyVerifier, type Principal } from '../modules/api-keys/key-verifier.js';
import { SESSION_COOKIE, SessionStore, cookieValue } from '../modules/users/sessions.js';
import { bearerToken, secretHint } from '../modules/api-keys/secrets.js';
import { AuthThrottle } from './auth-throttle.js';
import type { Metrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    keys: KeyVerifier;
    sessions: SessionStore;
    authFailures: AuthFailures;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The session's CSRF token when the caller is a signed-in person (cookie); null for keys. */
    csrfToken: string | null;
  }
}

export type RouteKind = 'admin' | 'sdk';
export type FailureReason = 'missing' | 'malformed' | 'duplicate_header' | 'unknown' | 'revoked' | 'unverifiable' | 'wrong_kind';

/** Failures that cost a lookup, and so count towards blocking a client. */
const THROTTLED_REASONS: ReadonlySet<FailureReason> = new Set(['unknown', 'revoked', 'unverifiable']);
const SUMMARY_INTERVAL_MS = 60_000;

/** Throttles, counts and logs failed authentications on this instance. */
export class AuthFailures {
  /** Tells distinct keys apart without keeping them; keyed so nobody can craft look-alikes. */
  private readonly fingerprintKey = randomBytes(32);
  private counts = new Map<FailureReason, number>();
  private throttled = 0;

  constructor(
    private readonly throttle: AuthThrottle,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Throws 429 when the client is blocked. */
  check(request: FastifyRequest, routeKind: RouteKind): void {
    const waitMs = this.throttle.retryAfterMs(request.ip);
    if (waitMs === 0) return;
    this.throttled++;
    this.metrics.authThrottled.inc({ route_kind: routeKind });
    throw new RateLimitedError('Too many failed authentications from this address; retry later', Math.ceil(waitMs / 1000));
  }

  failed(request: FastifyRequest, routeKind: RouteKind, reason: FailureReason, token: string | null): void {
    this.metrics.authFailures.inc({ reason, route_kind: routeKind });
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    if (!THROTTLED_REASONS.has(reason) || token === null) return;
    const fingerprint = createHmac('sha256', this.fingerprintKey).update(token, 'utf8').digest().readUInt32BE(0) & 0x3fffffff;
    const outcome = this.throttle.failed(request.ip, fingerprint);
    if (outcome.first) request.log.warn({ ip: request.ip, reason, routeKind, ...tokenShape(token) }, 'authentication failed');
    if (outcome.blockMs > 0) {
      request.log.warn(
        { ip: request.ip, failures: outcome.failures, offence: outcome.offence, blockedForSeconds: Math.ceil(outcome.blockMs / 1000) },
        'authentication failures from this client: blocked',
      );
    }
  }

  /** Logs what happened since the last summary, if anything. */
  summarize(): void {
    if (this.counts.size === 0 && this.throttled === 0) return;
    this.log.warn(
      {
        failures: Object.fromEntries(this.counts),
        throttled: this.throttled,
        blockedClients: this.throttle.blockedCount(),
        trackedClients: this.throttle.size,
      },
      'authentication failures in the last minute',
    );
    this.counts = new Map();
    this.throttled = 0;
  }
}

/** What may be logged about a wrong token: the hint lists show for our own key format, else only its length. */
function tokenShape(token: string): { hint: string } | { tokenLength: number } {
  return /^sb_(admin|server|client)_[A-Za-z0-9_-]{4}/.test(token) ? { hint: secretHint(token) } : { tokenLength: token.length };
}

function authorizationHeaderCount(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

async function authenticate(keys: KeyVerifier, request: FastifyRequest, routeKind: RouteKind): Promise<Principal> {
  const failures = request.server.authFailures;
  failures.check(request, routeKind);
  // Node keeps the first of repeated Authorization headers and a proxy in front may keep
  // the last, so the two could disagree on who is calling: refuse rather than pick one.
  if (authorizationHeaderCount(request.raw.rawHeaders) > 1) {
    failures.failed(request, routeKind, 'duplicate_header', null);
    throw new UnauthorizedError('Send exactly one Authorization header');
  }
  const token = bearerToken(request.headers.authorization);
  if (!token) {
    failures.failed(request, routeKind, request.headers.authorization === undefined ? 'missing' : 'malformed', null);
    throw new UnauthorizedError();
  }
  let verification;
  try {
    verification = await keys.verify(token);
  } catch (err) {
    if (isAppError(err) && err.code === 'UNAVAILABLE') failures.failed(request, routeKind, 'unverifiable', token);
    throw err;
  }
  if (!verification.principal) {
    failures.failed(request, routeKind, verification.reason, token);
    throw new UnauthorizedError('The API key is unknown or revoked');
  }
  request.principal = verification.principal;
  return verification.principal;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A session cookie, when the request has one and no Authorization header. Cookies ride
 * along on requests other sites make, so a write must also send the session's token in a
 * header, which another site can neither read nor set.
 */
async function sessionPrincipal(sessions: SessionStore, request: FastifyRequest): Promise<Principal | null> {
  if (request.headers.authorization !== undefined) return null;
  const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
  if (!token) return null;
  const failures = request.server.authFailures;
  failures.check(request, 'admin');
  const found = await sessions.find(token);
  if (!found) {
    failures.failed(request, 'admin', 'unknown', token);
    throw new UnauthorizedError('The session has ended; sign in again');
  }
  if (!SAFE_METHODS.has(request.method) && request.headers['x-csrf-token'] !== found.csrfToken) {
    throw new ForbiddenError("A write made with the session cookie must send the session's X-CSRF-Token header");
  }
  request.principal = found.principal;
  request.csrfToken = found.csrfToken;
  return found.principal;
}

/** onRequest hook for admin routes: an admin key, or a signed-in person's session. */
export function requireAdmin(keys: KeyVerifier, sessions: SessionStore) {
  return async (request: FastifyRequest): Promise<void> => {
    if (await sessionPrincipal(sessions, request)) return;
    const principal = await authenticate(keys, request, 'admin');
    if (principal.kind !== 'admin') {
      request.server.authFailures.failed(request, 'admin', 'wrong_kind', null);
      throw new ForbiddenError('The admin API takes an admin key');
    }
  };
}

/** onRequest hook for SDK routes. */
export function requireSdkKey(keys: KeyVerifier) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = await authenticate(keys, request, 'sdk');
    if (principal.kind === 'admin' || !principal.environment) {
      request.server.authFailures.failed(request, 'sdk', 'wrong_kind', null);
      throw new ForbiddenError("SDK routes take a server or client key (an environment's key)");
    }
  };
}

export interface AuthPluginOptions {
  adminToken: string | undefined;
  /** Distinct failed keys per client IP per minute before it gets 429; 0 never blocks. */
  failuresPerMinute: number;
  /** How long ago Postgres must have confirmed a key for it to count while Postgres is unreachable. */
  keyCacheMaxAgeMs: number;
  /** How long a signed-in person's session lasts. */
  sessionTtlMs: number;
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app, opts) => {
    const keys = new KeyVerifier(app.database, app.redis, app.log, { adminToken: opts.adminToken, maxCacheAgeMs: opts.keyCacheMaxAgeMs });
    const failures = new AuthFailures(new AuthThrottle({ limit: opts.failuresPerMinute }), app.metrics, app.log);
    app.decorate('keys', keys);
    app.decorate('sessions', new SessionStore(() => app.database.readyDb(), opts.sessionTtlMs));
    app.decorate('authFailures', failures);
    app.decorateRequest('principal', null);
    app.decorateRequest('csrfToken', null);
    const flush = setInterval(() => void keys.flushLastUsed(), 60_000);
    flush.unref();
    const summary = setInterval(() => failures.summarize(), SUMMARY_INTERVAL_MS);
    summary.unref();
    app.addHook('onClose', async () => {
      clearInterval(flush);
      clearInterval(summary);
      if (app.database.ready) await keys.flushLastUsed();
    });
  },
  { name: 'auth', dependencies: ['db', 'redis', 'metrics'] },
);
