import { hasOwn, type Condition, type ConditionValue, type EvaluationContext, type Segment } from './snapshot.js';

/**
 * The operators that need a parser: `matches` (the linear-time regex engine), `before`/
 * `after` (ISO dates) and `semverEq`/`semverLt`/`semverGt`. They are passed in rather
 * than imported so an evaluator built without them (`createEvaluator()` from
 * `@switchboard/core/evaluator`) leaves their code out of a browser bundle; there a
 * condition using one is invalid — false even when negated, like a bad value.
 * `@switchboard/core/operators` exports the full set as `extendedOperators`.
 */
export interface ExtendedOperators {
  /**
   * Whether `input` matches the pattern `condition.values[index]` (with the condition's
   * `caseInsensitive`); undefined when the pattern is unusable or the input too long.
   */
  matches(condition: Condition, index: number, input: string): boolean | undefined;
  /** Negative, zero or positive like a comparator; NaN when either side is not a version. */
  compareSemver(a: unknown, b: unknown): number;
  /** Epoch milliseconds of an ISO-8601 string or a millisecond number; NaN otherwise. */
  toInstant(value: unknown): number;
}

// A condition is tri-state: a bad value (unparseable version or date, wrong type for
// the operator) is neither a match nor a non-match, and negation must not turn it into
// a match. Only the public `matchesCondition` collapses it to a boolean.
export const MATCH = 1;
export const NO_MATCH = 0;
export const INVALID = -1;
export type Outcome = typeof MATCH | typeof NO_MATCH | typeof INVALID;

/** How deep segments may nest through `inSegment`; deeper (or cyclic) is invalid. */
export const MAX_SEGMENT_DEPTH = 8;

/** Extended operators, or undefined where an evaluator was built without them. */
type Ext = ExtendedOperators | undefined;

/**
 * Which signs of `attribute − value` an ordering operator accepts: 1 below, 2 equal, 4
 * above. Null prototype, so an operator named like an Object method is just unknown.
 * Shared with the compact engine (evaluator.ts). A literal rather than
 * `Object.assign(Object.create(null), …)`: the same dictionary-mode object, but one a
 * bundler can tell is free of side effects, so a bundle takes it without this module.
 */
export const ORDER = {
  __proto__: null,
  lt: 1,
  lte: 3,
  gt: 4,
  gte: 6,
  before: 1,
  after: 4,
  semverLt: 1,
  semverEq: 2,
  semverGt: 4,
} as unknown as Record<string, number>;

const outcome = (ok: boolean | undefined): Outcome => (ok === undefined ? INVALID : ok ? MATCH : NO_MATCH);
// Number.isFinite is false for anything but a finite number (no coercion, unlike isFinite).
const finite = (v: unknown): v is number => Number.isFinite(v);

// One attribute value against one condition value.
function compareOne(condition: Condition, op: string, a: unknown, b: ConditionValue, index: number, x: Ext): Outcome {
  const ci = condition.caseInsensitive === true;
  if (op === 'in' || op === 'eq' || op === 'notIn' || op === 'neq') {
    // Different primitive kinds simply differ: there is no coercion of "1" to 1.
    return typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean'
      ? outcome(
          a === b || (ci && typeof a === 'string' && typeof b === 'string' && a.length === b.length && a.toLowerCase() === b.toLowerCase()),
        )
      : INVALID;
  }
  if (op === 'contains' || op === 'startsWith' || op === 'endsWith') {
    if (typeof a !== 'string' || typeof b !== 'string') return INVALID;
    if (ci) {
      a = a.toLowerCase();
      b = b.toLowerCase();
    }
    const s = a as string;
    return outcome(op === 'contains' ? s.includes(b) : op === 'startsWith' ? s.startsWith(b) : s.endsWith(b));
  }
  const accepted = ORDER[op];
  if (accepted === undefined) return op === 'matches' && typeof a === 'string' && x ? outcome(x.matches(condition, index, a)) : INVALID;
  // lt/lte/gt/gte compare numbers; before/after dates and semver* versions need `x`.
  const d =
    op.length < 4
      ? finite(a) && finite(b)
        ? a - b
        : NaN
      : !x
        ? NaN
        : op[0] === 's'
          ? x.compareSemver(a, b)
          : x.toInstant(a) - x.toInstant(b);
  return Number.isNaN(d) ? INVALID : outcome((accepted & (d < 0 ? 1 : d > 0 ? 4 : 2)) > 0);
}

