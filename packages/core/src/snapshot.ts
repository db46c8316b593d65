/**
 * The flag document as SDKs receive it: one environment's flags and segments at one
 * revision. Everything here is plain JSON so any language can read it.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type FlagType = 'boolean' | 'string' | 'number' | 'json';

/** A variant's value; its JS type must agree with the flag's `type`. */
export type FlagValue = JsonValue;

export const SCHEMA_VERSION = 1;

/**
 * Own-property check for the records a snapshot holds (flags, variants, segments, a
 * context): an inherited name such as `toString` is never a flag or an attribute.
 * Internal to core; one shared copy keeps browser bundles smaller.
 */
export const hasOwn = Object.prototype.hasOwnProperty;

/** The JS type a flag type's values and defaults must have. */
export function valueMatchesType(value: unknown, type: unknown): boolean {
  // Each `typeof value === '<literal>'` compiles to a type check; Number.isFinite is false
  // for anything but a finite number, so it checks the type too.
  return type === 'boolean'
    ? typeof value === 'boolean'
    : type === 'string'
      ? typeof value === 'string'
      : type === 'number'
        ? Number.isFinite(value)
        : type === 'json' && typeof value === 'object';
}

export interface Snapshot {
  schemaVersion: number;
  environment: string;
  /** Monotonic per environment; bumps on every committed change. */
  revision: number;
  flags: Record<string, Flag>;
  segments?: Record<string, Segment>;
}

export interface Flag {
  key: string;
  /** Per-environment config version; SDKs ignore updates that are not newer. */
  version: number;
  type: FlagType;
  /** `false` is the kill switch: every context gets `offVariant`. */
  enabled: boolean;
  variants: Record<string, FlagValue>;
  offVariant: string;
  /** Bucketing salt; defaults to the flag key. Two flags with one salt bucket users together. */
  salt?: string;
  prerequisites?: Prerequisite[];
  rules?: Rule[];
  fallthrough: Serve;
  /** Set on flags a client key may see; informational inside a snapshot. */
  clientSide?: boolean;
  /**
   * Context attributes whose targeting values must never reach a browser. A client-side
   * flag whose rules or segments read one is evaluated on the server for browsers.
   */
  privateAttributes?: string[];
}

/** Met when the named flag, evaluated for the same context, serves `variant`. */
export interface Prerequisite {
  flag: string;
  variant: string;
}

export interface Rule {
  id: string;
  /** All must match (AND). An empty list matches every context. */
  conditions: Condition[];
  serve: Serve;
}

export type Serve = FixedServe | RolloutServe;

export interface FixedServe {
  variant: string;
}

export interface RolloutServe {
  /** Cumulative weights choose the variant; the total is the bucket count (100,000 for percentages). */
  rollout: WeightedVariant[];
  /** Context attribute hashed for bucketing; defaults to `userId`. */
  bucketBy?: string;
}

export interface WeightedVariant {
  variant: string;
  weight: number;
}

export type Operator =
  | 'in'
  | 'notIn'
  | 'eq'
  | 'neq'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'matches'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'before'
  | 'after'
  | 'semverEq'
  | 'semverLt'
  | 'semverGt'
  | 'exists'
  | 'inSegment';

export type ConditionValue = string | number | boolean;

export interface Condition {
  /** Context attribute; ignored by `inSegment`. */
  attribute: string;
  operator: Operator;
  /** Any one matching is enough (OR). For `inSegment`, segment keys. */
  values: ConditionValue[];
  /** Inverts a definite result. A condition made false by a bad value stays false. */
  negate?: boolean;
  /** String operators compare case-insensitively. */
  caseInsensitive?: boolean;
}

export interface Segment {
  key: string;
  /** `userId` values always in the segment. */
  included?: string[];
  /** Values always out of the segment; wins over `included` and conditions. */
  excluded?: string[];
  /** All must match (AND). An empty list matches nobody (only `included` can add members). */
  conditions: Condition[];
}

/** What a caller passes in: a user id and any attributes to target on. */
export interface EvaluationContext {
  userId?: string;
  [attribute: string]: unknown;
}
