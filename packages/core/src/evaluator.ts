/**
 * `@switchboard/core/evaluator`: the compact evaluation engine, for browser bundles. It
 * interprets the flag document on every call — no compile step, no prebuilt results, no
 * cache — and gives the results of the main entry's compiled engine
 * (compiled-evaluator.ts), which exists for Node's speed; a page evaluates a handful of
 * flags per render, so here bytes count and time doesn't. The parser-backed operators
 * (`matches`, `before`/`after`, `semver*`) are injected rather than imported, and the
 * hash defaults to the compact murmur3: this module must import neither the fast murmur3
 * nor compile.ts, or every browser bundle carries them.
 *
 * Conditions too are its own: conditions.ts is written for the compiled engine's speed,
 * this copy for minified and gzipped size (the two share the ordering table and the
 * segment depth limit, which live there). Everything is written for the minifier and
 * gzip: one closure per evaluation holding the context, the outcome of a condition as a
 * number so that combining outcomes is arithmetic, fields read through `Object(x)` or
 * `x?.` where a wrong shape only has to read as missing, and a prerequisite cycle thrown
 * to the catch at the end. compact-evaluator.test.ts holds it to the compiled engine on
 * every spec case and on random documents, valid and malformed.
 *
 * It also defines what both engines share: the `Evaluate` signature, the options and
 * `MAX_PREREQUISITE_DEPTH`.
 */
import { MAX_SEGMENT_DEPTH, ORDER, type ExtendedOperators } from './conditions.js';
import { murmur3Compact } from './murmur3-compact.js';
import type { ErrorCode, EvaluationResult, Reason } from './result.js';
import { hasOwn, valueMatchesType, type Condition, type EvaluationContext, type FlagValue, type Snapshot } from './snapshot.js';

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

// The flag document as evaluation reads it: any field may hold anything.
type Loose = { [field: string]: unknown };

/** What serving gives: a result, or undefined where a malformed spot was reached. */
type Served = EvaluationResult<FlagValue> | undefined;

/** Whether `value` is an object (an array included), so that its fields can be read. */
const isObject = (value: unknown): value is Loose => typeof value == 'object' && value !== null;

/** A list field; anything else counts as none. */
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Builds an `evaluate` function. Without `extended`, conditions using `matches`,
 * `before`, `after`, `semverEq`, `semverLt` or `semverGt` are invalid: false even when
 * negated, exactly like a condition with a bad value. With `extendedOperators` from
 * `@switchboard/core/operators` the results are those of the main entry's `evaluate`
 * (equal, not the same objects: results here are fresh on every call), except that input
 * no JSON document can be (a getter that throws, a proxy) reports PARSE_ERROR where that
 * one reports GENERAL (see the catch at the end). `options.hash` only trades speed for
 * size: both murmur3s give the same buckets.
 *
 * A flag held compiled (`compileFlag`, main entry only) reads as its document, so it
 * gives the same results here too, just more slowly.
 */