/** True when the context is a member of the segment (`x`: the extended operators, if any). */
export function segmentMatches(
  segment: Segment,
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth: number,
  x: Ext,
): boolean {
  return segmentOutcome(segment, context, segments, depth, x) === MATCH;
}

/** A segment's tri-state membership; explain.ts reports it as the engine decides it. */
export function segmentOutcome(
  segment: Segment,
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth: number,
  x: Ext,
): Outcome {
  if (depth > MAX_SEGMENT_DEPTH || typeof segment !== 'object' || segment === null) return INVALID;
  const id = context.userId;
  if (typeof id === 'string') {
    if (Array.isArray(segment.excluded) && segment.excluded.includes(id)) return NO_MATCH;
    if (Array.isArray(segment.included) && segment.included.includes(id)) return MATCH;
  }
  const conditions = segment.conditions;
  if (!Array.isArray(conditions) || conditions.length === 0) return NO_MATCH;
  for (let i = 0; i < conditions.length; i++) {
    const r = conditionOutcome(conditions[i]!, context, segments, depth + 1, x);
    if (r !== MATCH) return r;
  }
  return MATCH;
}

function segmentsOutcome(
  keys: ConditionValue[],
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth: number,
  x: Ext,
): Outcome {
  let result: Outcome = NO_MATCH;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== 'string' || !segments || !hasOwn.call(segments, key)) continue;
    const r = segmentOutcome(segments[key]!, context, segments, depth, x);
    if (r === MATCH) return MATCH;
    if (r === INVALID) result = INVALID;
  }
  return result;
}

/** A condition's tri-state outcome, as the compiled engine decides it (explain.ts reports it). */
export function conditionOutcome(
  condition: Condition,
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth: number,
  x: Ext,
): Outcome {
  if (typeof condition !== 'object' || condition === null || !Array.isArray(condition.values)) return INVALID;
  const op = condition.operator;
  let outcome: Outcome;
  if (op === 'inSegment') {
    outcome = segmentsOutcome(condition.values, context, segments, depth, x);
  } else {
    const attr = condition.attribute;
    const actual = typeof attr === 'string' && hasOwn.call(context, attr) ? context[attr] : undefined;
    if (op === 'exists') {
      outcome = actual === undefined || actual === null ? NO_MATCH : MATCH;
    } else if (actual === undefined || actual === null) {
      outcome = NO_MATCH;
    } else {
      outcome = valuesOutcome(condition, op, actual, x);
    }
    if (outcome !== INVALID && (op === 'notIn' || op === 'neq')) outcome = outcome === MATCH ? NO_MATCH : MATCH;
  }
  if (outcome === INVALID) return INVALID;
  return condition.negate === true ? (outcome === MATCH ? NO_MATCH : MATCH) : outcome;
}

// Any attribute element against any condition value. A match anywhere wins; otherwise
// an invalid pairing taints the result so negation can't flip it into a match.
function valuesOutcome(condition: Condition, op: string, actual: unknown, x: Ext): Outcome {
  const values = condition.values;
  const items = Array.isArray(actual) ? actual : null;
  let result: Outcome = NO_MATCH;
  const count = items ? items.length : 1;
  for (let j = 0; j < count; j++) {
    const a = items ? items[j] : actual;
    for (let i = 0; i < values.length; i++) {
      const r = compareOne(condition, op, a, values[i]!, i, x);
      if (r === MATCH) return MATCH;
      if (r === INVALID) result = INVALID;
    }
  }
  return result;
}

/**
 * Whether one condition holds for the context; a condition with bad values is false.
 * `x`: the extended operators, if any.
 */
export function conditionMatches(
  condition: Condition,
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth: number,
  x: Ext,
): boolean {
  return conditionOutcome(condition, context, segments, depth, x) === MATCH;
}
