import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { Guard } from '../../modules/releases/decision.js';

export type ReleasePlanStatus = 'scheduled' | 'running' | 'paused' | 'completed' | 'rolled_back' | 'cancelled';

export interface StoredStage {
  percent: number;
  minDurationSec?: number;
}

/** A guard as stored: the decision code's own shape. */
export type StoredGuard = Guard;

/**
 * A staged rollout of one flag in one environment. Kept by flag and environment key, like
 * scheduled changes, so its history outlives the flag. At most one plan per flag and
 * environment is live (scheduled, running or paused).
 */
export const releasePlans = pgTable(
  'release_plans',
  {
    id: text('id').primaryKey(),
    flagKey: text('flag_key').notNull(),
    environment: text('environment').notNull(),
    status: text('status').$type<ReleasePlanStatus>().notNull(),
    variant: text('variant').notNull(),
    control: text('control').notNull(),
    bucketBy: text('bucket_by').notNull(),
    stages: jsonb('stages').$type<StoredStage[]>().notNull(),
    guards: jsonb('guards').$type<StoredGuard[]>().notNull(),
    /** Index of the running stage; -1 before the start. */
    stage: integer('stage').notNull(),
    stageStartedAt: timestamp('stage_started_at', { withTimezone: true, precision: 3 }),
    startAt: timestamp('start_at', { withTimezone: true, precision: 3 }),
    /** The config version the plan last wrote: any other means someone else edited the flag. */
    configVersion: integer('config_version'),
    pausedReason: text('paused_reason'),
    /** Arms keep units whose hash is below 2^(32 - sampleBits): halved each time a stage outgrows its bound. */
    sampleBits: smallint('sample_bits').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('release_plans_live')
      .on(t.flagKey, t.environment)
      .where(sql`status in ('scheduled', 'running', 'paused')`),
    index('release_plans_status').on(t.status),
  ],
);

export type ReleasePlanRow = typeof releasePlans.$inferSelect;

/** What a plan did and why: one row per action (not per check). */
export const releaseDecisions = pgTable(
  'release_decisions',
  {
    id: serial('id').primaryKey(),
    planId: text('plan_id').notNull(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    stage: integer('stage').notNull(),
    action: text('action').notNull(),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    stats: jsonb('stats'),
    configVersion: integer('config_version'),
  },
  (t) => [index('release_decisions_plan').on(t.planId, t.id)],
);

/** A distinct unit of one arm of one stage (arm 0: treatment, 1: control); `unit` is its 32-bit hash. */
export const releaseUnits = pgTable(
  'release_units',
  {
    planId: text('plan_id').notNull(),
    stage: integer('stage').notNull(),
    arm: smallint('arm').notNull(),
    unit: bigint('unit', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.planId, t.stage, t.arm, t.unit] })],
);

/** Per unit and guard event: how many events and the sum of their values, in one stage. */
export const releaseUnitEvents = pgTable(
  'release_unit_events',
  {
    planId: text('plan_id').notNull(),
    stage: integer('stage').notNull(),
    arm: smallint('arm').notNull(),
    unit: bigint('unit', { mode: 'number' }).notNull(),
    event: text('event').notNull(),
    count: integer('count').notNull(),
    valueSum: doublePrecision('value_sum').notNull(),
  },
  (t) => [primaryKey({ columns: [t.planId, t.stage, t.arm, t.unit, t.event] })],
);
