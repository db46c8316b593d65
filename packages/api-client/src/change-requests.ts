import type { ChangeRequest } from '@switchboard/api-contract';

/**
 * A config write (`configs.put`, `patch`, `rollout`, `restore`) to an environment that requires
 * approvals answers 202 with a change request instead of the config: tell them apart with this.
 */
export function isChangeRequest(answer: unknown): answer is ChangeRequest {
  if (typeof answer !== 'object' || answer === null) return false;
  const a = answer as Record<string, unknown>;
  return typeof a.id === 'number' && Array.isArray(a.approvals) && typeof a.baseVersion === 'number' && typeof a.patch === 'object';
}
