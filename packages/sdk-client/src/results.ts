/** What evaluations answer when there is nothing to evaluate yet, and their placeholders. */
import type { EvaluationResult, Flag, FlagValue } from '@switchboard/core';

/**
 * An evaluation made before the first snapshot, as reported: what the engine answered
 * for the empty snapshot (the caller's default, `ERROR`), with OpenFeature's
 * `PROVIDER_NOT_READY` in place of `FLAG_NOT_FOUND`. Takes a fresh result and returns it
 * changed. Such evaluations are not counted in the flag's metrics.
 */
export const notReadyResult = <T>(result: EvaluationResult<T>): EvaluationResult<T> => ((result.errorCode = 'PROVIDER_NOT_READY'), result);

/**
 * A default of the type of `flags[key]` (json, unknown or missing: null), so a result is
 * never `TYPE_MISMATCH`. Inherited names ("toString") have no `type`: null too.
 */
export const placeholder = (flags: Record<string, Flag>, key: string): FlagValue => {
  const type = flags[key]?.type as unknown;
  return type == 'boolean' ? false : type == 'string' ? '' : type == 'number' ? 0 : null;
};
