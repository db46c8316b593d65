import { compileSafeRegex, type SafeRegex } from './regex.js';
import { compareSemver } from './semver.js';
import { toInstant } from './instant.js';
import type { Condition, ConditionValue, EvaluationContext, Segment } from './snapshot.js';

// A condition is tri-state: a bad value (unparseable version or date, wrong type for
// the operator) is neither a match nor a non-match, and negation must not turn it into
// a match. Only the public `matchesCondition` collapses it to a boolean.
const MATCH = 1;
const NO_MATCH = 0;
const INVALID = -1;
type Outcome = typeof MATCH | typeof NO_MATCH | typeof INVALID;

/** How deep segments may nest through `inSegment`; deeper (or cyclic) is invalid. */
export const MAX_SEGMENT_DEPTH = 8;

const hasOwn = Object.prototype.hasOwnProperty;

// Compiled patterns are memoised per condition object. A WeakMap holds no state a
// caller can observe and lets a snapshot's conditions be garbage-collected with it.
const compiled = new WeakMap<Condition, (SafeRegex | undefined)[]>();

function regexesOf(condition: Condition): (SafeRegex | undefined)[] {
  let list = compiled.get(condition);
  if (!list) {
    const ci = condition.caseInsensitive === true;
    list = condition.values.map((v) => (typeof v === 'string' ? compileSafeRegex(v, ci) : undefined));
    compiled.set(condition, list);
  }
  return list;
}

function equals(a: unknown, b: ConditionValue, ci: boolean): Outcome {
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return MATCH;
    return ci && a.length === b.length && a.toLowerCase() === b.toLowerCase() ? MATCH : NO_MATCH;
  }
  if (typeof a === typeof b && (typeof a === 'number' || typeof a === 'boolean')) return a === b ? MATCH : NO_MATCH;
  // Different primitive kinds simply differ; there is no coercion of "1" to 1.
  if (typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean') return NO_MATCH;
  return INVALID;
}

function stringOp(op: string, a: unknown, b: ConditionValue, ci: boolean): Outcome {
  if (typeof a !== 'string' || typeof b !== 'string') return INVALID;
  if (ci) {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  const s = a as string;
  const ok = op === 'contains' ? s.includes(b) : op === 'startsWith' ? s.startsWith(b) : s.endsWith(b);
  return ok ? MATCH : NO_MATCH;
}

function order(op: string, d: number): Outcome {
  if (Number.isNaN(d)) return INVALID;
  const ok =
    op === 'lt' || op === 'before' || op === 'semverLt'
      ? d < 0
      : op === 'lte'
        ? d <= 0
        : op === 'gt' || op === 'after' || op === 'semverGt'
          ? d > 0
          : op === 'gte'
            ? d >= 0
            : d === 0;
  return ok ? MATCH : NO_MATCH;
}

// One attribute value against one condition value.
function compareOne(condition: Condition, op: string, a: unknown, b: ConditionValue, index: number): Outcome {
  const ci = condition.caseInsensitive === true;
  switch (op) {
    case 'in':
    case 'eq':
    case 'notIn':
    case 'neq':
      return equals(a, b, ci);
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return stringOp(op, a, b, ci);
    case 'matches': {
      const re = regexesOf(condition)[index];
      const found = typeof a === 'string' && re ? re.test(a) : undefined;
      return found === undefined ? INVALID : found ? MATCH : NO_MATCH;
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b)
        ? order(op, a - b)
        : INVALID;
    case 'before':
    case 'after':
      return order(op, toInstant(a) - toInstant(b));
    case 'semverEq':
    case 'semverLt':
    case 'semverGt':
      return order(op, compareSemver(a, b));
    default:
      return INVALID;
  }
}

/** True when the context is a member of the segment. */
export function inSegment(
  segment: Segment,
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth = 0,
): boolean {
  return segmentOutcome(segment, context, segments, depth) === MATCH;
}

function segmentOutcome(
  segment: Segment,
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth: number,
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
    const r = conditionOutcome(conditions[i]!, context, segments, depth + 1);
    if (r !== MATCH) return r;
  }
  return MATCH;
}

function segmentsOutcome(
  keys: ConditionValue[],
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth: number,
): Outcome {
  let result: Outcome = NO_MATCH;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== 'string' || !segments || !hasOwn.call(segments, key)) continue;
    const r = segmentOutcome(segments[key]!, context, segments, depth);
    if (r === MATCH) return MATCH;
    if (r === INVALID) result = INVALID;
  }
  return result;
}

function conditionOutcome(
  condition: Condition,
  context: EvaluationContext,
  segments: Record<string, Segment> | undefined,
  depth: number,
): Outcome {
  if (typeof condition !== 'object' || condition === null || !Array.isArray(condition.values)) return INVALID;
  const op = condition.operator;
  let outcome: Outcome;
  if (op === 'inSegment') {
    outcome = segmentsOutcome(condition.values, context, segments, depth);
  } else {
    const attr = condition.attribute;
    const actual = typeof attr === 'string' && hasOwn.call(context, attr) ? context[attr] : undefined;
    if (op === 'exists') {
      outcome = actual === undefined || actual === null ? NO_MATCH : MATCH;
    } else if (actual === undefined || actual === null) {
      outcome = NO_MATCH;
    } else {
      outcome = valuesOutcome(condition, op, actual);
    }
    if (outcome !== INVALID && (op === 'notIn' || op === 'neq')) outcome = outcome === MATCH ? NO_MATCH : MATCH;
  }
  if (outcome === INVALID) return INVALID;
  return condition.negate === true ? (outcome === MATCH ? NO_MATCH : MATCH) : outcome;
}

// Any attribute element against any condition value. A match anywhere wins; otherwise
// an invalid pairing taints the result so negation can't flip it into a match.
function valuesOutcome(condition: Condition, op: string, actual: unknown): Outcome {
  const values = condition.values;
  const items = Array.isArray(actual) ? actual : null;
  let result: Outcome = NO_MATCH;
  const count = items ? items.length : 1;
  for (let j = 0; j < count; j++) {
    const a = items ? items[j] : actual;
    for (let i = 0; i < values.length; i++) {
      const r = compareOne(condition, op, a, values[i]!, i);
      if (r === MATCH) return MATCH;
      if (r === INVALID) result = INVALID;
    }
  }
  return result;
}

/** Whether one condition holds for the context; a condition with bad values is false. */
export function matchesCondition(
  condition: Condition,
  context: EvaluationContext,
  segments?: Record<string, Segment>,
  depth = 0,
): boolean {
  return conditionOutcome(condition, context, segments, depth) === MATCH;
}
