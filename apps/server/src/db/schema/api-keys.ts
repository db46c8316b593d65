import { sql } from 'drizzle-orm';
import { check, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { environments } from './environments.js';

export type ApiKeyKind = 'admin' | 'server' | 'client';
/** What an admin caller may do; see docs/decisions/roles-and-scopes.md. */
export type Role = 'viewer' | 'editor' | 'killer' | 'admin';

/** API keys. Only the SHA-256 of the secret is stored; the secret is shown once, on creation. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').$type<ApiKeyKind>().notNull(),
    /** Null for admin keys (and for revoked keys of a deleted environment); server and client keys belong to one environment. */
    environmentId: integer('environment_id').references(() => environments.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    secretHash: text('secret_hash').notNull().unique(),
    /** The kind prefix and 4 characters, to tell keys apart in lists. */
    hint: text('hint').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** An admin key's role; keys from before roles existed are `admin`. Unused for server and client keys. */
    role: text('role').$type<Role>().notNull().default('admin'),
    /** Environment keys an admin key may act in; null = all. */
    environments: text('environments').array(),
  },
  (t) => [check('api_keys_role', sql`${t.role} in ('viewer', 'editor', 'killer', 'admin')`)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
