/**
 * Failed authentications per client, judged before any key lookup; the blocking rules are
 * in the server README, "Failed authentication".
 */
import { clientAddress } from '../http/client-address.js';

export interface AuthThrottleOptions {
  /** Distinct failed keys per client per minute before it is blocked; 0 never blocks (failures are still tracked for log sampling). */
  limit: number;
  maxClients?: number;
  baseBlockMs?: number;
  maxBlockMs?: number;
  now?: () => number;
}

export interface FailureOutcome {
  /** The first failure of this client's current window (log it). */
  first: boolean;
  /** A block that this failure started, in ms (0: none). */
  blockMs: number;
  /** Offences so far, this one included, when a block started. */
  offence: number;
  /** Distinct failed keys counted in the window that ended in the block. */
  failures: number;
}

interface ClientEntry {
  windowStart: number;
  /** Fingerprints of the distinct keys that failed in this window (bounded). */
  seen: Set<number>;
  failures: number;
  blockedUntil: number;
  offences: number;
}

const WINDOW_MS = 60_000;
/** Beyond this many fingerprints per client, every failure counts. */
const MAX_FINGERPRINTS = 256;

export class AuthThrottle {
  private readonly clients = new Map<string, ClientEntry>();
  private readonly limit: number;
  private readonly maxClients: number;
  private readonly baseBlockMs: number;
  private readonly maxBlockMs: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(options: AuthThrottleOptions) {
    this.limit = options.limit;
    this.maxClients = options.maxClients ?? 10_000;
    this.baseBlockMs = options.baseBlockMs ?? 60_000;
    this.maxBlockMs = options.maxBlockMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Clients blocked right now. */
  blockedCount(): number {
    const now = this.now();
    let n = 0;
    for (const entry of this.clients.values()) if (entry.blockedUntil > now) n++;
    return n;
  }

  /** How long this client must wait before trying again (0: not blocked). */
  retryAfterMs(ip: string): number {
    if (this.limit === 0) return 0;
    const entry = this.clients.get(clientAddress(ip));
    return entry ? Math.max(0, entry.blockedUntil - this.now()) : 0;
  }

  /** Records a failed key (`fingerprint` tells distinct keys apart). */
  failed(ip: string, fingerprint: number): FailureOutcome {
    const now = this.now();
    const key = clientAddress(ip);
    let entry = this.clients.get(key);
    if (entry) {
      // Most recently failing clients last: eviction takes the quietest.
      this.clients.delete(key);
    } else {
      this.makeRoom(now);
      entry = { windowStart: now, seen: new Set(), failures: 0, blockedUntil: 0, offences: 0 };
    }
    this.clients.set(key, entry);
    if (now - entry.windowStart >= WINDOW_MS) {
      entry.windowStart = now;
      entry.seen.clear();
      entry.failures = 0;
    }
    const first = entry.failures === 0;
    const none = { first, blockMs: 0, offence: entry.offences, failures: entry.failures };
    if (entry.seen.has(fingerprint)) return none;
    if (entry.seen.size < MAX_FINGERPRINTS) entry.seen.add(fingerprint);
    entry.failures++;
    if (this.limit === 0 || entry.failures < this.limit) return { ...none, failures: entry.failures };

    if (entry.offences > 0 && now - entry.blockedUntil > this.maxBlockMs) entry.offences = 0;
    entry.offences++;
    const blockMs = Math.min(this.baseBlockMs * 2 ** (entry.offences - 1), this.maxBlockMs);
    const failures = entry.failures;
    entry.blockedUntil = now + blockMs;
    // The next window starts when the block ends.
    entry.windowStart = entry.blockedUntil;
    entry.seen.clear();
    entry.failures = 0;
    return { first, blockMs, offence: entry.offences, failures };
  }

  private makeRoom(now: number): void {
    if (this.clients.size < this.maxClients) return;
    // Dropping entries that no longer matter costs a pass over the table: at most once a second.
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      for (const [key, entry] of this.clients) if (this.expired(entry, now)) this.clients.delete(key);
    }
    while (this.clients.size >= this.maxClients) {
      const oldest = this.clients.keys().next();
      if (oldest.done) break;
      this.clients.delete(oldest.value);
    }
  }

  private expired(entry: ClientEntry, now: number): boolean {
    if (now - entry.windowStart < WINDOW_MS) return false;
    return entry.offences === 0 || now - entry.blockedUntil > this.maxBlockMs;
  }
}
