/**
 * Stale flags in the UI: a badge for a flag the server calls stale (temporary, one variant
 * everywhere or no evaluations for its threshold) and a filter control for the flags list.
 * The verdict is the server's (`staleness` on flag answers); nothing is judged here.
 */
import type { FlagStaleness } from '@switchboard/api-client';
import { timeAgo } from '../model/status';

/** A threshold in days as people say it: `14 days`, `6 hours`, `30 minutes`. */
export function thresholdText(days: number): string {
  const round = (n: number) => String(Number(n.toFixed(1)));
  const unit = (n: number, word: string) => `${round(n)} ${word}${round(n) === '1' ? '' : 's'}`;
  if (days >= 1) return unit(days, 'day');
  const seconds = days * 86_400;
  if (seconds >= 3600) return unit(seconds / 3600, 'hour');
  if (seconds >= 60) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}

/** Why the server called it stale, in a sentence. */
export function staleReason(s: FlagStaleness): string {
  const period = thresholdText(s.staleAfterDays);
  if (s.status === 'inactive') return `Not evaluated anywhere for ${period}: probably unused. Consider removing it from code.`;
  const variants = [...new Set(Object.values(s.environments).flatMap((e) => e.variantsServed))];
  const serving = variants.length === 1 ? `“${variants[0]}”` : 'one variant';
  return `Served ${serving} in every environment for ${period}: fully launched. Consider removing it from code.`;
}

export function StaleBadge({ staleness }: { staleness: FlagStaleness | undefined }) {
  if (!staleness?.stale) return null;
  const reason = staleReason(staleness);
  return (
    <span className="badge badge--stale" title={reason} aria-label={`Stale: ${reason}`}>
      Stale · {staleness.status === 'inactive' ? 'unused' : 'launched'}
    </span>
  );
}

/** "Stale only": the list asks the server for `?stale=true`, so paging and totals stay right. */
export function StaleFilter({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="check filters__check" title="Temporary flags serving one variant everywhere, or not evaluated, for their threshold">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>Stale only</span>
    </label>
  );
}

/** One line under a flag's heading: when SDKs last evaluated it and what each environment served within its threshold. */
export function UsageSummary({ staleness }: { staleness: FlagStaleness | undefined }) {
  if (!staleness) return null;
  const envs = Object.entries(staleness.environments);
  const served = envs.map(([env, u]) => `${env}: ${u.variantsServed.length > 0 ? u.variantsServed.join(', ') : 'nothing recently'}`);
  return (
    <p className="muted usage-summary" aria-label="Usage">
      {staleness.lastEvaluatedAt === null ? 'Never evaluated by an SDK' : `Last evaluated ${timeAgo(staleness.lastEvaluatedAt)}`}
      {served.length > 0 ? ` · served in the last ${thresholdText(staleness.staleAfterDays)}: ${served.join(' · ')}` : ''}
      {staleness.stale ? '' : staleness.status === 'new' ? ` · too new to judge (${thresholdText(staleness.staleAfterDays)})` : ''}
    </p>
  );
}
