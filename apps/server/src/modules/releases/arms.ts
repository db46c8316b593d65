/**
 * The distinct units each arm of a running plan's stage was served, and which sent each guard's
 * event; fed by the SDK events route, read by guard checks. Bounds and sampling: docs/release-safety.md §1.
 */
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import { murmur3, type TrackedEvent, type UnitSummary } from '@switchboard/core';
import type { Database } from '../../db/client.js';
import { releaseUnitEvents, releaseUnits } from '../../db/schema/index.js';
import type { ArmStatistics } from './decision.js';
import { sampleLimit } from './plan.js';

export const TREATMENT = 0;
export const CONTROL = 1;

/** What the ingest needs to know of a running plan. */
export interface LivePlan {
  id: string;
  flag: string;
  environment: string;
  stage: number;
  stageStartedAt: number;
  variant: string;
  control: string;
  sampleBits: number;
  /** The guards' event names. */
  events: Set<string>;
}

export interface ArmCounts {
  units: number;
  /** Per event: units with it, Σ and Σ² of their per-unit value sums. */
  events: Map<string, { units: number; sum: number; sumOfSquares: number }>;
}

/** Rows per insert statement: well under Postgres's 65,535 parameters. */
const CHUNK = 5_000;

/**
 * What a unit is stored and sampled as: a re-hash of its 8 hex digits. Never the unit hash
 * itself: with an empty salt it is the bucketing hash, which puts low values in the
 * treatment, so sampling below a bound would keep more of one arm than of the other.
 */
const unitNumber = (hex: string): number => murmur3(`sample:${hex}`);

/** An event row's unit among its arm's exposures (an event alone doesn't put a unit in an arm). */
const exposed = and(
  eq(releaseUnits.planId, releaseUnitEvents.planId),
  eq(releaseUnits.stage, releaseUnitEvents.stage),
  eq(releaseUnits.arm, releaseUnitEvents.arm),
  eq(releaseUnits.unit, releaseUnitEvents.unit),
);

export class Arms {
  /** Running plans by environment and flag. */
  private live = new Map<string, LivePlan>();

  constructor(private readonly db: () => Database) {}

  /** Replaces what the ingest knows of running plans (the runner calls it every round). */
  setLive(plans: LivePlan[]): void {
    this.live = new Map(plans.map((p) => [`${p.environment}\0${p.flag}`, p]));
  }

  /** One plan changed here: the ingest follows at once rather than at the next round. */
  updateLive(plan: LivePlan | undefined, environment: string, flag: string): void {
    if (plan) this.live.set(`${environment}\0${flag}`, plan);
    else this.live.delete(`${environment}\0${flag}`);
  }

  private armOf(plan: LivePlan, variant: string | undefined): number | undefined {
    return variant === plan.variant ? TREATMENT : variant === plan.control ? CONTROL : undefined;
  }

  /** Accepted unit summaries and events of one SDK batch. */
  async ingest(environment: string, units: UnitSummary[], events: TrackedEvent[]): Promise<void> {
    if (this.live.size === 0) return;
    const unitRows = new Map<string, { planId: string; stage: number; arm: number; unit: number }>();
    const eventRows = new Map<
      string,
      { planId: string; stage: number; arm: number; unit: number; event: string; count: number; valueSum: number }
    >();
    const addUnit = (plan: LivePlan, arm: number, unit: number): void => {
      unitRows.set(`${plan.id}\0${plan.stage}\0${arm}\0${unit}`, { planId: plan.id, stage: plan.stage, arm, unit });
    };
    for (const summary of units) {
      const plan = this.live.get(`${environment}\0${summary.flag}`);
      const arm = plan && this.armOf(plan, summary.variant);
      // Only windows wholly inside the stage: one that spans the stage change lists units
      // under the variant they had before it (a unit moving to the treatment would count in both arms).
      if (!plan || arm === undefined || summary.windowStart < plan.stageStartedAt) continue;
      const limit = sampleLimit(plan.sampleBits);
      for (const hex of summary.units) {
        const unit = unitNumber(hex);
        if (unit < limit) addUnit(plan, arm, unit);
      }
    }
    for (const e of events) {
      if (!e.variants || !e.units) continue;
      for (const [flag, variant] of Object.entries(e.variants)) {
        const plan = this.live.get(`${environment}\0${flag}`);
        const arm = plan && this.armOf(plan, variant);
        const hex = e.units[flag];
        if (!plan || arm === undefined || hex === undefined || !plan.events.has(e.name) || e.timestamp < plan.stageStartedAt) continue;
        const unit = unitNumber(hex);
        if (unit >= sampleLimit(plan.sampleBits)) continue;
        const key = `${plan.id}\0${plan.stage}\0${arm}\0${unit}\0${e.name}`;
        const row = eventRows.get(key);
        if (row) {
          row.count++;
          row.valueSum += e.value ?? 0;
        } else eventRows.set(key, { planId: plan.id, stage: plan.stage, arm, unit, event: e.name, count: 1, valueSum: e.value ?? 0 });
      }
    }
    const db = this.db();
    const u = [...unitRows.values()];
    for (let i = 0; i < u.length; i += CHUNK)
      await db
        .insert(releaseUnits)
        .values(u.slice(i, i + CHUNK))
        .onConflictDoNothing();
    const ev = [...eventRows.values()];
    for (let i = 0; i < ev.length; i += CHUNK) {
      await db
        .insert(releaseUnitEvents)
        .values(ev.slice(i, i + CHUNK))
        .onConflictDoUpdate({
          target: [
            releaseUnitEvents.planId,
            releaseUnitEvents.stage,
            releaseUnitEvents.arm,
            releaseUnitEvents.unit,
            releaseUnitEvents.event,
          ],
          set: {
            count: sql`${releaseUnitEvents.count} + excluded.count`,
            valueSum: sql`${releaseUnitEvents.valueSum} + excluded.value_sum`,
          },
        });
    }
  }

