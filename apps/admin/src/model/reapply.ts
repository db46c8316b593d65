/**
 * Our unsaved edits on top of a version someone else saved meanwhile: each field we
 * changed (from `base` to `mine`) keeps our value, every other field takes `latest`'s.
 * Keeping the whole form instead would write their changes back to what we started from.
 * (Targeting has its own, per-field canonical rebase in config-draft.ts.)
 */
export function reapplyEdits<T extends object>(base: T, mine: T, latest: T): T {
  const merged = { ...latest };
  for (const k of Object.keys(mine) as (keyof T)[]) {
    if (JSON.stringify(mine[k]) !== JSON.stringify(base[k])) merged[k] = mine[k];
  }
  return merged;
}
