/**
 * Whether a flag is stale, from what SDKs reported serving (pure: no I/O, the clock passed in).
 * The rules and why are in docs/decisions/stale-flags.md; `staleFilter` in store.ts is the same
 * rule in SQL for `GET /flags?stale=`, and the tests hold the two together.
 */
import type { StaleReason } from '../../db/schema/index.js';

export const DAY_MS = 24 * 60 * 60_000;

/**
 * `new`: fewer than N days of history (the flag, or usage tracking, is younger); `active`:
 * more than one variant served in the last N days (or only the callers' defaults);
 * `launched`: one variant everywhere for N days; `inactive`: not evaluated anywhere for N days.
 */
export type UsageStatus = 'new' | 'active' | StaleReason;

export interface UsageRow {
  environment: string;
  /** `''` when the caller's default was returned. */
  variant: string;
  lastSeen: number;
}

export interface StalenessInput {
  temporary: boolean;
  archived: boolean;
  createdAt: number;
  /** When usage started being recorded for this flag; undefined before the stale check first saw it. */
  trackedSince: number | undefined;
  staleAfterDays: number;
  usage: readonly UsageRow[];
}

export interface EnvironmentUsage {
  /** The last minute an SDK reported evaluating the flag here (defaults included). */
  lastEvaluatedAt: string;
  /** Variants served here in the last N days, sorted. */
  variantsServed: string[];
}

export interface Staleness {
  stale: boolean;
  status: UsageStatus;
  staleAfterDays: number;
  /** The latest `lastEvaluatedAt` over every environment; null when never evaluated. */
  lastEvaluatedAt: string | null;
  /** Environments an SDK reported evaluating the flag in, ever (as far as usage is kept). */
  environments: Record<string, EnvironmentUsage>;
}

/** The status and per-environment usage of one flag at `now`. Permanent and archived flags are never stale. */
export function staleness(input: StalenessInput, now: number): Staleness {
  const since = now - input.staleAfterDays * DAY_MS;
  const perEnv = new Map<string, { last: number; variants: Set<string> }>();
  const recent = new Set<string>();
  let evaluatedRecently = false;
  let last: number | undefined;
  for (const row of input.usage) {
    let env = perEnv.get(row.environment);
    if (!env) perEnv.set(row.environment, (env = { last: row.lastSeen, variants: new Set() }));
    env.last = Math.max(env.last, row.lastSeen);
    last = last === undefined ? row.lastSeen : Math.max(last, row.lastSeen);
    if (row.lastSeen < since) continue;
    evaluatedRecently = true;
    if (row.variant === '') continue;
    env.variants.add(row.variant);
    recent.add(row.variant);
  }
  const watchedSince = input.trackedSince === undefined ? undefined : Math.max(input.trackedSince, input.createdAt);
  let status: UsageStatus;
  if (watchedSince === undefined || watchedSince > since) status = 'new';
  else if (!evaluatedRecently) status = 'inactive';
  else if (recent.size === 1) status = 'launched';
  else status = 'active';
  const environments: Record<string, EnvironmentUsage> = {};
  for (const [key, env] of [...perEnv].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    environments[key] = { lastEvaluatedAt: new Date(env.last).toISOString(), variantsServed: [...env.variants].sort() };
  }
  return {
    stale: input.temporary && !input.archived && (status === 'launched' || status === 'inactive'),
    status,
    staleAfterDays: input.staleAfterDays,
    lastEvaluatedAt: last === undefined ? null : new Date(last).toISOString(),
    environments,
  };
}

/** Per (flag, variant): the first and last minute of one batch's aggregated rows, sorted so concurrent batches lock in one order. */
export function usageRows(
  rows: readonly { flagKey: string; variant: string; bucket: number }[],
): { flagKey: string; variant: string; firstSeen: number; lastSeen: number }[] {
  const out = new Map<string, { flagKey: string; variant: string; firstSeen: number; lastSeen: number }>();
  for (const r of rows) {
    const key = `${r.flagKey}\u0000${r.variant}`;
    const seen = out.get(key);
    if (!seen) out.set(key, { flagKey: r.flagKey, variant: r.variant, firstSeen: r.bucket, lastSeen: r.bucket });
    else {
      seen.firstSeen = Math.min(seen.firstSeen, r.bucket);
      seen.lastSeen = Math.max(seen.lastSeen, r.bucket);
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}
