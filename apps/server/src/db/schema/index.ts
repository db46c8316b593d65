export { environments, type EnvironmentRow } from './environments.js';
export { flags, flagConfigs, flagConfigVersions, type ConfigFields, type FlagRow, type FlagConfigRow } from './flags.js';
export { segments, type SegmentRow } from './segments.js';
export { apiKeys, type ApiKeyKind, type ApiKeyRow, type Role } from './api-keys.js';
export { users, invitations, sessions, oidcLogins, type UserRow, type SessionRow } from './users.js';
export { auditEvents, type AuditEventRow } from './audit.js';
export { idempotencyKeys } from './idempotency.js';
export { evaluationCounts, eventCounts, eventDrops } from './metrics.js';
export { scheduledChanges, type ScheduledChangeRow, type ScheduledChangeStatus } from './scheduled-changes.js';
export {
  webhooks,
  webhookDeliveries,
  webhookAttempts,
  type WebhookRow,
  type DeliveryRow,
  type DeliveryStatus,
  type AttemptRow,
} from './webhooks.js';
export {
  releasePlans,
  releaseDecisions,
  releaseUnits,
  releaseUnitEvents,
  type ReleasePlanRow,
  type ReleasePlanStatus,
  type StoredGuard,
  type StoredStage,
} from './release-plans.js';
export { flagVariantUsage, flagLifecycle, type FlagLifecycleRow, type StaleReason } from './stale-flags.js';
export {
  changeRequests,
  changeRequestApprovals,
  type ChangeRequestRow,
  type ChangeRequestApprovalRow,
  type ChangeRequestStatus,
} from './change-requests.js';
