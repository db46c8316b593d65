/**
 * `explain`: what one context gets for one flag, and why. The result is the compiled
 * engine's own (`evaluate`), untouched; the trace beside it reports each step the engine
 * takes — kill switch, prerequisites (each explained in turn), rules in order with every
 * condition's outcome from the engine's own condition code (conditions.ts), then the
 * serve. Nothing here runs unless asked: the hot path and the browser's compact engine
 * carry no tracing (docs/decisions/explain-trace.md says why it is a walk beside them).
 */
import { bucketOf } from './bucketing.js';
import { conditionOutcome, INVALID, MATCH, MAX_SEGMENT_DEPTH, segmentOutcome, type ExtendedOperators, type Outcome } from './conditions.js';
import { createCompiledEvaluator } from './compiled-evaluator.js';
import { MAX_PREREQUISITE_DEPTH, type BucketingHash } from './evaluator.js';
import { murmur3 } from './murmur3.js';
import { extendedOperators } from './operators.js';
import type { EvaluationResult } from './result.js';
import {
  hasOwn,
  type Condition,
  type EvaluationContext,
  type Flag,
  type FlagValue,
  type Segment,
  type Serve,
  type Snapshot,
} from './snapshot.js';

/** A condition or segment outcome: `invalid` is a bad value, false even when negated. */
export type TraceOutcome = 'match' | 'noMatch' | 'invalid';

export interface SegmentTrace {
  key: string;
  outcome: TraceOutcome;
  /** What decided membership: the excluded or included list, the conditions, or no such segment. */
  decidedBy: 'excluded' | 'included' | 'conditions' | 'missing';
  /** The segment's conditions in order (empty when a list decided). */
  conditions: ConditionTrace[];
}

export interface ConditionTrace {
  attribute?: string;
  operator: string;
  values: unknown[];
  negate?: boolean;
  /** The context's value for `attribute`; absent when the context doesn't have it. */
  actual?: unknown;
  outcome: TraceOutcome;
  /** For `inSegment`: each named segment's membership. */
  segments?: SegmentTrace[];
}

export interface RuleTrace {
  index: number;
  id?: string;
  description?: string;
  /** Whether all the rule's conditions hold (the first rule that matches decides). */
  matched: boolean;
  /** Every condition of the rule, in order, even after one fails. */
  conditions: ConditionTrace[];
}

export interface PrerequisiteTrace {
  flag: string;
  /** The variant the prerequisite flag must serve. */
  variant: string;
  met: boolean;
  /** The prerequisite flag's own explanation; absent when it doesn't exist or the chain is too deep. */
  explanation?: FlagExplanation;
}

export interface ServeTrace {
  /** Which serve was used: the off variant, a rule's or the fallthrough. */
  from: 'off' | 'rule' | 'fallthrough';
  ruleId?: string;
  /** For a rollout: the bucketing attribute, and the bucket when the context has it. */
  bucketBy?: string;
  bucket?: number;
  total?: number;
}

export interface FlagExplanation {
  flag: string;
  /** The engine's result, exactly what `evaluate` returns for this context. */
  result: EvaluationResult<FlagValue>;
  /** Whether the flag exists in the snapshot (false: FLAG_NOT_FOUND, nothing else traced). */
  found: boolean;
  enabled: boolean;
  /** Prerequisites checked, in order; the walk stops at the first unmet one. */
  prerequisites: PrerequisiteTrace[];
  /** Rules reached, in order; the walk stops at the first that matches. */
  rules: RuleTrace[];
  serve?: ServeTrace;
}

export interface ExplainOptions {
  /** Defaults to `extendedOperators`, as the main entry's `evaluate`. */
  extended?: ExtendedOperators;
  hash?: BucketingHash;
}

const OUTCOME: Record<Outcome, TraceOutcome> = { [MATCH]: 'match', 0: 'noMatch', [INVALID]: 'invalid' } as Record<Outcome, TraceOutcome>;

/** A default of the flag's own type, so the engine reports the flag rather than TYPE_MISMATCH. */
function defaultFor(flag: unknown): FlagValue {
  const type = typeof flag === 'object' && flag !== null ? (flag as Flag).type : undefined;
  return type === 'boolean' ? false : type === 'number' ? 0 : type === 'string' ? '' : null;
}

const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

/**
 * Explains `flagKey` for `context` against `snapshot`. Pure and total like `evaluate`;
 * the result is evaluated with the caller's default of the flag's own type.
 */
