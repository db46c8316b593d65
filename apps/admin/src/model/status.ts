/**
 * A flag's state in one environment at a glance (off / on / rolling out n% / targeted)
 * and whether it looks like a clean-up candidate.
 */
import type { Serve } from '@switchboard/core';

export interface StatusInput {
  enabled: boolean;
  offVariant: string;
  fallthrough: Serve;
  ruleCount: number;
  prerequisiteCount?: number;
}

export type StatusKind = 'off' | 'on' | 'rollout' | 'targeted';

export interface FlagStatus {
  kind: StatusKind;
  /** Short words for the badge: "Off", "On", "Rolling out 25%", "Targeted". */
  label: string;
  /** What everyone else gets: "serves on", "25% on, rest off". */
  detail: string;
  /** Enabled, untargeted, and serving one variant other than the off variant to everyone. */
  fullyRolledOut: boolean;
}

/** Percent with up to 3 decimals, no trailing zeros: 25, 12.5, 0.001. */
export function formatPercent(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** Shares of each variant in a rollout, in percent. */
export function rolloutShares(serve: Serve): { variant: string; percent: number }[] {
  if (!('rollout' in serve)) return [{ variant: serve.variant, percent: 100 }];
  const total = serve.rollout.reduce((n, w) => n + w.weight, 0);
  return serve.rollout.map((w) => ({ variant: w.variant, percent: total > 0 ? (w.weight * 100) / total : 0 }));
}

/** The one variant everyone gets from `serve`, if it serves only one. */
export function singleVariant(serve: Serve): string | undefined {
  const live = rolloutShares(serve).filter((s) => s.percent > 0);
  return live.length === 1 ? live[0]!.variant : undefined;
}

export function serveDetail(serve: Serve, offVariant: string): string {
  const only = singleVariant(serve);
  if (only !== undefined) return `serves ${only}`;
  const shares = rolloutShares(serve).filter((s) => s.percent > 0);
  if (shares.length === 2 && shares.some((s) => s.variant === offVariant)) {
    const on = shares.find((s) => s.variant !== offVariant)!;
    return `${formatPercent(on.percent)}% ${on.variant}, rest ${offVariant}`;
  }
  return shares.map((s) => `${formatPercent(s.percent)}% ${s.variant}`).join(', ');
}

export function flagStatus(c: StatusInput): FlagStatus {
  const detail = c.enabled ? serveDetail(c.fallthrough, c.offVariant) : `serves ${c.offVariant} to everyone`;
  const only = singleVariant(c.fallthrough);
  const fullyRolledOut = c.enabled && c.ruleCount === 0 && (c.prerequisiteCount ?? 0) === 0 && only !== undefined && only !== c.offVariant;
  if (!c.enabled) return { kind: 'off', label: 'Off', detail, fullyRolledOut };
  if (c.ruleCount > 0) {
    return {
      kind: 'targeted',
      label: `Targeted · ${c.ruleCount} ${c.ruleCount === 1 ? 'rule' : 'rules'}`,
      detail: `else ${detail}`,
      fullyRolledOut,
    };
  }
  if (only === undefined) {
    const shares = rolloutShares(c.fallthrough).filter((s) => s.percent > 0);
    const on = shares.filter((s) => s.variant !== c.offVariant);
    if (on.length === 1) return { kind: 'rollout', label: `Rolling out ${formatPercent(on[0]!.percent)}%`, detail, fullyRolledOut };
    return { kind: 'rollout', label: `Split ${shares.length} ways`, detail, fullyRolledOut };
  }
  if (only === c.offVariant) return { kind: 'on', label: `On · ${only}`, detail, fullyRolledOut };
  return { kind: 'on', label: 'On', detail, fullyRolledOut };
}

const DAY = 24 * 60 * 60 * 1000;
/** A temporary flag unchanged this long is probably forgotten. */
export const STALE_AFTER_DAYS = 60;
/** A temporary flag serving one variant to everyone this long can probably be removed from code. */
export const ROLLED_OUT_AFTER_DAYS = 14;

export interface CleanupHint {
  reason: 'stale' | 'rolled-out';
  days: number;
  text: string;
}

/** Why this flag may be ready to remove, or undefined. Permanent flags are never candidates. */
export function cleanupHint(
  input: { temporary: boolean; status: FlagStatus; lastChangeAt: string | undefined },
  now = Date.now(),
): CleanupHint | undefined {
  if (!input.temporary || !input.lastChangeAt) return undefined;
  const at = Date.parse(input.lastChangeAt);
  if (Number.isNaN(at)) return undefined;
  const days = Math.floor((now - at) / DAY);
  if (input.status.fullyRolledOut && days >= ROLLED_OUT_AFTER_DAYS) {
    return { reason: 'rolled-out', days, text: `Fully rolled out for ${days} days` };
  }
  if (days >= STALE_AFTER_DAYS) return { reason: 'stale', days, text: `Unchanged for ${days} days` };
  return undefined;
}

/** "3 min ago", "yesterday", "12 Mar 2025". */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 30) return `${d} days ago`;
  return new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}
