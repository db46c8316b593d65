import { pickVariant } from './bucketing.js';
import { matchesCondition } from './conditions.js';
import type { ErrorCode, EvaluationResult, Reason } from './result.js';
import type { EvaluationContext, FixedServe, Flag, FlagType, RolloutServe, Serve, Snapshot } from './snapshot.js';

/** How deep prerequisite chains may go; deeper is treated as a cycle. */
export const MAX_PREREQUISITE_DEPTH = 16;

const hasOwn = Object.prototype.hasOwnProperty;

/** The JS type a flag type's values and defaults must have. */
export function valueMatchesType(value: unknown, type: FlagType): boolean {
  switch (type) {
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

function failure<T>(value: T, errorCode: ErrorCode): EvaluationResult<T> {
  return { value, reason: 'ERROR', errorCode };
}

// A served variant becomes a result, or a parse error when the flag names a variant it
// doesn't define or whose value has the wrong type.
function serve<T>(flag: Flag, variant: string | undefined, reason: Reason, fallback: T, ruleId?: string): EvaluationResult<T> {
  const variants = flag.variants;
  if (variant === undefined || typeof variants !== 'object' || variants === null || !hasOwn.call(variants, variant)) {
    return failure(fallback, 'PARSE_ERROR');
  }
  const value = variants[variant];
  if (!valueMatchesType(value, flag.type)) return failure(fallback, 'PARSE_ERROR');
  return ruleId === undefined
    ? { value: value as T, variant, reason }
    : { value: value as T, variant, reason, ruleId };
}

function bucketingValue(context: EvaluationContext, attribute: string): string | undefined {
  // Plain property access: an inherited property is never a string or number, so it
  // can't be mistaken for an id, and the own-property check would cost on the hot path.
  const v = context[attribute];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function serveFrom<T>(flag: Flag, target: Serve, context: EvaluationContext, fallback: T, fixedReason: Reason, ruleId?: string): EvaluationResult<T> {
  if (typeof target !== 'object' || target === null) return failure(fallback, 'PARSE_ERROR');
  const rollout = (target as RolloutServe).rollout;
  if (rollout !== undefined) {
    if (!Array.isArray(rollout)) return failure(fallback, 'PARSE_ERROR');
    const by = (target as RolloutServe).bucketBy ?? 'userId';
    const id = typeof by === 'string' ? bucketingValue(context, by) : undefined;
    // Without the bucketing attribute there is no stable bucket; a random one would
    // flip users between variants, so they get the off variant instead.
    if (id === undefined) return serve(flag, flag.offVariant, 'DEFAULT', fallback);
    const salt = typeof flag.salt === 'string' ? flag.salt : flag.key;
    return serve(flag, pickVariant(salt, id, rollout), 'SPLIT', fallback, ruleId);
  }
  return serve(flag, (target as FixedServe).variant, fixedReason, fallback, ruleId);
}

// Marks a prerequisite chain that ran past MAX_PREREQUISITE_DEPTH: a cycle. It travels
// up the chain so the flag asked for reports PARSE_ERROR, where any other failure of a
// prerequisite just leaves it unmet.
const CYCLE: EvaluationResult<never> = { value: undefined as never, reason: 'ERROR', errorCode: 'PARSE_ERROR' };

function resolve<T>(snapshot: Snapshot, flag: Flag, context: EvaluationContext, fallback: T, depth: number): EvaluationResult<T> {
  if (flag.enabled !== true) return serve(flag, flag.offVariant, 'DISABLED', fallback);
  const prerequisites = flag.prerequisites;
  const rules = flag.rules;
  const targeted = (Array.isArray(prerequisites) && prerequisites.length > 0) || (Array.isArray(rules) && rules.length > 0);
  if (Array.isArray(prerequisites)) {
    for (let i = 0; i < prerequisites.length; i++) {
      const p = prerequisites[i]!;
      const parent = typeof p === 'object' && p !== null && hasOwn.call(snapshot.flags, p.flag) ? snapshot.flags[p.flag] : undefined;
      if (parent === undefined) return serve(flag, flag.offVariant, 'PREREQUISITE_FAILED', fallback);
      if (typeof parent !== 'object' || parent === null) return failure(fallback, 'PARSE_ERROR');
      // A chain this deep can only be a cycle (the validator caps real chains far lower).
      if (depth >= MAX_PREREQUISITE_DEPTH) return CYCLE;
      const outcome = resolve(snapshot, parent, context, undefined, depth + 1);
      if (outcome === CYCLE) return CYCLE;
      if (outcome.reason === 'ERROR' || outcome.variant !== p.variant) {
        return serve(flag, flag.offVariant, 'PREREQUISITE_FAILED', fallback);
      }
    }
  }
  if (Array.isArray(rules)) {
    const segments = snapshot.segments;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      const conditions = typeof rule === 'object' && rule !== null ? rule.conditions : undefined;
      if (!Array.isArray(conditions)) return failure(fallback, 'PARSE_ERROR');
      let all = true;
      for (let j = 0; j < conditions.length; j++) {
        if (!matchesCondition(conditions[j]!, context, segments)) {
          all = false;
          break;
        }
      }
      if (all) return serveFrom(flag, rule!.serve, context, fallback, 'TARGETING_MATCH', rule!.id);
    }
  }
  return serveFrom(flag, flag.fallthrough, context, fallback, targeted ? 'DEFAULT' : 'STATIC');
}

/**
 * Evaluates one flag for one context against a snapshot. Pure and total: no I/O, no
 * clock, and it never throws — an unknown flag, a default of the wrong type or a
 * malformed flag returns `defaultValue` with reason `ERROR` and an error code.
 *
 * @param snapshot the environment's flag document
 * @param flagKey the flag to evaluate
 * @param context who is asking; `userId` is the default bucketing attribute
 * @param defaultValue returned on any error; its type must match the flag's type
 */
export function evaluate<T>(snapshot: Snapshot, flagKey: string, context: EvaluationContext, defaultValue: T): EvaluationResult<T> {
  try {
    const flags = typeof snapshot === 'object' && snapshot !== null ? snapshot.flags : undefined;
    if (typeof flags !== 'object' || flags === null || !hasOwn.call(flags, flagKey)) {
      return failure(defaultValue, 'FLAG_NOT_FOUND');
    }
    const flag = flags[flagKey]!;
    if (typeof flag !== 'object' || flag === null) return failure(defaultValue, 'PARSE_ERROR');
    if (!valueMatchesType(defaultValue, flag.type)) return failure(defaultValue, 'TYPE_MISMATCH');
    const ctx = typeof context === 'object' && context !== null ? context : {};
    const result = resolve(snapshot, flag, ctx, defaultValue, 0);
    return result === CYCLE ? failure(defaultValue, 'PARSE_ERROR') : result;
  } catch {
    // Unreachable for JSON-shaped snapshots; kept so hostile inputs (getters, proxies)
    // still can't make evaluation throw.
    return failure(defaultValue, 'GENERAL');
  }
}
