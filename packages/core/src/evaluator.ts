/**
 * `@switchboard/core/evaluator`: the compact evaluation engine, for browser bundles. It
 * interprets the flag document on every call — no compile step, no prebuilt results, no
 * cache — and gives exactly the results of the main entry's compiled engine
 * (compiled-evaluator.ts), which exists for Node's speed; a page evaluates a handful of
 * flags per render, so here bytes count and time doesn't. The parser-backed operators
 * (`matches`, `before`/`after`, `semver*`) are injected rather than imported, and the
 * hash defaults to the compact murmur3: this module must import neither the fast murmur3
 * nor compile.ts, or every browser bundle carries them.
 *
 * It also defines what both engines share: the `Evaluate` signature, the options and
 * `MAX_PREREQUISITE_DEPTH`.
 */
import { bucketOf } from './bucketing.js';
import { conditionMatches, type ExtendedOperators } from './conditions.js';
import { murmur3Compact } from './murmur3-compact.js';
import type { ErrorCode, EvaluationResult, Reason } from './result.js';
import { hasOwn, valueMatchesType, type EvaluationContext, type Flag, type FlagValue, type Snapshot } from './snapshot.js';

export type { ExtendedOperators };
export { murmur3Compact };

/**
 * MurmurHash3 x86_32 (seed 0) of the UTF-8 of `salt + value`, unsigned: `murmur3` or
 * `murmur3Compact`. Nothing else: another function would move users between variants.
 */
export type BucketingHash = (salt: string, value: string) => number;

export interface EvaluatorOptions {
  /** Defaults to `murmur3Compact` here and to the faster `murmur3` on the main entry. */
  hash?: BucketingHash;
}

/** `evaluate`'s signature: see its documentation in the main entry. */
export type Evaluate = <T>(snapshot: Snapshot, flagKey: string, context: EvaluationContext, defaultValue: T) => EvaluationResult<T>;

/** How deep prerequisite chains may go; deeper is treated as a cycle. */
export const MAX_PREREQUISITE_DEPTH = 16;

/**
 * What resolving a flag gives: a result, `null` where a malformed spot was reached, or
 * `CYCLE` for a prerequisite chain past MAX_PREREQUISITE_DEPTH. CYCLE travels up the
 * chain so the flag asked for reports PARSE_ERROR, where any other failure of a
 * prerequisite just leaves it unmet.
 */
type Outcome = EvaluationResult<FlagValue> | null | typeof CYCLE;
const CYCLE = 0;

// The flag document as evaluation reads it: any field may hold anything.
type Loose = { [field: string]: unknown };

const failure = <T>(value: T, errorCode: ErrorCode): EvaluationResult<T> => ({ value, reason: 'ERROR', errorCode });

/** A list field; anything else counts as none. */
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** What serving `variant` gives, or null when the flag can't serve it. */
function result(flag: Loose, variant: unknown, reason: Reason, ruleId?: unknown): EvaluationResult<FlagValue> | null {
  const variants = flag.variants as Record<string, FlagValue>;
  if (typeof variant !== 'string' || typeof variants !== 'object' || variants === null || !hasOwn.call(variants, variant)) return null;
  const value = variants[variant]!;
  if (!valueMatchesType(value, flag.type)) return null;
  return ruleId === undefined ? { value, variant, reason } : { value, variant, reason, ruleId: ruleId as string };
}

/**
 * Builds an `evaluate` function. Without `extended`, conditions using `matches`,
 * `before`, `after`, `semverEq`, `semverLt` or `semverGt` are invalid: false even when
 * negated, exactly like a condition with a bad value. With `extendedOperators` from
 * `@switchboard/core/operators` the results are identical to the main entry's `evaluate`
 * (equal, not the same objects: results here are fresh on every call). `options.hash`
 * only trades speed for size: both murmur3s give the same buckets.
 *
 * A flag held compiled (`compileFlag`, main entry only) reads as its document, so it
 * gives the same results here too, just more slowly.
 */
