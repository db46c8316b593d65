export { applyPatch, isObject, type Patch } from './patch.js';
export { MIN_RETRY, REFUSED_DELAY, isRefusal, jitter, retryDelay } from './backoff.js';
export { delivered, lost, notReady, type ClientStatus, type SnapshotSource } from './status.js';
export { notReadyResult, placeholder } from './results.js';
export { MAX_TRACKED_VARIANTS, rolloutFlags } from './track.js';
export { keyKind, type KeyKind } from './keys.js';
export type {
  BooleanFlagKey,
  ClientSideFlags,
  FlagDescription,
  FlagDescriptions,
  TypedClient,
  TypedEvaluation,
  TypedVariantResult,
} from './typed-flags.js';
