/** Every schema with a `$id`, for a server to register (`addSchema`) before routes refer to them by name. */
import type { TSchema } from 'typebox';
import { ErrorBody } from './common.js';
import { ApiKey, ApiKeyCreated, ApiKeyList } from './api-keys.js';
import { AuditEvent, AuditPage } from './audit.js';
import { ChangeRequest, ChangeRequestList } from './change-requests.js';
import { Environment, EnvironmentList } from './environments.js';
import { ExplainCondition, ExplainSegment, Explanation, ExplanationList, FlagExplanation } from './explain.js';
import { EvaluationMetrics, EventMetrics, EventsAccepted } from './events.js';
import { EnvironmentExport, ImportResult, PromoteResult } from './flags-as-code.js';
import { ConfigVersion, ConfigVersionList, Flag, FlagConfig, FlagConfigList, FlagList, FlagSummary } from './flags.js';
import { Liveness, Readiness } from './health.js';
import {
  OfrepBulkEvaluationFailure,
  OfrepBulkEvaluationSuccess,
  OfrepEvaluationFailure,
  OfrepEvaluationSuccess,
  OfrepFlagNotFound,
} from './ofrep.js';
import { ReleasePlan } from './releases.js';
import { ScheduledChange, ScheduledChangeList } from './scheduled-changes.js';
import { Segment, SegmentList } from './segments.js';
import { SdkEvaluation, Snapshot } from './sdk.js';
import { FlagStaleness } from './stale-flags.js';
import { Session, SignInMethods, User, UserInvited, UserList } from './users.js';
import { Webhook, WebhookCreated, WebhookDelivery, WebhookDeliveryPage, WebhookList, WebhookSecretRotated } from './webhooks.js';

type Named = TSchema & { $id: string };

function withIds(schemas: TSchema[]): readonly Named[] {
  for (const schema of schemas)
    if (typeof (schema as { $id?: unknown }).$id !== 'string') throw new TypeError('a named schema needs a $id');
  return schemas as Named[];
}

export const NAMED_SCHEMAS = withIds([
  ErrorBody,
  Flag,
  FlagStaleness,
  FlagConfig,
  FlagSummary,
  FlagList,
  FlagConfigList,
  ConfigVersion,
  ConfigVersionList,
  Segment,
  SegmentList,
  Environment,
  EnvironmentList,
  ApiKey,
  ApiKeyCreated,
  ApiKeyList,
  AuditEvent,
  AuditPage,
  EventsAccepted,
  EvaluationMetrics,
  EventMetrics,
  Snapshot,
  SdkEvaluation,
  Liveness,
  Readiness,
  ScheduledChange,
  ScheduledChangeList,
  ReleasePlan,
  Webhook,
  WebhookCreated,
  WebhookSecretRotated,
  WebhookList,
  WebhookDelivery,
  WebhookDeliveryPage,
  ExplainCondition,
  ExplainSegment,
  FlagExplanation,
  Explanation,
  ExplanationList,
  OfrepEvaluationSuccess,
  OfrepEvaluationFailure,
  OfrepFlagNotFound,
  OfrepBulkEvaluationSuccess,
  OfrepBulkEvaluationFailure,
  EnvironmentExport,
  ImportResult,
  PromoteResult,
  User,
  UserList,
  UserInvited,
  Session,
  SignInMethods,
  ChangeRequest,
  ChangeRequestList,
]);