export function createEvaluator(extended?: ExtendedOperators, options?: EvaluatorOptions): Evaluate {
  const hash = options?.hash ?? murmur3Compact;
  return function evaluate<T>(snapshot: Snapshot, flagKey: string, context: EvaluationContext, defaultValue: T): EvaluationResult<T> {
    // A rollout or fixed variant; `ruleId` goes on the results of a rule's serve.
    const pick = (flag: Loose, serve: unknown, reason: Reason, ruleId?: unknown): EvaluationResult<FlagValue> | null => {
      if (typeof serve !== 'object' || serve === null) return null;
      const { rollout, variant, bucketBy } = serve as Loose;
      if (rollout === undefined) return result(flag, variant, reason, ruleId);
      if (!Array.isArray(rollout)) return null;
      // Weights are non-negative integers with a total in (0, 2^31 − 1], or the serve is malformed.
      let total = 0;
      for (const entry of rollout) {
        const weight = typeof entry === 'object' && entry !== null ? (entry as Loose).weight : -1;
        if (!Number.isInteger(weight) || (weight as number) < 0) return null;
        total += weight as number;
      }
      if (total <= 0 || total > 0x7fffffff) return null;
      // A bucketBy that isn't a string can never be found in a context. Plain property
      // access: an inherited property is never a string or number.
      const raw = bucketBy === undefined ? context.userId : typeof bucketBy === 'string' ? context[bucketBy] : undefined;
      const id = typeof raw === 'string' ? raw : Number.isFinite(raw) ? String(raw) : undefined;
      // Without the bucketing attribute there is no stable bucket; a random one would
      // flip users between variants, so they get the off variant instead.
      if (id === undefined) return result(flag, flag.offVariant, 'DEFAULT');
      const salt = typeof flag.salt === 'string' ? flag.salt : typeof flag.key === 'string' ? flag.key : '';
      // The first variant whose cumulative weight exceeds the bucket.
      let bucket = bucketOf(hash(salt, id), total);
      for (const entry of rollout as Loose[]) {
        if ((bucket -= entry.weight as number) < 0) return result(flag, entry.variant, 'SPLIT', ruleId);
      }
      return null;
    };

    const resolve = (flag: Loose, depth: number): Outcome => {
      if (flag.enabled !== true) return result(flag, flag.offVariant, 'DISABLED');
      const prerequisites = list(flag.prerequisites);
      for (const p of prerequisites) {
        const flags = snapshot.flags as Record<string, unknown>;
        const key = typeof p === 'object' && p !== null ? ((p as Loose).flag as string) : undefined;
        const parent = key !== undefined && hasOwn.call(flags, key) ? flags[key] : undefined;
        if (parent !== undefined) {
          if (typeof parent !== 'object' || parent === null) return null;
          // A chain this deep can only be a cycle (the validator caps real chains far lower).
          if (depth >= MAX_PREREQUISITE_DEPTH) return CYCLE;
          const outcome = resolve(parent as Loose, depth + 1);
          if (outcome === CYCLE) return CYCLE;
          if (outcome !== null && outcome.variant === (p as Loose).variant) continue;
        }
        return result(flag, flag.offVariant, 'PREREQUISITE_FAILED');
      }
      const rules = list(flag.rules);
      // The first rule whose conditions all hold decides; one that fails moves on to the next.
      next: for (const rule of rules) {
        const conditions = typeof rule === 'object' && rule !== null ? (rule as Loose).conditions : undefined;
        if (!Array.isArray(conditions)) return null;
        for (const condition of conditions) {
          if (!conditionMatches(condition, context, snapshot.segments, 0, extended)) continue next;
        }
        return pick(flag, (rule as Loose).serve, 'TARGETING_MATCH', (rule as Loose).id);
      }
      return pick(flag, flag.fallthrough, prerequisites.length > 0 || rules.length > 0 ? 'DEFAULT' : 'STATIC');
    };

    try {
      const flags = typeof snapshot === 'object' && snapshot !== null ? snapshot.flags : undefined;
      if (typeof flags !== 'object' || flags === null || !hasOwn.call(flags, flagKey)) {
        return failure(defaultValue, 'FLAG_NOT_FOUND');
      }
      const flag: Flag | null = flags[flagKey]!;
      if (typeof flag !== 'object' || flag === null) return failure(defaultValue, 'PARSE_ERROR');
      if (!valueMatchesType(defaultValue, flag.type)) return failure(defaultValue, 'TYPE_MISMATCH');
      if (typeof context !== 'object' || context === null) context = {};
      const served = resolve(flag as unknown as Loose, 0);
      return served ? (served as EvaluationResult<T>) : failure(defaultValue, 'PARSE_ERROR');
    } catch {
      // Unreachable for JSON-shaped snapshots; kept so hostile inputs (getters, proxies)
      // still can't make evaluation throw.
      return failure(defaultValue, 'GENERAL');
    }
  };
}
