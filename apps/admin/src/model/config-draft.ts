/**
 * Editing a flag's config in one environment: the draft, what changed, and how an
 * unsaved draft follows a newer version written by someone else (a field-by-field
 * three-way merge: their changes are taken, ours are reapplied on top, and a field both
 * changed is a conflict the operator resolves).
 */
import type { Prerequisite, Rule, Serve } from '@switchboard/core';
import type { FlagConfig } from '@switchboard/api-client';
import { draftToServe, draftsToRules, ruleToDraft, serveToDraft, type FieldErrors, type RuleDraft, type ServeDraft } from './rules';

export interface ConfigDraft {
  offVariant: string;
  fallthrough: ServeDraft;
  rules: RuleDraft[];
  prerequisites: Prerequisite[];
  salt: string;
}

export const DRAFT_FIELDS = ['offVariant', 'fallthrough', 'rules', 'prerequisites', 'salt'] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];

export const FIELD_LABELS: Record<DraftField | 'enabled', string> = {
  enabled: 'Kill switch (on/off)',
  offVariant: 'Off variant',
  fallthrough: 'Default rule (everyone else)',
  rules: 'Rules',
  prerequisites: 'Prerequisites',
  salt: 'Bucketing salt',
};

export interface ConfigFields {
  enabled: boolean;
  offVariant: string;
  fallthrough: Serve;
  rules: Rule[];
  prerequisites: Prerequisite[];
  salt: string;
}

export function configToDraft(
  config: Pick<FlagConfig, 'offVariant' | 'fallthrough' | 'rules' | 'prerequisites' | 'salt'>,
  variants: string[],
): ConfigDraft {
  return {
    offVariant: config.offVariant,
    fallthrough: serveToDraft(config.fallthrough, variants),
    rules: config.rules.map((r) => ruleToDraft(r, variants)),
    prerequisites: config.prerequisites.map((p) => ({ ...p })),
    salt: config.salt,
  };
}

/** A comparable form of one field (rule uids left out). */
function canonical(draft: ConfigDraft, field: DraftField): string {
  if (field === 'rules') return JSON.stringify(draft.rules.map(({ uid: _uid, ...rest }) => rest));
  if (field === 'fallthrough') {
    const f = draft.fallthrough;
    // Weights of a fixed serve are derived; only the variant matters then.
    return JSON.stringify(
      f.mode === 'variant'
        ? { mode: f.mode, variant: f.variant }
        : { mode: f.mode, weights: normalizeWeights(f.weights), bucketBy: f.bucketBy.trim() },
    );
  }
  return JSON.stringify(draft[field]);
}

function normalizeWeights(weights: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(weights).sort()) {
    const n = Number(weights[k] === '' ? '0' : weights[k]);
    out[k] = Number.isFinite(n) ? n : NaN;
  }
  return out;
}

export function changedFields(from: ConfigDraft, to: ConfigDraft): DraftField[] {
  return DRAFT_FIELDS.filter((f) => canonical(from, f) !== canonical(to, f));
}

export interface Rebased {
  draft: ConfigDraft;
  /** Fields both we and they changed, differently. Ours are kept in `draft`. */
  conflicts: DraftField[];
  /** Fields only they changed: taken from `latest`. */
  theirs: DraftField[];
  /** Fields we changed: reapplied on top of `latest`. */
  ours: DraftField[];
}

/** Our unsaved changes (from `base` to `mine`) reapplied on `latest`. */
export function rebase(base: ConfigDraft, mine: ConfigDraft, latest: ConfigDraft): Rebased {
  const ours = changedFields(base, mine);
  const theirs = changedFields(base, latest);
  const conflicts = ours.filter((f) => theirs.includes(f) && canonical(mine, f) !== canonical(latest, f));
  const draft: ConfigDraft = { ...latest };
  for (const f of ours) (draft as unknown as Record<DraftField, unknown>)[f] = mine[f];
  return { draft, conflicts, ours, theirs: theirs.filter((f) => !ours.includes(f)) };
}

export interface DraftContext {
  variants: string[];
  segments?: string[];
  /** Keys of flags that exist (prerequisites must name one, not this one). */
  flags?: Record<string, string[]>;
  flagKey?: string;
}

/** The draft as config fields for the API, with every problem keyed by field path. */
export function draftToFields(draft: ConfigDraft, enabled: boolean, ctx: DraftContext): { fields: ConfigFields; errors: FieldErrors } {
  const { rules, errors } = draftsToRules(draft.rules, { variants: ctx.variants, ...(ctx.segments ? { segments: ctx.segments } : {}) });
  const fallthrough = draftToServe(draft.fallthrough, ctx.variants, 'fallthrough', errors);
  if (!ctx.variants.includes(draft.offVariant)) errors.offVariant = 'Choose the variant served when the flag is off';
  draft.prerequisites.forEach((p, i) => {
    if (!p.flag) errors[`prerequisites[${i}].flag`] = 'Choose a flag';
    else if (p.flag === ctx.flagKey) errors[`prerequisites[${i}].flag`] = 'A flag cannot require itself';
    else if (ctx.flags && !ctx.flags[p.flag]) errors[`prerequisites[${i}].flag`] = `Flag "${p.flag}" does not exist`;
    if (!p.variant) errors[`prerequisites[${i}].variant`] = 'Choose a variant';
    else if (ctx.flags?.[p.flag] && !ctx.flags[p.flag]!.includes(p.variant))
      errors[`prerequisites[${i}].variant`] = `"${p.variant}" is not a variant of ${p.flag}`;
  });
  const seen = new Set<string>();
  draft.prerequisites.forEach((p, i) => {
    if (p.flag && seen.has(p.flag)) errors[`prerequisites[${i}].flag`] ??= 'This flag is already a prerequisite';
    seen.add(p.flag);
  });
  if (draft.salt.length > 256) errors.salt = 'At most 256 characters';
  return {
    fields: { enabled, offVariant: draft.offVariant, fallthrough, rules, prerequisites: draft.prerequisites, salt: draft.salt },
    errors,
  };
}

/**
 * When only the default rule changed to "variant X to n %, the rest the off variant",
 * the rollout route says it best (and the audit log reads "rollout").
 */
export function asSimpleRollout(
  base: ConfigDraft,
  draft: ConfigDraft,
  fields: ConfigFields,
): { variant: string; percentage: number; bucketBy?: string } | undefined {
  const changed = changedFields(base, draft);
  if (changed.length !== 1 || changed[0] !== 'fallthrough') return undefined;
  const f = fields.fallthrough;
  if (!('rollout' in f)) return undefined;
  const total = f.rollout.reduce((n, w) => n + w.weight, 0);
  if (total !== 100_000) return undefined;
  const on = f.rollout.filter((w) => w.variant !== fields.offVariant);
  const off = f.rollout.filter((w) => w.variant === fields.offVariant);
  if (on.length !== 1 || off.length > 1) return undefined;
  const out: { variant: string; percentage: number; bucketBy?: string } = { variant: on[0]!.variant, percentage: on[0]!.weight / 1000 };
  if (f.bucketBy) out.bucketBy = f.bucketBy;
  return out;
}
