/** Every schema with a `$id`, for a server to register (`addSchema`) before routes refer to them by name. */
import { ErrorBody } from './common.js';
import { ApiKey, ApiKeyCreated, ApiKeyList } from './api-keys.js';
import { AuditEvent, AuditPage } from './audit.js';
import { Environment, EnvironmentList } from './environments.js';
import { EvaluationMetrics, EventMetrics, EventsAccepted } from './events.js';
import { ConfigVersion, ConfigVersionList, Flag, FlagConfig, FlagConfigList, FlagList, FlagSummary } from './flags.js';
import { Liveness, Readiness } from './health.js';
import { Segment, SegmentList } from './segments.js';
import { Snapshot } from './sdk.js';

export const NAMED_SCHEMAS = [
  ErrorBody,
  Flag,
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
  Liveness,
  Readiness,
] as const;