export function createEvaluator(extended?: ExtendedOperators, options?: EvaluatorOptions): Evaluate {
  const hash = options?.hash ?? murmur3Compact;
  return <T>(snapshot: Snapshot, flagKey: string, context: EvaluationContext, defaultValue: T): EvaluationResult<T> => {
    const failure = (errorCode: ErrorCode): EvaluationResult<T> => ({ value: defaultValue, reason: 'ERROR', errorCode });
    try {
      const flags = (snapshot as Snapshot | undefined)?.flags as unknown;
      if (!isObject(flags) || !hasOwn.call(flags, flagKey)) return failure('FLAG_NOT_FOUND');
      const ctx: EvaluationContext = isObject(context) ? context : {};

      // A condition is tri-state, held as a number ordered so that combining outcomes is
      // arithmetic: 2 holds, 0 doesn't, 1 is invalid (a bad value: an unparseable version
      // or date, the wrong type for the operator). Of several values, a match anywhere
      // wins and otherwise an invalid pairing taints the result: that is Math.max.
      // Negation is 2 − r, which leaves an invalid condition invalid: false even negated.

      // The outcome of conditions that must all hold: the first that doesn't decides (a
      // segment whose conditions fail on an invalid one is invalid, not unmatched).
      const all = (conditions: unknown[], depth: number): number => {
        let r = 2;
        for (const c of conditions) if (r > 1) r = outcome(c, depth);
        return r;
      };

      const segment = (s: unknown, depth: number): number => {
        if (depth > MAX_SEGMENT_DEPTH || !isObject(s)) return 1;
        const id = ctx.userId;
        const conditions = list(s.conditions);
        return typeof id == 'string' && list(s.excluded).includes(id)
          ? 0
          : typeof id == 'string' && list(s.included).includes(id)
            ? 2
            : // No conditions match nobody: only `included` adds members then.
              conditions.length && all(conditions, depth + 1);
      };

      const outcome = (c: unknown, depth: number): number => {
        const { values, operator: op, attribute, negate, caseInsensitive } = Object(c) as Loose;
        if (!Array.isArray(values)) return 1;
        const actual = typeof attribute == 'string' && hasOwn.call(ctx, attribute) ? ctx[attribute] : null;

        // One attribute value against one condition value: truthy, falsy, or undefined
        // when the pairing is invalid.
        const compare = (a: unknown, b: unknown): boolean | number | undefined => {
          const strings = typeof a == 'string' && typeof b == 'string';
          const [s, t] = strings && caseInsensitive === true ? [a.toLowerCase(), b.toLowerCase()] : [a, b];
          if (op === 'in' || op === 'eq' || op === 'notIn' || op === 'neq') {
            // Different primitive kinds simply differ: there is no coercion of "1" to 1.
            // The lengths must agree too: lowercasing may change one ("İ").
            return typeof a == 'string' || typeof a == 'number' || typeof a == 'boolean'
              ? s === t && (a as string).length === (b as string).length
              : undefined;
          }
          if (op === 'contains' || op === 'startsWith' || op === 'endsWith') {
            return strings ? (s as string)[op === 'contains' ? 'includes' : op](t as string) : undefined;
          }
          // The pattern is found by value: an equal value anywhere in the list is the same
          // pattern, and a value that isn't a string is no pattern wherever it is.
          if (op === 'matches') return typeof a == 'string' ? extended?.matches(c as Condition, values.indexOf(b), a) : undefined;
          // The lookup converts an operator that isn't a string to one, as in conditions.ts.
          const accepted = ORDER[op as string];
          if (!accepted) return undefined;
          // lt/lte/gt/gte compare numbers; before/after dates and semver* versions need
          // `extended`. `d` is NaN or undefined when either side is unusable (or
          // `extended` is missing): then no test below holds.
          const d =
            (op as string).length < 4
              ? Number.isFinite(a) && Number.isFinite(b)
                ? (a as number) - (b as number)
                : NaN
              : (op as string)[0] === 's'
                ? (extended?.compareSemver(a, b) as number)
                : (extended?.toInstant(a) as number) - (extended?.toInstant(b) as number);
          return d < 0 ? accepted & 1 : d > 0 ? accepted & 4 : d == 0 ? accepted & 2 : undefined;
        };

        let r = 0;
        if (op === 'inSegment') {
          for (const key of values) {
            if (typeof key == 'string' && snapshot.segments && hasOwn.call(snapshot.segments, key)) {
              r = Math.max(r, segment(snapshot.segments[key], depth));
            }
          }
        } else if (actual != null) {
          // A missing attribute matches nothing; `exists` only needs it present.
          if (op === 'exists') r = 2;
          else {
            for (const a of Array.isArray(actual) ? actual : [actual]) {
              for (const b of values) {
                const ok = compare(a, b);
                r = Math.max(r, ok ? 2 : +(ok ?? 1));
              }
            }
          }
        }
        // notIn and neq are in and eq negated; negating one of them again gives it back.
        return (op === 'notIn' || op === 'neq') !== (negate === true) ? 2 - r : r;
      };

      const resolve = (flag: Loose, depth: number): Served => {
        // What serving `variant` gives, or undefined when the flag can't serve it.
        const serve = (variant: unknown, reason: Reason, ruleId?: unknown): Served => {
          const variants = flag.variants;
          if (
            typeof variant == 'string' &&
            isObject(variants) &&
            hasOwn.call(variants, variant) &&
            valueMatchesType(variants[variant], flag.type)
          ) {
            return { value: variants[variant] as FlagValue, variant, reason, ...(ruleId !== undefined && { ruleId: ruleId as string }) };
          }
        };

        // A rollout or fixed variant; `ruleId` goes on the results of a rule's serve.
        const pick = (target: unknown, reason: Reason, ruleId?: unknown): Served => {
          const { rollout, variant, bucketBy = 'userId' } = Object(target) as Loose;
          if (rollout === undefined) return serve(variant, reason, ruleId);
          // Weights are non-negative integers with a total in (0, 2^31 − 1], or the serve
          // is malformed. A weight that isn't an unsigned 32-bit integer fails the first
          // test; a total past 2^31 − 1 changes under `| 0`. A rollout that isn't a list
          // has a total of 0.
          let total = 0;
          for (const entry of list(rollout)) {
            const weight = (entry as Loose | undefined)?.weight as number;
            if (weight >>> 0 !== weight) return;
            total += weight;
          }
          if (!total || (total | 0) !== total) return;
          // A bucketBy that isn't a string can never be found in a context. Plain property
          // access: an inherited property is never a string or number.
          const id = typeof bucketBy == 'string' ? ctx[bucketBy] : undefined;
          // Without the bucketing attribute there is no stable bucket; a random one would
          // flip users between variants, so they get the off variant instead.
          if (typeof id != 'string' && !Number.isFinite(id)) return serve(flag.offVariant, 'DEFAULT');
          const salt = [flag.salt, flag.key, ''].find((s) => typeof s == 'string') as string;
          // floor(hash × total / 2^32), exactly: the product can pass 2^53.
          let bucket = Number((BigInt(hash(salt, String(id))) * BigInt(total)) >> BigInt(32));
          // The first variant whose cumulative weight exceeds the bucket; the bucket is
          // below the total, so there is one.
          return serve((rollout as Loose[]).find((entry) => (bucket -= entry.weight as number) < 0)!.variant, 'SPLIT', ruleId);
        };

        // A chain this deep can only be a cycle (the validator caps real chains far
        // lower). That makes the flag asked for malformed, wherever the chain started, so
        // it is thrown (what doesn't matter) to the catch below; any other failure of a
        // prerequisite just leaves it unmet.
        if (depth > MAX_PREREQUISITE_DEPTH) throw 0;
        if (flag.enabled !== true) return serve(flag.offVariant, 'DISABLED');
        const prerequisites = list(flag.prerequisites);
        for (const p of prerequisites) {
          const parent = isObject(p) && hasOwn.call(flags, p.flag as string) ? flags[p.flag as string] : undefined;
          if (parent !== undefined) {
            if (!isObject(parent)) return;
            const served = resolve(parent, depth + 1);
            if (served && served.variant === (p as Loose).variant) continue;
          }
          return serve(flag.offVariant, 'PREREQUISITE_FAILED');
        }
        const rules = list(flag.rules);
        // The first rule whose conditions all hold decides; one that fails moves on to the next.
        for (const rule of rules) {
          const { conditions, serve: target, id } = Object(rule) as Loose;
          if (!Array.isArray(conditions)) return;
          if (all(conditions, 0) > 1) return pick(target, 'TARGETING_MATCH', id);
        }
        return pick(flag.fallthrough, prerequisites.length || rules.length ? 'DEFAULT' : 'STATIC');
      };

      const flag = flags[flagKey];
      return !isObject(flag)
        ? failure('PARSE_ERROR')
        : !valueMatchesType(defaultValue, flag.type)
          ? failure('TYPE_MISMATCH')
          : ((resolve(flag, 0) as EvaluationResult<T> | undefined) ?? failure('PARSE_ERROR'));
    } catch {
      // A prerequisite cycle (thrown above). Otherwise unreachable for JSON-shaped
      // snapshots; kept so hostile inputs (getters, proxies) still can't make evaluation
      // throw. The contract promises a malformed flag the caller's default, with a reason
      // and an error code; PARSE_ERROR is that code, where the compiled engine reports
      // GENERAL for hostile inputs.
      return failure('PARSE_ERROR');
    }
  };
}
