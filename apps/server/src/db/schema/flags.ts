import type { FlagType, FlagValue, Prerequisite, Rule, Serve } from '@switchboard/core';
import { sql } from 'drizzle-orm';
import { boolean, index, integer, json, jsonb, pgTable, primaryKey, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { environments } from './environments.js';

/**
 * The words `GET /api/admin/flags?q=` searches. Full-text with the `simple` configuration needs no
 * extension, so the same GIN index works on PGlite and Postgres; queries must repeat this expression.
 */
export const FLAG_SEARCH_TEXT = "to_tsvector('simple', key || ' ' || name || ' ' || description)";

/** A flag's identity and metadata, shared by every environment. */
export const flags = pgTable(
  'flags',
  {
    id: serial('id').primaryKey(),
    key: text('key').notNull().unique(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    type: text('type').$type<FlagType>().notNull(),
    /** `json`, not `jsonb`: jsonb reorders object keys (shortest first), and variants and their values read back as written. */
    variants: json('variants').$type<Record<string, FlagValue>>().notNull(),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    clientSide: boolean('client_side').notNull().default(false),
    /** Context attributes whose targeting values reach browsers only as salted SHA-256 hashes. */
    privateAttributes: jsonb('private_attributes').$type<string[]>().notNull().default([]),
    owner: text('owner'),
    temporary: boolean('temporary').notNull().default(true),
    archived: boolean('archived').notNull().default(false),
    /** Bumps on every metadata edit; the `If-Match` of `PATCH /api/admin/flags/:key`. */
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  () => [index('flags_search_idx').using('gin', sql.raw(FLAG_SEARCH_TEXT))],
);

/** A flag's targeting in one environment. `version` is the flag document's version there. */
export const flagConfigs = pgTable(
  'flag_configs',
  {
    id: serial('id').primaryKey(),
    flagId: integer('flag_id')
      .notNull()
      .references(() => flags.id, { onDelete: 'cascade' }),
    environmentId: integer('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    enabled: boolean('enabled').notNull().default(false),
    offVariant: text('off_variant').notNull(),
    // `json` like `flags.variants`: targeting reads back with its keys in the order written.
    fallthrough: json('fallthrough').$type<Serve>().notNull(),
    rules: json('rules').$type<Rule[]>().notNull().default([]),
    prerequisites: json('prerequisites').$type<Prerequisite[]>().notNull().default([]),
    salt: text('salt').notNull(),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('flag_configs_flag_environment_unique').on(t.flagId, t.environmentId)],
);

/** The editable part of a config, as stored in history and restored by `…/restore`. */
export interface ConfigFields {
  enabled: boolean;
  offVariant: string;
  fallthrough: Serve;
  rules: Rule[];
  prerequisites: Prerequisite[];
  salt: string;
}

/** Every version a config has had, so any of them can be restored. */
export const flagConfigVersions = pgTable(
  'flag_config_versions',
  {
    configId: integer('config_id')
      .notNull()
      .references(() => flagConfigs.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    config: json('config').$type<ConfigFields>().notNull(),
    /** Who wrote this version (the principal's name); null for versions written before it was recorded. */
    actor: text('actor'),
    /** The write's `reason`, when it gave one. */
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.configId, t.version] })],
);

export type FlagRow = typeof flags.$inferSelect;
export type FlagConfigRow = typeof flagConfigs.$inferSelect;
