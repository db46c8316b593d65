import type { Condition } from '@switchboard/core';
import { integer, jsonb, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';

/** A reusable audience, shared by every environment (a change bumps every environment's revision). */
export const segments = pgTable('segments', {
  id: serial('id').primaryKey(),
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  included: jsonb('included').$type<string[]>().notNull().default([]),
  excluded: jsonb('excluded').$type<string[]>().notNull().default([]),
  conditions: jsonb('conditions').$type<Condition[]>().notNull().default([]),
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type SegmentRow = typeof segments.$inferSelect;
