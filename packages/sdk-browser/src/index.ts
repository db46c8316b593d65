export { createClient } from './client.js';
export type {
  ClientEvents,
  ClientOptions,
  ClientStatus,
  SnapshotSource,
  SnapshotStorage,
  SwitchboardClient,
  UserOrContext,
  VariantResult,
  Widen,
} from './client.js';
export type { SwitchboardError, SwitchboardErrorCode } from './errors.js';
export type { ClientSnapshot } from './snapshot.js';
export type { Patch } from '@switchboard/sdk-client';
export type {
  EvaluationContext,
  EvaluationResult,
  FlagValue,
  JsonValue,
  Reason,
  ErrorCode,
  Snapshot,
  Flag,
  TrackedEvent,
} from '@switchboard/core';
