/**
 * The admin API's answers, as far as the CLI reads them. Declared here from the
 * documented contract (apps/server/README.md), not imported from the server: the CLI
 * depends on the HTTP shape, never on server code.
 */
import type { FlagValue, Prerequisite, Rule, Serve } from '@switchboard/core';

export interface Config {
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

/** One entry of `GET …/versions`. */
export type ConfigVersion = Omit<Config, 'flag' | 'environment' | 'updatedAt'> & { createdAt: string };

export interface Summary {
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

export interface Flag {
  key: string;
  name: string;
  description: string;
  type: string;
  variants: Record<string, FlagValue>;
  clientSide: boolean;
  tags: string[];
  archived: boolean;
  version: number;
  environments?: Record<string, Config>;
  summary?: Summary;
}

export interface Environment {
  key: string;
  name: string;
  revision: number;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  kind: 'admin' | 'server' | 'client';
  environment: string | null;
  name: string;
  hint: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedKey {
  id: string;
  kind: string;
  environment: string | null;
  name: string;
  key: string;
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  flagKey: string | null;
  environment: string | null;
  subject: string | null;
  revision: number | null;
  requestId: string | null;
}
