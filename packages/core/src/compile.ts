import type { EvaluationResult, Reason } from './result.js';
import type { Condition, Flag, FlagType, FlagValue, Prerequisite, Serve } from './snapshot.js';

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
  /** Null when the list itself is malformed: then it is ignored, as before compiling. */
  prerequisites: readonly Prerequisite[] | null;
  rules: readonly CompiledRule[];
  fallthrough: CompiledServe;
}

/** A prebuilt result, or null where the flag names a variant it can't serve. */
export type Served = EvaluationResult<FlagValue> | null;

export interface CompiledRule {
  /** Null when the rule is malformed: reaching it is a parse error. */
  conditions: readonly Condition[] | null;
  serve: CompiledServe;
}

export interface CompiledServe {
  /** One entry per rollout variant, or a single entry for a fixed variant. */
  results: readonly Served[];
  /** Cumulative weights; empty for a fixed variant. */
  cumulative: readonly number[];
  total: number;
  /** Bucketing attribute; null for a fixed variant, false when no context can have it. */
  bucketBy: string | null | false;
  salt: string;
  /** The serve can't be used at all (not an object, unusable weights). */
  broken: boolean;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The JS type a flag type's values and defaults must have. */
export function valueMatchesType(value: unknown, type: unknown): boolean {
  switch (type as FlagType) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'json':
      return typeof value === 'object';
    default:
      return false;
  }
}

function result(flag: Flag, variant: unknown, reason: Reason, ruleId?: string): Served {
  const variants = flag.variants;
  if (typeof variant !== 'string' || typeof variants !== 'object' || variants === null || !hasOwn.call(variants, variant)) {
    return null;
  }
  const value = variants[variant]!;
  if (!valueMatchesType(value, flag.type)) return null;
  // Frozen because one object is handed to every caller that lands on it.
  return Object.freeze(ruleId === undefined ? { value, variant, reason } : { value, variant, reason, ruleId });
}

const BROKEN: CompiledServe = Object.freeze({ results: [], cumulative: [], total: 0, bucketBy: null, salt: '', broken: true });

function compileServe(flag: Flag, target: Serve, fixedReason: Reason, salt: string, ruleId?: string): CompiledServe {
  if (typeof target !== 'object' || target === null) return BROKEN;
  const rollout = (target as { rollout?: unknown }).rollout;
  if (rollout === undefined) {
    const served = result(flag, (target as { variant?: unknown }).variant, fixedReason, ruleId);
    return { results: [served], cumulative: [], total: 0, bucketBy: null, salt, broken: false };
  }
  if (!Array.isArray(rollout)) return BROKEN;
  const results: Served[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const entry of rollout as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return BROKEN;
    const { variant, weight } = entry as { variant?: unknown; weight?: unknown };
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0) return BROKEN;
    total += weight;
    cumulative.push(total);
    results.push(result(flag, variant, 'SPLIT', ruleId));
  }
  if (total <= 0 || total > 0x7fffffff) return BROKEN;
  const by = (target as { bucketBy?: unknown }).bucketBy;
  // A bucketBy that isn't a string can never be found in a context: always unbucketed.
  return { results, cumulative, total, bucketBy: by === undefined ? 'userId' : typeof by === 'string' ? by : false, salt, broken: false };
}

export function compileFlag(flag: Flag): CompiledFlag {
  const salt = typeof flag.salt === 'string' ? flag.salt : typeof flag.key === 'string' ? flag.key : '';
  const prerequisites = Array.isArray(flag.prerequisites) ? flag.prerequisites : null;
  const rawRules = Array.isArray(flag.rules) ? (flag.rules as unknown[]) : [];
  const targeted = (prerequisites !== null && prerequisites.length > 0) || rawRules.length > 0;
  const rules = rawRules.map((rule): CompiledRule => {
    if (typeof rule !== 'object' || rule === null || !Array.isArray((rule as { conditions?: unknown }).conditions)) {
      return { conditions: null, serve: BROKEN };
    }
    const r = rule as { conditions: Condition[]; serve: Serve; id?: unknown };
    return { conditions: r.conditions, serve: compileServe(flag, r.serve, 'TARGETING_MATCH', salt, r.id as string) };
  });
  return {
    type: flag.type,
    enabled: flag.enabled === true,
    disabled: result(flag, flag.offVariant, 'DISABLED'),
    unmet: result(flag, flag.offVariant, 'PREREQUISITE_FAILED'),
    unbucketed: result(flag, flag.offVariant, 'DEFAULT'),
    prerequisites,
    rules,
    fallthrough: compileServe(flag, flag.fallthrough, targeted ? 'DEFAULT' : 'STATIC', salt),
  };
}