export function explain(snapshot: Snapshot, flagKey: string, context: EvaluationContext, options: ExplainOptions = {}): FlagExplanation {
  const x = options.extended ?? extendedOperators;
  const hash = options.hash ?? murmur3;
  const evaluate = createCompiledEvaluator(x, { hash });
  const ctx: EvaluationContext = typeof context === 'object' && context !== null ? context : {};
  const segments: Record<string, Segment> | undefined = snapshot?.segments;

  const traceCondition = (c: Condition, depth: number): ConditionTrace => {
    const raw = (typeof c === 'object' && c !== null ? c : {}) as Partial<Condition>;
    const trace: ConditionTrace = {
      ...(typeof raw.attribute === 'string' && { attribute: raw.attribute }),
      operator: String(raw.operator),
      values: list(raw.values),
      ...(raw.negate === true && { negate: true }),
      outcome: OUTCOME[conditionOutcome(c, ctx, segments, depth, x)],
    };
    if (typeof raw.attribute === 'string' && hasOwn.call(ctx, raw.attribute) && ctx[raw.attribute] !== undefined) {
      trace.actual = ctx[raw.attribute];
    }
    if (raw.operator === 'inSegment') trace.segments = list<unknown>(raw.values).map((key) => traceSegment(key, depth));
    return trace;
  };

  const traceSegment = (key: unknown, depth: number): SegmentTrace => {
    const k = String(key);
    const segment = typeof key === 'string' && segments && hasOwn.call(segments, key) ? segments[key] : undefined;
    if (segment === undefined) return { key: k, outcome: 'noMatch', decidedBy: 'missing', conditions: [] };
    const outcome = OUTCOME[segmentOutcome(segment, ctx, segments, depth, x)];
    const id = ctx.userId;
    if (typeof id === 'string' && list(segment?.excluded).includes(id)) return { key: k, outcome, decidedBy: 'excluded', conditions: [] };
    if (typeof id === 'string' && list(segment?.included).includes(id)) return { key: k, outcome, decidedBy: 'included', conditions: [] };
    // Nesting past the engine's limit is invalid there; the trace stops at the same depth.
    const conditions = depth > MAX_SEGMENT_DEPTH ? [] : list<Condition>(segment?.conditions).map((c) => traceCondition(c, depth + 1));
    return { key: k, outcome, decidedBy: 'conditions', conditions };
  };

  const traceServe = (flag: Flag, target: Serve, from: 'rule' | 'fallthrough', ruleId?: string): ServeTrace => {
    const trace: ServeTrace = { from, ...(ruleId !== undefined && { ruleId }) };
    const rollout = (target as { rollout?: unknown } | undefined)?.rollout;
    if (!Array.isArray(rollout)) return trace;
    const by = (target as { bucketBy?: unknown }).bucketBy ?? 'userId';
    if (typeof by !== 'string') return trace;
    trace.bucketBy = by;
    const total = rollout.reduce((sum: number, entry: { weight?: unknown }) => sum + (Number(entry?.weight) || 0), 0);
    const raw = ctx[by];
    const id = typeof raw === 'string' ? raw : Number.isFinite(raw) ? String(raw) : undefined;
    if (id !== undefined && total > 0) {
      const salt = typeof flag.salt === 'string' ? flag.salt : typeof flag.key === 'string' ? flag.key : '';
      trace.bucket = bucketOf(hash(salt, id), total);
      trace.total = total;
    }
    return trace;
  };

  const explainFlag = (key: string, depth: number): FlagExplanation => {
    const flags = snapshot?.flags;
    const flag = typeof flags === 'object' && flags !== null && hasOwn.call(flags, key) ? flags[key] : undefined;
    const result = evaluate(snapshot, key, ctx, defaultFor(flag));
    const explanation: FlagExplanation = { flag: key, result, found: flag !== undefined, enabled: false, prerequisites: [], rules: [] };
    if (typeof flag !== 'object' || flag === null) return explanation;
    explanation.enabled = flag.enabled === true;
    if (!explanation.enabled) {
      explanation.serve = { from: 'off' };
      return explanation;
    }
    for (const p of list<{ flag?: unknown; variant?: unknown }>(flag.prerequisites)) {
      const parentKey = String(p?.flag);
      const trace: PrerequisiteTrace = { flag: parentKey, variant: String(p?.variant), met: false };
      if (depth < MAX_PREREQUISITE_DEPTH && hasOwn.call(flags, parentKey)) {
        trace.explanation = explainFlag(parentKey, depth + 1);
        trace.met = trace.explanation.result.reason !== 'ERROR' && trace.explanation.result.variant === p?.variant;
      }
      explanation.prerequisites.push(trace);
      if (!trace.met) {
        explanation.serve = { from: 'off' };
        return explanation;
      }
    }
    const rules = list<{ id?: unknown; description?: unknown; conditions?: unknown; serve: Serve } | undefined>(flag.rules);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      const conditions = list<Condition>(rule?.conditions).map((c) => traceCondition(c, 0));
      const id = typeof rule?.id === 'string' ? rule.id : undefined;
      const trace: RuleTrace = {
        index: i,
        ...(id !== undefined && { id }),
        ...(typeof rule?.description === 'string' && { description: rule.description }),
        matched: Array.isArray(rule?.conditions) && conditions.every((c) => c.outcome === 'match'),
        conditions,
      };
      explanation.rules.push(trace);
      if (trace.matched) {
        explanation.serve = traceServe(flag, rule!.serve, 'rule', id);
        return explanation;
      }
    }
    explanation.serve = traceServe(flag, flag.fallthrough, 'fallthrough');
    return explanation;
  };

  try {
    return explainFlag(flagKey, 0);
  } catch {
    // Hostile input (getters, proxies) only: the result stays the engine's, the trace is dropped.
    return { flag: flagKey, result: evaluate(snapshot, flagKey, ctx, null), found: false, enabled: false, prerequisites: [], rules: [] };
  }
}
