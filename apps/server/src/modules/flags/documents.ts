/**
 * How stored rows become the flag document SDKs receive, and the defaults a new flag
 * gets in every environment.
 */
import type { Flag, FlagType, FlagValue, Segment } from '@switchboard/core';
import { validateFlag, type ValidationIssue } from '@switchboard/core/validate';
import type { ConfigFields, FlagRow, SegmentRow } from '../../db/schema/index.js';

type FlagIdentity = Pick<FlagRow, 'key' | 'type' | 'variants' | 'clientSide' | 'privateAttributes'>;

export const BOOLEAN_VARIANTS: Record<string, FlagValue> = { on: true, off: false };

/** The off variant a new flag starts with: `off` for boolean flags that have one, else the first variant. */
export function defaultOffVariant(type: FlagType, variants: Record<string, FlagValue>): string {
  if (type === 'boolean' && Object.hasOwn(variants, 'off')) return 'off';
  return Object.keys(variants)[0] ?? 'off';
}

/** A new flag's config in each environment: disabled, serving the off variant to everyone. */
export function defaultConfigFields(flag: Pick<FlagRow, 'key' | 'type' | 'variants'>): ConfigFields {
  const offVariant = defaultOffVariant(flag.type, flag.variants);
  return { enabled: false, offVariant, fallthrough: { variant: offVariant }, rules: [], prerequisites: [], salt: flag.key };
}

/**
 * The flag document for one environment. `clientSide` is only present when true,
 * `privateAttributes` only when non-empty (so documents without them stay as they were).
 */
export function flagDocument(flag: FlagIdentity, config: ConfigFields, version: number): Flag {
  const doc: Flag = {
    key: flag.key,
    version,
    type: flag.type,
    enabled: config.enabled,
    variants: flag.variants,
    offVariant: config.offVariant,
    salt: config.salt,
    prerequisites: config.prerequisites,
    rules: config.rules,
    fallthrough: config.fallthrough,
  };
  if (flag.clientSide) doc.clientSide = true;
  if (flag.privateAttributes.length > 0) doc.privateAttributes = flag.privateAttributes;
  return doc;
}

/** What a flag document must satisfy to be stored: core's `validateFlag` (any operator works on private attributes). */
export function flagIssues(doc: Flag): ValidationIssue[] {
  return validateFlag(doc);
}

export function configFields(row: ConfigFields): ConfigFields {
  return {
    enabled: row.enabled,
    offVariant: row.offVariant,
    fallthrough: row.fallthrough,
    rules: row.rules,
    prerequisites: row.prerequisites,
    salt: row.salt,
  };
}

export function segmentDocument(row: Pick<SegmentRow, 'key' | 'included' | 'excluded' | 'conditions'>): Segment {
  const doc: Segment = { key: row.key, conditions: row.conditions };
  if (row.included.length > 0) doc.included = row.included;
  if (row.excluded.length > 0) doc.excluded = row.excluded;
  return doc;
}
