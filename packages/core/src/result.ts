/**
 * Evaluation outcomes use OpenFeature's vocabulary so providers pass them through
 * unchanged. `PREREQUISITE_FAILED` is ours (OpenFeature allows custom reasons).
 */
export type Reason =
  | 'STATIC'
  | 'DEFAULT'
  | 'TARGETING_MATCH'
  | 'SPLIT'
  | 'DISABLED'
  | 'PREREQUISITE_FAILED'
  | 'ERROR';

export type ErrorCode = 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'PARSE_ERROR' | 'GENERAL';

export interface EvaluationResult<T> {
  value: T;
  /** The served variant; absent when the caller's default was returned on error. */
  variant?: string;
  reason: Reason;
  errorCode?: ErrorCode;
  /** Id of the rule that matched, for TARGETING_MATCH and rule-level SPLIT. */
  ruleId?: string;
}
