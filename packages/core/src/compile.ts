import type { EvaluationResult, Reason } from './result.js';
import { hasOwn, valueMatchesType, type Condition, type Flag, type FlagValue, type Prerequisite, type Serve } from './snapshot.js';

/** A prebuilt result, or null where the flag names a variant it can't serve. */
export type Served = EvaluationResult<FlagValue> | null;

export interface CompiledRule {
  /** Null when the rule is malformed: reaching it is a parse error. */
  conditions: readonly Condition[] | null;
  serve: CompiledServe;
}

/**
 * A serve with its results prebuilt. It holds no salt (that is the flag's), so equal
 * serves of different flags — the same rollout percentage, a fixed `on` — can be one.
 */
export interface CompiledServe {
  /** One entry per rollout variant, or a single entry for a fixed variant. */
  results: readonly Served[];
  /** Cumulative weights; empty for a fixed variant. */
  cumulative: readonly number[];
  total: number;
  /** Bucketing attribute; null for a fixed variant, false when no context can have it. */
  bucketBy: string | null | false;
  /** The serve can't be used at all (not an object, unusable weights). */
  broken: boolean;
}

/**
 * Returns a value equal to `value` that is already held (to hold one copy), or `value`
 * itself. Compiling hands it every prebuilt result, serve and rule it builds, and each
 * rule's conditions, children before parents, so a parent's parts are already the
 * shared ones.
 */
export type Share = <T>(value: T) => T;

/**
 * A flag checked once and turned into plain records of one shape: every result it can
 * serve is built ahead of time, so evaluating is lookups, a hash and a compare, with no
 * allocation. Anything malformed becomes `null` in the spot evaluation would reach,
 * which keeps detection lazy: only the path a context takes can fail.
 */
export interface CompiledFlag {
  type: unknown;
  enabled: boolean;
  /** Served when the kill switch is pulled (`DISABLED`). */
  disabled: Served;
  /** Served when a prerequisite is unmet (`PREREQUISITE_FAILED`). */
  unmet: Served;
  /** Served when a rollout's bucketing attribute is missing (`DEFAULT`). */
  unbucketed: Served;
  /** The bucketing salt: the flag's, else its key. */
  salt: string;
  /** Empty when there are none, and when the list is malformed: then it is ignored. */
  prerequisites: readonly Prerequisite[];
  /** The rules, compiled. */
  targets: readonly CompiledRule[];
  /** The fallthrough, compiled. */
  fallback: CompiledServe;
}

/**
 * Flags that are their own compiled form extend this (see `compileFlag`): evaluation
 * uses such a flag as it is. Empty, so the browser's evaluator carries almost nothing
 * for it.
 */
export class Precompiled {}

const same: Share = (value) => value;
// Internal and never changed, so not frozen.
const NONE: readonly never[] = [];
const BROKEN: CompiledServe = { results: NONE, cumulative: NONE, total: 0, bucketBy: null, broken: true };

/**
 * Compiles a flag; `share` (none: nothing is shared) may replace each part by an equal
 * one already held. Reads the flag without judging it: see `CompiledFlag`.
 */
export function compile(flag: Flag, share: Share = same): CompiledFlag {
  const variants = flag.variants;
  const result = (variant: unknown, reason: Reason, ruleId?: string): Served => {
    if (typeof variant !== 'string' || typeof variants !== 'object' || variants === null || !hasOwn.call(variants, variant)) {
      return null;
    }
    const value = variants[variant]!;
    if (!valueMatchesType(value, flag.type)) return null;
    // Frozen because one object is handed to every caller that lands on it.
    return share(Object.freeze(ruleId === undefined ? { value, variant, reason } : { value, variant, reason, ruleId }));
  };
  const compileServe = (target: Serve, fixedReason: Reason, ruleId?: string): CompiledServe => {
    if (typeof target !== 'object' || target === null) return BROKEN;
    const rollout = (target as { rollout?: unknown }).rollout;
    if (rollout === undefined) {
      return share({
        results: [result((target as { variant?: unknown }).variant, fixedReason, ruleId)],
        cumulative: NONE,
        total: 0,
        bucketBy: null,
        broken: false,
      });
    }
    if (!Array.isArray(rollout)) return BROKEN;
    const results: Served[] = [];
    const cumulative: number[] = [];
    let total = 0;
    for (const entry of rollout as unknown[]) {
      if (typeof entry !== 'object' || entry === null) return BROKEN;
      const { variant, weight } = entry as { variant?: unknown; weight?: unknown };
      // Number.isInteger is false for anything but an integer number.
      if (!Number.isInteger(weight) || (weight as number) < 0) return BROKEN;
      total += weight as number;
      cumulative.push(total);
      results.push(result(variant, 'SPLIT', ruleId));
    }
    if (total <= 0 || total > 0x7fffffff) return BROKEN;
    const by = (target as { bucketBy?: unknown }).bucketBy;
    // A bucketBy that isn't a string can never be found in a context: always unbucketed.
    return share({
      results,
      cumulative,
      total,
      bucketBy: by === undefined ? 'userId' : typeof by === 'string' ? by : false,
      broken: false,
    });
  };
  const salt = typeof flag.salt === 'string' ? flag.salt : typeof flag.key === 'string' ? flag.key : '';
  const prerequisites = Array.isArray(flag.prerequisites) ? flag.prerequisites : NONE;
  const rawRules = Array.isArray(flag.rules) ? (flag.rules as unknown[]) : NONE;
  const targeted = prerequisites.length > 0 || rawRules.length > 0;
  const targets = rawRules.map((rule): CompiledRule => {
    if (typeof rule !== 'object' || rule === null || !Array.isArray((rule as { conditions?: unknown }).conditions)) {
      return { conditions: null, serve: BROKEN };
    }
    const r = rule as { conditions: Condition[]; serve: Serve; id?: unknown };
    return share({ conditions: share(r.conditions), serve: compileServe(r.serve, 'TARGETING_MATCH', r.id as string) });
  });
  const off = flag.offVariant;
  return {
    type: flag.type,
    enabled: flag.enabled === true,
    disabled: result(off, 'DISABLED'),
    unmet: result(off, 'PREREQUISITE_FAILED'),
    unbucketed: result(off, 'DEFAULT'),
    salt,
    prerequisites,
    targets,
    fallback: compileServe(flag.fallthrough, targeted ? 'DEFAULT' : 'STATIC'),
  };
}
