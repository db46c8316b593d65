/**
 * The compiled evaluation engine, for Node and the server (the main entry's `evaluate`
 * and `createEvaluator`): each flag is compiled once into prebuilt results and
 * cumulative weights (compile.ts), kept in a WeakMap by flag object, and flags held
 * compiled (`compileFlag`) are used as they are. Evaluating is then lookups, a hash and
 * a compare, with no allocation. Browser bundles take the compact engine in
 * evaluator.ts instead, which interprets the flag document and gives the same results.
 */
import { bucketOf } from './bucketing.js';
import { compile, Precompiled, type CompiledFlag, type CompiledServe, type Served } from './compile.js';
import { conditionMatches, type ExtendedOperators } from './conditions.js';
import { MAX_PREREQUISITE_DEPTH, type BucketingHash, type Evaluate, type EvaluatorOptions } from './evaluator.js';
import { murmur3 } from './murmur3.js';
import type { ErrorCode, EvaluationResult } from './result.js';
import { hasOwn, valueMatchesType, type EvaluationContext, type Flag, type Prerequisite, type Snapshot } from './snapshot.js';

// Compiled flags, by flag object. A WeakMap holds nothing a caller can observe and lets
// a replaced snapshot's flags be collected. It is also why flag objects must be treated
// as immutable: a change is a new object. Compiling doesn't depend on the operators, so
// every evaluator shares it.
const compiled = new WeakMap<object, CompiledFlag>();

function compiledOf(flag: Flag): CompiledFlag {
  // A flag held already compiled (the Node SDK holds only those) is used as it is. An
  // instance from another copy of this package fails the check and is compiled from
  // what it reads as: slower, never wrong.
  if (flag instanceof Precompiled) return flag as unknown as CompiledFlag;
  let c = compiled.get(flag);
  if (c === undefined) {
    c = compile(flag);
    compiled.set(flag, c);
  }
  return c;
}

function failure<T>(value: T, errorCode: ErrorCode): EvaluationResult<T> {
  return { value, reason: 'ERROR', errorCode };
}

// Sentinels, told apart by identity and never handed to a caller: `evaluate` turns both
// into the caller's default with PARSE_ERROR.
// CYCLE marks a prerequisite chain that ran past MAX_PREREQUISITE_DEPTH. It travels up
// the chain so the flag asked for reports PARSE_ERROR, where any other failure of a
// prerequisite just leaves it unmet.
const CYCLE = {} as EvaluationResult<never>;
// MALFORMED: any other malformed spot reached.
const MALFORMED = {} as EvaluationResult<never>;

function pick(c: CompiledFlag, serve: CompiledServe, context: EvaluationContext, hash: BucketingHash): Served | typeof MALFORMED {
  if (serve.broken) return MALFORMED;
  const by = serve.bucketBy;
  if (by === null) return serve.results[0] ?? MALFORMED;
  // Plain property access: an inherited property is never a string or number, so it
  // can't be mistaken for an id, and the own-property check would cost on the hot path.
  const raw = by === false ? undefined : context[by];
  const id = typeof raw === 'string' ? raw : Number.isFinite(raw) ? String(raw) : undefined;
  // Without the bucketing attribute there is no stable bucket; a random one would flip
  // users between variants, so they get the off variant instead.
  if (id === undefined) return c.unbucketed ?? MALFORMED;
  const bucket = bucketOf(hash(c.salt, id), serve.total);
  const cumulative = serve.cumulative;
  for (let i = 0; i < cumulative.length; i++) {
    if (bucket < cumulative[i]!) return serve.results[i] ?? MALFORMED;
  }
  return MALFORMED;
}

/**
 * The flag a prerequisite names, or undefined when there is none. A `flag` that can't
 * even be used as a key (an object whose conversion throws) gives null: malformed.
 */
function prerequisiteOf(flags: Snapshot['flags'], p: Prerequisite): Flag | null | undefined {
  if (typeof p !== 'object' || p === null) return undefined;
  try {
    return hasOwn.call(flags, p.flag) ? flags[p.flag] : undefined;
  } catch {
    return null;
  }
}

function resolve(
  snapshot: Snapshot,
  c: CompiledFlag,
  context: EvaluationContext,
  depth: number,
  x: ExtendedOperators | undefined,
  hash: BucketingHash,
): Served | typeof MALFORMED {
  if (!c.enabled) return c.disabled ?? MALFORMED;
  const prerequisites = c.prerequisites;
  for (let i = 0; i < prerequisites.length; i++) {
    const p = prerequisites[i]!;
    const parent = prerequisiteOf(snapshot.flags, p);
    if (parent !== undefined) {
      if (typeof parent !== 'object' || parent === null) return MALFORMED;
      // A chain this deep can only be a cycle (the validator caps real chains far lower).
      if (depth >= MAX_PREREQUISITE_DEPTH) return CYCLE;
      const outcome = resolve(snapshot, compiledOf(parent), context, depth + 1, x, hash);
      if (outcome === CYCLE) return CYCLE;
      if (outcome !== null && outcome !== MALFORMED && outcome.variant === p.variant) continue;
    }
    return c.unmet ?? MALFORMED;
  }
  const rules = c.targets;
  // The first rule whose conditions all hold decides; one that fails moves on to the next.
  next: for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const conditions = rule.conditions;
    if (conditions === null) return MALFORMED;
    for (let j = 0; j < conditions.length; j++) {
      if (!conditionMatches(conditions[j]!, context, snapshot.segments, 0, x)) continue next;
    }
    return pick(c, rule.serve, context, hash);
  }
  return pick(c, c.fallback, context, hash);
}

/**
 * Builds an `evaluate` function over compiled flags (see `createEvaluator` in
 * evaluator.ts for `extended`); hashes with the fast `murmur3` unless given `hash`.
 */
export function createCompiledEvaluator(extended?: ExtendedOperators, options?: EvaluatorOptions): Evaluate {
  const hash = options?.hash ?? murmur3;
  return function evaluate<T>(snapshot: Snapshot, flagKey: string, context: EvaluationContext, defaultValue: T): EvaluationResult<T> {
    try {
      const flags = typeof snapshot === 'object' && snapshot !== null ? snapshot.flags : undefined;
      if (typeof flags !== 'object' || flags === null || !hasOwn.call(flags, flagKey)) {
        return failure(defaultValue, 'FLAG_NOT_FOUND');
      }
      const flag = flags[flagKey]!;
      if (typeof flag !== 'object' || flag === null) return failure(defaultValue, 'PARSE_ERROR');
      const c = compiledOf(flag);
      if (!valueMatchesType(defaultValue, c.type)) return failure(defaultValue, 'TYPE_MISMATCH');
      const ctx = typeof context === 'object' && context !== null ? context : {};
      const served = resolve(snapshot, c, ctx, 0, extended, hash);
      return served === null || served === MALFORMED || served === CYCLE
        ? failure(defaultValue, 'PARSE_ERROR')
        : (served as EvaluationResult<T>);
    } catch {
      // Unreachable for JSON-shaped snapshots; kept so hostile inputs (getters, proxies)
      // still can't make evaluation throw.
      return failure(defaultValue, 'GENERAL');
    }
  };
}
