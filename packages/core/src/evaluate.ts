/**
 * The standard evaluation: every operator available, hashing with the fast murmur3.
 * Node, the server and anything that doesn't count bytes use this; browser bundles build
 * a smaller one with `createEvaluator` from `@switchboard/core/evaluator` (the compact
 * engine: same results, no compile step).
 */
import { conditionMatches, type ExtendedOperators, segmentMatches } from './conditions.js';
import { createCompiledEvaluator } from './compiled-evaluator.js';
import type { Evaluate, EvaluatorOptions } from './evaluator.js';
import { extendedOperators } from './operators.js';
import type { Condition, EvaluationContext, Segment } from './snapshot.js';

export { valueMatchesType } from './snapshot.js';
export { MAX_PREREQUISITE_DEPTH } from './evaluator.js';

/**
 * Evaluates one flag for one context against a snapshot. Pure and total: no I/O, no
 * clock, and it never throws — an unknown flag, a default of the wrong type or a
 * malformed flag returns `defaultValue` with reason `ERROR` and an error code.
 *
 * Each flag object is checked once, on first use, and remembered by identity, so treat
 * snapshots as immutable: to change a flag, put a new flag object in a new snapshot.
 * A flag made by `compileFlag` is used as it is. Successful results are shared, frozen
 * objects.
 *
 * @param snapshot the environment's flag document
 * @param flagKey the flag to evaluate
 * @param context who is asking; `userId` is the default bucketing attribute
 * @param defaultValue returned on any error; its type must match the flag's type
 */
export const evaluate = createEvaluator(extendedOperators);

/**
 * Builds an `evaluate` function: without `extended`, conditions using `matches`,
 * `before`, `after` or `semver*` are invalid (false even when negated); with
 * `extendedOperators` it is `evaluate`. This is the compiled engine, hashing with the
 * fast `murmur3` unless given `hash`. `createEvaluator` from `@switchboard/core/evaluator`
 * gives the same results from far less code, interpreting flags on every call and
 * hashing with `murmur3Compact`: that one is for browser bundles.
 */
export function createEvaluator(extended?: ExtendedOperators, options?: EvaluatorOptions): Evaluate {
  return createCompiledEvaluator(extended, options);
}

/** Whether one condition holds for the context; a condition with bad values is false. */
export function matchesCondition(condition: Condition, context: EvaluationContext, segments?: Record<string, Segment>, depth = 0): boolean {
  return conditionMatches(condition, context, segments, depth, extendedOperators);
}

/** True when the context is a member of the segment. */
export function inSegment(segment: Segment, context: EvaluationContext, segments: Record<string, Segment> | undefined, depth = 0): boolean {
  return segmentMatches(segment, context, segments, depth, extendedOperators);
}
