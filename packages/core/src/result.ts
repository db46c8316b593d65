/**
 * Evaluation outcomes use OpenFeature's vocabulary so providers pass them through
 * unchanged. `PREREQUISITE_FAILED` is ours (OpenFeature allows custom reasons).
 */
export type Reason = 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'PREREQUISITE_FAILED' | 'ERROR';

/**
 * `PROVIDER_NOT_READY`: an SDK was asked before it had any snapshot (`evaluate` itself
 * never returns it).
 */
export type ErrorCode = 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'PARSE_ERROR' | 'PROVIDER_NOT_READY' | 'GENERAL';

export interface EvaluationResult<T> {
  value: T;
  /** The served variant; absent when the caller's default was returned on error. */
  variant?: string;
  reason: Reason;
  errorCode?: ErrorCode;
  /** Id of the rule that matched, for TARGETING_MATCH and rule-level SPLIT. */
  ruleId?: string;
}
