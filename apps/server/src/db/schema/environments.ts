import { bigint, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';

/** An environment (development, staging, production…). `revision` bumps on every committed change to its snapshot. */
export const environments = pgTable('environments', {
  id: serial('id').primaryKey(),
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  revision: bigint('revision', { mode: 'number' }).notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type EnvironmentRow = typeof environments.$inferSelect;
