export {
  createAdminClient,
  type AdminClient,
  type AdminClientOptions,
  type CallOptions,
  type CreateOptions,
  type WriteOptions,
} from './client.js';
export { ApiError, isApiError, type ApiErrorInit, type ClientErrorCode } from './errors.js';
export type { HttpMethod } from './transport.js';
// The types the client answers with and takes, so an app needs only this package.
export type { ConfigVersion, Flag, FlagConfig, FlagSummary, Segment } from './answers.js';
export type {
  ApiKey,
  ApiKeyCreated,
  ApiKeyKind,
  AuditEvent,
  AuditPage,
  AuditQuery,
  CreateApiKeyBody,
  CreateEnvironmentBody,
  CreateFlagBody,
  CreateScheduledChangeBody,
  CreateSegmentBody,
  Environment,
  EvaluationMetrics,
  EventMetrics,
  PatchConfigBody,
  PutConfigBody,
  RolloutBody,
  ScheduledChange,
  ScheduledChangeList,
  ScheduledChangeQuery,
  ScheduledChangeStatus,
  UpdateFlagBody,
  UpdateSegmentBody,
} from '@switchboard/api-contract';