  /** Both arms of one stage, as counted so far. */
  async counts(db: Database, planId: string, stage: number): Promise<[ArmCounts, ArmCounts]> {
    return (await this.countsOf(db, [{ id: planId, stage }])).get(planId) ?? [emptyArm(), emptyArm()];
  }

  /** The arms of many plans' running stages, by plan id: two grouped queries for all of them. */
  async countsOf(db: Database, plans: { id: string; stage: number }[]): Promise<Map<string, [ArmCounts, ArmCounts]>> {
    const out = new Map<string, [ArmCounts, ArmCounts]>();
    if (plans.length === 0) return out;
    const stageOf = new Map(plans.map((p) => [p.id, p.stage]));
    const arm = (planId: string, index: number): ArmCounts | undefined => {
      let pair = out.get(planId);
      if (!pair)
        out.set(
          planId,
          (pair = [
            { units: 0, events: new Map() },
            { units: 0, events: new Map() },
          ]),
        );
      return pair[index];
    };
    const ids = [...stageOf.keys()];
    const units = await db
      .select({ planId: releaseUnits.planId, stage: releaseUnits.stage, arm: releaseUnits.arm, n: sql<number>`count(*)::int` })
      .from(releaseUnits)
      .where(inArray(releaseUnits.planId, ids))
      .groupBy(releaseUnits.planId, releaseUnits.stage, releaseUnits.arm);
    for (const r of units) if (stageOf.get(r.planId) === r.stage) arm(r.planId, r.arm)!.units = Number(r.n);
    const events = await db
      .select({
        planId: releaseUnitEvents.planId,
        stage: releaseUnitEvents.stage,
        arm: releaseUnitEvents.arm,
        event: releaseUnitEvents.event,
        n: sql<number>`count(*)::int`,
        sum: sql<number>`coalesce(sum(${releaseUnitEvents.valueSum}), 0)::float8`,
        squares: sql<number>`coalesce(sum(${releaseUnitEvents.valueSum} * ${releaseUnitEvents.valueSum}), 0)::float8`,
      })
      .from(releaseUnitEvents)
      .innerJoin(releaseUnits, exposed)
      .where(inArray(releaseUnitEvents.planId, ids))
      .groupBy(releaseUnitEvents.planId, releaseUnitEvents.stage, releaseUnitEvents.arm, releaseUnitEvents.event);
    for (const r of events) {
      if (stageOf.get(r.planId) !== r.stage) continue;
      arm(r.planId, r.arm)?.events.set(r.event, { units: Number(r.n), sum: Number(r.sum), sumOfSquares: Number(r.squares) });
    }
    return out;
  }

  /** Drops the units at or above the sample bound of `sampleBits` (and their events). */
  async sampleDown(db: Database, planId: string, stage: number, sampleBits: number): Promise<void> {
    const limit = sampleLimit(sampleBits);
    await db.delete(releaseUnits).where(and(eq(releaseUnits.planId, planId), eq(releaseUnits.stage, stage), gte(releaseUnits.unit, limit)));
    await db
      .delete(releaseUnitEvents)
      .where(and(eq(releaseUnitEvents.planId, planId), eq(releaseUnitEvents.stage, stage), gte(releaseUnitEvents.unit, limit)));
  }

  /** A stage's rows, once the plan has moved past it (its decisions keep the numbers that mattered). */
  async forgetStage(db: Database, planId: string, stage: number): Promise<void> {
    await db.delete(releaseUnits).where(and(eq(releaseUnits.planId, planId), eq(releaseUnits.stage, stage)));
    await db.delete(releaseUnitEvents).where(and(eq(releaseUnitEvents.planId, planId), eq(releaseUnitEvents.stage, stage)));
  }
}

/** One guard's view of both arms: units, and units with its event (with their value sums for `mean`). */
export const emptyArm = (): ArmCounts => ({ units: 0, events: new Map() });

export function armStatistics(arm: ArmCounts, event: string): ArmStatistics {
  const e = arm.events.get(event);
  return { units: arm.units, unitsWithEvent: e?.units ?? 0, sum: e?.sum ?? 0, sumOfSquares: e?.sumOfSquares ?? 0 };
}
