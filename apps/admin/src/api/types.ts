/**
 * The admin API's answers, as the UI reads them. Flag documents (rules, conditions,
 * serves) are `@switchboard/core`'s own types, so the UI and the server agree on them.
 */
import type { Condition, FlagType, FlagValue, Prerequisite, Rule, Serve } from '@switchboard/core';

export interface ConfigView {
  flag: string;
  environment: string;
  version: number;
  enabled: boolean;
  offVariant: string;
  fallthrough: Serve;
  rules: Rule[];
  prerequisites: Prerequisite[];
  salt: string;
  updatedAt: string;
}

/** Extra flag fields a server may add; the UI shows them when present. */
export interface FlagView {
  key: string;
  name: string;
  description: string;
  type: FlagType;
  variants: Record<string, FlagValue>;
  clientSide: boolean;
  tags: string[];
  owner: string | null;
  temporary: boolean;
  archived: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Present on `GET /flags/:key`: every environment's config. */
  environments?: Record<string, ConfigView>;
  /** Present in lists asked for with `?environment=`. */
  summary?: ConfigSummary;
  /** Present when the server supports private attributes. */
  privateAttributes?: string[];
}

export interface EnvironmentView {
  key: string;
  name: string;
  revision: number;
  createdAt: string;
}

export interface SegmentView {
  key: string;
  name: string;
  description: string;
  included: string[];
  excluded: string[];
  conditions: Condition[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type ApiKeyKind = 'admin' | 'server' | 'client';

export interface ApiKeyView {
  id: string;
  kind: ApiKeyKind;
  environment: string | null;
  name: string;
  hint: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey {
  id: string;
  kind: ApiKeyKind;
  environment: string | null;
  name: string;
  /** The secret, shown this once. */
  key?: string;
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  keyId: string | null;
  action: string;
  flagKey: string | null;
  environment: string | null;
  subject: string | null;
  revision: number | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

export interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

export interface ConfigVersion {
  version: number;
  createdAt: string;
  enabled: boolean;
  offVariant: string;
  fallthrough: Serve;
  rules: Rule[];
  prerequisites: Prerequisite[];
  salt: string;
}

/** `GET …/environments/:env/metrics`: evaluations by variant over time. */
export interface EvaluationMetrics {
  flag: string;
  environment: string;
  from: string;
  to: string;
  /** Minutes per point. */
  step: number;
  /** Start of each point. */
  times: string[];
  /** `variant: null` counts evaluations that returned the caller's default. */
  series: { variant: string | null; total: number; counts: number[] }[];
  total: number;
}

/** In lists asked for with `?environment=`: the flag's state there. */
export interface ConfigSummary {
  environment: string;
  enabled: boolean;
  version: number;
  offVariant: string;
  fallthrough: Serve;
  rollout: { variant: string; percentage: number } | null;
  ruleCount: number;
  updatedAt: string;
  lastChange: { at: string; actor: string; action: string } | null;
}
