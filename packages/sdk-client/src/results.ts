/** What evaluations answer when there is nothing to evaluate yet, and their placeholders. */
import type { EvaluationResult, FlagValue } from '@switchboard/core';

/**
 * The result of an evaluation made before the first snapshot: the caller's default,
 * `ERROR`/`PROVIDER_NOT_READY` (OpenFeature's code), never `FLAG_NOT_FOUND`. Such
 * evaluations are not counted in the flag's metrics.
 */
export const notReadyResult = <T>(value: T): EvaluationResult<T> => ({ value, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });

/** A default of the flag's own type (json and unknown: null), so a result is never `TYPE_MISMATCH`. */
export const placeholder = (type: unknown): FlagValue => (type == 'boolean' ? false : type == 'string' ? '' : type == 'number' ? 0 : null);
