export { evaluate, createEvaluator, matchesCondition, inSegment, valueMatchesType, MAX_PREREQUISITE_DEPTH } from './evaluate.js';
export { MAX_SEGMENT_DEPTH } from './conditions.js';
export type { BucketingHash, Evaluate, EvaluatorOptions } from './evaluator.js';
export { explain } from './explain.js';
export type {
  ConditionTrace,
  ExplainOptions,
  FlagExplanation,
  PrerequisiteTrace,
  RuleTrace,
  SegmentTrace,
  ServeTrace,
  TraceOutcome,
} from './explain.js';
export { compileFlag, compileFlags, type FlagPool } from './compiled-flag.js';
export { extendedOperators, type ExtendedOperators } from './operators.js';
export { murmur3 } from './murmur3.js';
export { murmur3Compact } from './murmur3-compact.js';
export { bucketOf, pickVariant } from './bucketing.js';
export { compareSemver } from './semver.js';
export { toInstant } from './instant.js';
export { compileSafeRegex, REGEX_LIMITS, type SafeRegex } from './regex.js';
export { SCHEMA_VERSION } from './snapshot.js';
export type {
  Condition,
  ConditionValue,
  EvaluationContext,
  FixedServe,
  Flag,
  FlagType,
  FlagValue,
  JsonValue,
  Operator,
  Prerequisite,
  RolloutServe,
  Rule,
  Segment,
  Serve,
  Snapshot,
  WeightedVariant,
} from './snapshot.js';
export type { ErrorCode, EvaluationResult, Reason } from './result.js';
export type { EvaluationSummary, EventsPayload, TrackedEvent, UnitSummary } from './events-payload.js';
export { EVENT_BATCH_LIMITS, EVENT_CONTEXT_LIMITS, EVENT_LIMITS, eventContext, eventText } from './events-payload.js';
export { UNIT_LIMITS, unitId } from './units.js';
