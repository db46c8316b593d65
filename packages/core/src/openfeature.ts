/**
 * `@switchboard/core/openfeature`: what the OpenFeature providers (server and web) share:
 * an OpenFeature evaluation context in, resolution details out. The types here are
 * structural, so core depends on no OpenFeature package; a provider casts the details
 * to its SDK's `ResolutionDetails`.
 */
import type { EvaluationResult } from './result.js';
import type { EvaluationContext } from './snapshot.js';

/**
 * OpenFeature's context → Switchboard's: `targetingKey` becomes `userId` (unless the
 * context sets `userId` itself), and top-level Dates become ISO strings for the date
 * operators. An invalid Date stays a Date: date operators read it as no date, so its
 * conditions are false.
 */
export function fromOpenFeatureContext(context: Readonly<Record<string, unknown>>): EvaluationContext {
  const out: EvaluationContext = {};
  for (const key of Object.keys(context)) {
    if (key === 'targetingKey') continue;
    const value = context[key];
    out[key] = value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : value;
  }
  if (typeof context.targetingKey === 'string' && out.userId === undefined) out.userId = context.targetingKey;
  return out;
}

/** OpenFeature's `ResolutionDetails`, structurally (`errorCode` is one of its error codes). */
export interface ResolutionDetails<T> {
  value: T;
  reason: string;
  variant?: string;
  flagMetadata?: { ruleId: string };
  errorCode?: string;
  errorMessage?: string;
}

const ERROR_MESSAGES: Record<string, string> = {
  FLAG_NOT_FOUND: 'not found',
  TYPE_MISMATCH: 'has a different type from the default value',
  PARSE_ERROR: 'is malformed',
  GENERAL: 'could not be evaluated',
};

/**
 * A Switchboard result as OpenFeature resolution details. Reasons pass through
 * (`PREREQUISITE_FAILED` is a custom reason, as OpenFeature allows), error codes map
 * one to one, and a rule's id travels as `flagMetadata.ruleId`.
 */
export function toResolutionDetails<T>(flagKey: string, result: EvaluationResult<T>): ResolutionDetails<T> {
  const details: ResolutionDetails<T> = { value: result.value, reason: result.reason };
  if (result.variant !== undefined) details.variant = result.variant;
  if (result.ruleId !== undefined) details.flagMetadata = { ruleId: result.ruleId };
  if (result.errorCode !== undefined) {
    details.errorCode = result.errorCode;
    details.errorMessage = `flag ${JSON.stringify(flagKey)} ${ERROR_MESSAGES[result.errorCode] ?? ERROR_MESSAGES.GENERAL}`;
  }
  return details;
}
