/**
 * Switchboard's HTTP contract, written once: the TypeBox schemas of every admin and SDK
 * request and response, and their static types. The server validates and documents
 * with them; clients import the types. No Node, DOM or Fastify APIs.
 */
export {
  Attribute,
  ErrorBody,
  IdempotencyHeaders,
  IfMatchHeaders,
  KEY_PATTERN,
  Key,
  NoBody,
  Timestamp,
  Version,
  errorResponses,
  ref,
} from './common.js';
export {
  Condition,
  ConfigParams,
  ConfigVersion,
  ConfigVersionList,
  ConfigVersionsQuery,
  CreateFlagBody,
  FLAG_PAGE_LIMIT_MAX,
  FLAG_STATUSES,
  Flag,
  FlagConfig,
  FlagConfigList,
  FlagList,
  FlagListQuery,
  FlagParams,
  type FlagStatus,
  FlagSummary,
  FlagType,
  PatchConfigBody,
  Prerequisite,
  PutConfigBody,
  RestoreBody,
  RolloutBody,
  Rule,
  Serve,
  UpdateFlagBody,
  Variants,
} from './flags.js';
export { CreateSegmentBody, Segment, SegmentList, SegmentParams, UpdateSegmentBody } from './segments.js';
export {
  CreateEnvironmentBody,
  Environment,
  EnvironmentList,
  EnvironmentParams,
  RenameEnvironmentBody,
  UpdateEnvironmentBody,
} from './environments.js';
export {
  ApiKey,
  ApiKeyCreated,
  ApiKeyKind,
  ApiKeyList,
  ApiKeyListQuery,
  ApiKeyParams,
  CreateApiKeyBody,
  EnvironmentScope,
  Role,
} from './api-keys.js';
export {
  AcceptInvitationBody,
  InviteUserBody,
  Session,
  SignInBody,
  SignInMethods,
  UpdateUserBody,
  User,
  UserInvited,
  UserList,
  UserParams,
} from './users.js';
export { AUDIT_ACTIONS, AuditAction, AuditEvent, AuditPage, AuditQuery } from './audit.js';
export {
  EVENT_INGEST_LIMITS,
  EvaluationMetrics,
  EvaluationSummary,
  EventMetrics,
  EventStats,
  EventsAccepted,
  EventsBody,
  EventsQuery,
  MetricsQuery,
  TrackedEvent,
  UnitSummary,
} from './events.js';
export { Liveness, Readiness } from './health.js';
export { EventStream, SdkEvaluation, SdkEvaluationRequest, Snapshot, SnapshotHeaders } from './sdk.js';
export {
  CreateScheduledChangeBody,
  SCHEDULED_CHANGE_STATUSES,
  ScheduledChange,
  ScheduledChangeList,
  ScheduledChangeParams,
  ScheduledChangeQuery,
  ScheduledChangeStatus,
  ScheduledConfigChange,
  WallTime,
} from './scheduled-changes.js';
export {
  CreateWebhookBody,
  UpdateWebhookBody,
  Webhook,
  WebhookAttempt,
  WebhookCreated,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryParams,
  WebhookDeliveryStatus,
  WebhookEventPattern,
  WebhookList,
  WebhookParams,
  WebhookSecretRotated,
} from './webhooks.js';
export {
  PutReleasePlanBody,
  RELEASE_PLAN_STATUSES,
  ReleaseDecision,
  ReleaseGuard,
  ReleasePlan,
  ReleasePlanStatus,
  ReleaseStage,
} from './releases.js';
export {
  OfrepBulkEvaluationFailure,
  OfrepBulkEvaluationSuccess,
  OfrepBulkHeaders,
  OfrepEvaluationFailure,
  OfrepEvaluationRequest,
  OfrepEvaluationSuccess,
  OfrepFlagNotFound,
  OfrepFlagParams,
} from './ofrep.js';
export {
  ExplainBody,
  ExplainCondition,
  ExplainContext,
  ExplainEnvironmentParams,
  ExplainParams,
  ExplainSegment,
  Explanation,
  ExplanationList,
  FlagExplanation,
} from './explain.js';
export {
  EnvironmentExport,
  EnvironmentExportParams,
  EnvironmentExportQuery,
  ExportedConfig,
  ExportedFlag,
  ExportedSegment,
  ImportBody,
  ImportChange,
  ImportResult,
  PromoteBody,
  PromoteResult,
} from './flags-as-code.js';
export { CHANGE_REASON_HEADER, CHANGE_REASON_MAX_LENGTH } from './change-reason.js';
export {
  CHANGE_REQUEST_STATUSES,
  ChangeRequest,
  ChangeRequestList,
  ChangeRequestParams,
  ChangeRequestQuery,
  ChangeRequestStatus,
  UpdateChangeRequestBody,
} from './change-requests.js';
export { NAMED_SCHEMAS } from './named.js';
export { FlagStaleness, STALE_AFTER_DAYS_MAX, STALE_STATUSES, StaleAfterBody, type StaleStatus } from './stale-flags.js';
