/**
 * Release plans: start, stages, guards and operator controls. Every action is one
 * `ChangeWriter` write that locks the environment, re-reads the plan (`FOR UPDATE`) and
 * acts only if the plan is still as the action was decided on, so two instances running
 * the same round apply each action once: consecutive config versions, one audit row each.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { FlagConfig, PutReleasePlanBody, ReleasePlan } from '@switchboard/api-contract';
import type { Database } from '../../db/client.js';
import {
  auditEvents,
  environments,
  flagConfigs,
  flags,
  releaseDecisions,
  releasePlans,
  type ReleasePlanRow,
  type ReleasePlanStatus,
  type StoredGuard,
} from '../../db/schema/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import type { ChangeWriter } from '../changes/change-writer.js';
import { findEnvironment } from '../environments/store.js';
import { editConfigIn } from '../flags/service.js';
import { findConfig, findFlag } from '../flags/store.js';
import { resolveWallTime } from '../scheduled-changes/wall-time.js';
import { armStatistics, emptyArm, type ArmCounts, type Arms, type LivePlan } from './arms.js';
import { DEFAULT_ALPHA, DEFAULT_MIN_UNITS, DEFAULT_SRM_P_VALUE, evaluateGuard, type GuardDecision } from './decision.js';
import { checkStages, sampling, stageEndsAt, stageFallthrough } from './plan.js';

export interface ReleaseOptions {
  /** A stage past this many units (both arms) halves the share of units the arms keep. */
  maxUnitsPerStage: number;
}

type Control = 'pause' | 'resume' | 'advance' | 'cancel';

/** What a round decided for one plan; carried out in its own write. */
type Action =
  | { kind: 'start' | 'advance'; reason: string }
  | { kind: 'pause'; reason: string; stats?: unknown }
  | { kind: 'rollback' | 'kill' | 'notify'; reason: string; stats: unknown; event: string }
  | { kind: 'cancel'; reason: string };

const LIVE: ReleasePlanStatus[] = ['scheduled', 'running', 'paused'];

/** Who writes a plan's own actions: the plan, naming who made it. */
function planContext(plan: ReleasePlanRow): RequestContext {
  return {
    principal: {
      kind: 'admin',
      keyId: null,
      userId: null,
      name: `release plan ${plan.id} (by ${plan.createdBy})`,
      environment: null,
      role: 'admin',
      environments: null,
    },
    requestId: `release-plan-${plan.id}`,
  };
}

function startAtOf(body: PutReleasePlanBody): Date | undefined {
  if (body.startAt === undefined) return undefined;
  if (typeof body.startAt === 'string') return new Date(body.startAt);
  return resolveWallTime(body.startAt, 'startAt').at;
}

export class ReleasePlanService {
  /** Told after this instance changed a plan, so its runner and arms follow at once. */
  onChange: () => void = () => {};
  /** Per plan and stage, the last doubling of its units at which the sample ratio was tested here. */
  private readonly srmLooks = new Map<string, number>();

  constructor(
    private readonly writer: ChangeWriter,
    private readonly db: () => Database,
    readonly arms: Arms,
    private readonly options: ReleaseOptions,
  ) {}

  // ------------------------------------------------------------------ API

  /** Creates the flag's plan in the environment: it starts now, or at `startAt`. One live plan per flag and environment. */
  async put(ctx: RequestContext, key: string, env: string, body: PutReleasePlanBody): Promise<ReleasePlan> {
    checkStages(body.stages);
    const startAt = startAtOf(body);
    if (startAt && startAt.getTime() < Date.now() - 60_000)
      throw new ValidationError(`startAt ${startAt.toISOString()} is in the past`, 'startAt');
    const id = await this.writer.run(ctx, async (w) => {
      const environment = await w.lockEnvironment(env);
      const flag = await findFlag(w.tx, key);
      if (!flag) throw new NotFoundError(`Flag "${key}" does not exist`);
      const config = await findConfig(w.tx, flag.id, environment.id);
      if (!config) throw new NotFoundError(`Flag "${key}" has no config in "${env}"`);
      const control = body.control ?? config.offVariant;
      for (const [field, variant] of [
        ['variant', body.variant],
        ['control', control],
      ] as const) {
        if (!Object.hasOwn(flag.variants, variant)) throw new ValidationError(`"${variant}" is not a variant of this flag`, field);
      }
      if (control === body.variant) throw new ValidationError('control must differ from variant', 'control');
      if (!startAt && !config.enabled) throw new ConflictError(`"${key}" is off in "${env}": turn it on, then start the plan`, 'enabled');
      const [live] = await w.tx
        .select({ id: releasePlans.id, status: releasePlans.status })
        .from(releasePlans)
        .where(and(eq(releasePlans.flagKey, key), eq(releasePlans.environment, env), inArray(releasePlans.status, LIVE)));
      if (live) throw new ConflictError(`A release plan for "${key}" in "${env}" is already ${live.status}; cancel it first`, 'status');
      const [plan] = await w.tx
        .insert(releasePlans)
        .values({
          id: randomUUID(),
          flagKey: key,
          environment: env,
          status: 'scheduled',
          variant: body.variant,
          control,
          bucketBy: body.bucketBy ?? 'userId',
          stages: body.stages,
          guards: (body.guards ?? []) as StoredGuard[],
          stage: -1,
          startAt: startAt ?? null,
          createdBy: ctx.principal.name,
        })
        .returning();
      w.audit({ action: 'release.create', flagKey: key, environment: env, subject: plan!.id, after: { ...body, control } });
      return plan!.id;
    });
    // Starting now: the first stage is the plan's own write, like every later one. If it
    // can't be written, the plan goes with the reason.
    const created = await this.byId(id);
    if (!startAt) {
      try {
        await this.act(created, { kind: 'start', reason: `started by ${ctx.principal.name}` });
      } catch (err) {
        await this.act(created, { kind: 'cancel', reason: `could not start: ${(err as Error).message}` });
        throw err;
      }
    }
    this.onChange();
    return this.view(await this.byId(id));
  }

  /** The live plan of the flag in the environment, else its most recent one. */
  async get(key: string, env: string): Promise<ReleasePlan> {
    return this.view(await this.current(this.db(), key, env));
  }

  /** An operator's pause, resume, advance or cancel. */
  async control(ctx: RequestContext, key: string, env: string, op: Control): Promise<ReleasePlan> {
    const observed = await this.current(this.db(), key, env);
    const allowed: Record<Control, ReleasePlanStatus[]> = {
      pause: ['running', 'scheduled'],
      resume: ['paused'],
      advance: ['running'],
      cancel: LIVE,
    };
    if (!allowed[op].includes(observed.status)) {
      throw new ConflictError(`The release plan is ${observed.status}; ${op} needs it ${allowed[op].join(' or ')}`, 'status');
    }
    const by = ctx.principal.name;
    const action: Action =
      op === 'pause'
        ? { kind: 'pause', reason: `paused by ${by}` }
        : op === 'cancel'
          ? { kind: 'cancel', reason: `cancelled by ${by}` }
          : op === 'advance'
            ? { kind: 'advance', reason: `advanced by ${by}` }
            : { kind: 'start', reason: `resumed by ${by}` };
    const done = await this.act(observed, action, ctx);
    if (!done) throw new ConflictError('The release plan changed meanwhile; read it again', 'status');
    return this.view(await this.byId(observed.id));
  }

  // ------------------------------------------------------------------ the round

  /** One check of every scheduled and running plan; returns how many actions it took. */
  async runRound(now = Date.now()): Promise<number> {
    const db = this.db();
    const plans = await db
      .select()
      .from(releasePlans)
      .where(inArray(releasePlans.status, ['scheduled', 'running']))
      .orderBy(asc(releasePlans.createdAt));
    const running = plans.filter((p) => p.status === 'running');
    this.arms.setLive(running.map(livePlan));
    // Three reads for the whole round, however many plans: their configs and all their arms.
    const configs = await configVersions(db, running);
    const counts = await this.arms.countsOf(
      db,
      running.filter((p) => p.guards.length > 0),
    );
    let acted = 0;
    for (const plan of plans) {
      const action = await this.decide(db, plan, now, configs, counts);
      if (action && (await this.act(plan, action))) acted++;
    }
    if (acted > 0) this.onChange();
    return acted;
  }

  /** What a plan needs now, read without locks; `act` checks again under them. */
  private async decide(
    db: Database,
    plan: ReleasePlanRow,
    now: number,
    configs: Map<string, { version: number; enabled: boolean }>,
    counts: Map<string, [ArmCounts, ArmCounts]>,
  ): Promise<Action | undefined> {
    if (plan.status === 'scheduled')
      return plan.startAt && plan.startAt.getTime() <= now ? { kind: 'start', reason: 'startAt reached' } : undefined;
    const edited = await this.editedBySomeoneElse(db, plan, configs.get(`${plan.flagKey}\0${plan.environment}`));
    if (edited) return edited;
    const stage = plan.stages[plan.stage]!;
    // A stage with guards holds until each arm has the units its guards need: advancing on
    // the clock alone would let a low-traffic plan reach 100% unjudged.
    let holding = false;
    if (plan.guards.length > 0) {
      const [treatment, control] = counts.get(plan.id) ?? [emptyArm(), emptyArm()];
      if (treatment.units + control.units > this.options.maxUnitsPerStage) {
        await this.sampleDown(db, plan);
        return undefined;
      }
      // The sample-ratio test is checked when a stage's units double, not every round: a fixed
      // number of looks keeps its false pauses bounded (docs/release-safety.md, section 8).
      const look = Math.floor(Math.log2(Math.max(1, treatment.units + control.units)));
      const key = `${plan.id}:${plan.stage}`;
      const srmNow = look > (this.srmLooks.get(key) ?? -1);
      if (srmNow) this.srmLooks.set(key, look);
      for (const { guard, decision } of guardDecisions(plan, stage.percent, treatment, control, srmNow ? SRM_P_VALUE_PER_LOOK : 0)) {
        if (decision.verdict === 'srm')
          return { kind: 'pause', reason: `sample ratio mismatch: ${decision.reason}`, stats: decision.stats };
        if (decision.verdict !== 'regression') continue;
        const reason = `guard ${guard.event} (${guard.metric}, worse when ${guard.worseWhen}): ${decision.reason}`;
        if (guard.action === 'pause') return { kind: 'pause', reason, stats: decision.stats };
        if (guard.action === 'notify') {
          if (await this.notified(db, plan, guard.event)) continue;
          return { kind: 'notify', reason, stats: decision.stats, event: guard.event };
        }
        return { kind: guard.action, reason, stats: decision.stats, event: guard.event };
      }
      holding = plan.guards.some((g) => Math.min(treatment.units, control.units) < (g.minUnits ?? DEFAULT_MIN_UNITS));
    }
    const ends = stageEndsAt(stage, plan.stageStartedAt);
    if (ends !== undefined && ends <= now && !holding) {
      return {
        kind: 'advance',
        reason: `stage ${plan.stage + 1} ran its ${stage.minDurationSec} s${plan.guards.length > 0 ? ' and its guards passed' : ''}`,
      };
    }
    return undefined;
  }

  /** A config version the plan didn't write: someone edited the flag (or pulled the kill switch). */
  private async editedBySomeoneElse(
    db: Database,
    plan: ReleasePlanRow,
    config: { version: number; enabled: boolean } | undefined,
  ): Promise<Action | undefined> {
    if (!config) return { kind: 'cancel', reason: `the flag or environment no longer exists` };
    if (config.version === plan.configVersion) return undefined;
    const [last] = await db
      .select({ actor: auditEvents.actor, action: auditEvents.action })
      .from(auditEvents)
      .where(and(eq(auditEvents.flagKey, plan.flagKey), eq(auditEvents.environment, plan.environment)))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    const who = last ? ` by ${last.actor}` : '';
    const reason = !config.enabled
      ? `the flag was turned off${who} (kill switch)`
      : `the flag's config was changed${who}${last ? ` (${last.action})` : ''}, outside the plan`;
    return { kind: 'pause', reason };
  }

  private async notified(db: Database, plan: ReleasePlanRow, event: string): Promise<boolean> {
    const rows = await db
      .select({ reason: releaseDecisions.reason })
      .from(releaseDecisions)
      .where(and(eq(releaseDecisions.planId, plan.id), eq(releaseDecisions.stage, plan.stage), eq(releaseDecisions.action, 'notify')));
    return rows.some((r) => r.reason.startsWith(`guard ${event} `));
  }

  private async sampleDown(db: Database, plan: ReleasePlanRow): Promise<void> {
    const bits = plan.sampleBits + 1;
    await db
      .update(releasePlans)
      .set({ sampleBits: bits })
      .where(and(eq(releasePlans.id, plan.id), eq(releasePlans.sampleBits, plan.sampleBits)));
    this.arms.updateLive(livePlan({ ...plan, sampleBits: bits }), plan.environment, plan.flagKey);
    await this.arms.sampleDown(db, plan.id, plan.stage, bits);
  }

  // ------------------------------------------------------------------ actions

  /**
   * Carries out `action` in one write, if the plan is still in the status and stage it was
   * decided on (another instance, or an operator, may have acted first). True when it did.
   */
  private async act(observed: ReleasePlanRow, action: Action, ctx?: RequestContext): Promise<boolean> {
    const done = await this.writer.run(ctx ?? planContext(observed), async (w) => {
      await w.lockEnvironment(observed.environment);
      const [plan] = await w.tx.select().from(releasePlans).where(eq(releasePlans.id, observed.id)).for('update');
      if (!plan || plan.status !== observed.status || plan.stage !== observed.stage || plan.configVersion !== observed.configVersion)
        return false;
      await this.carryOut(w, plan, action, ctx ?? planContext(plan));
      return true;
    });
    if (done) this.onChange();
    return done;
  }

  private async carryOut(w: ChangeTransaction, plan: ReleasePlanRow, action: Action, ctx: RequestContext): Promise<void> {
    const actor = ctx.principal.name;
    const now = new Date();
    const env = plan.environment;
    let next: Partial<typeof releasePlans.$inferInsert> = {};
    let configVersion: number | null = null;
    const stats = 'stats' in action ? (action.stats ?? null) : null;
    const writeStage = (stage: number, audit: string): Promise<FlagConfig> =>
      editConfigIn(w, plan.flagKey, env, undefined, audit, (current) => ({
        ...current,
        fallthrough: stageFallthrough(plan, plan.stages[stage]!.percent),
      }));
    switch (action.kind) {
      case 'start': {
        // A start, or a resume: the stage (the first, or the one it was paused in) is written again and starts over.
        const stage = Math.max(plan.stage, 0);
        const config = await this.currentConfig(w, plan);
        if (!config.enabled) {
          if (plan.status === 'paused') throw new ConflictError('The flag is off in this environment; turn it on, then resume', 'enabled');
          next = { status: 'paused', pausedReason: 'the flag is off: turn it on, then resume' };
          break;
        }
        const written = await writeStage(stage, 'release.stage');
        configVersion = written.version;
        if (plan.stage >= 0) await this.arms.forgetStage(w.tx, plan.id, stage);
        next = { status: 'running', stage, stageStartedAt: now, configVersion, pausedReason: null };
        if (stage === plan.stages.length - 1 && plan.stages[stage]!.minDurationSec === undefined) next.status = 'completed';
        break;
      }
      case 'advance': {
        const stage = plan.stage + 1;
        if (stage >= plan.stages.length) {
          next = { status: 'completed' };
          break;
        }
        const written = await writeStage(stage, 'release.stage');
        configVersion = written.version;
        await this.arms.forgetStage(w.tx, plan.id, plan.stage);
        next = { stage, stageStartedAt: now, configVersion };
        if (stage === plan.stages.length - 1 && plan.stages[stage]!.minDurationSec === undefined) next.status = 'completed';
        break;
      }
      case 'rollback':
      case 'kill': {
        const written = await editConfigIn(w, plan.flagKey, env, undefined, `release.${action.kind}`, (current) =>
          action.kind === 'kill' ? { ...current, enabled: false } : { ...current, fallthrough: { variant: plan.control } },
        );
        configVersion = written.version;
        next = { status: 'rolled_back', configVersion };
        break;
      }
      case 'pause':
        next = { status: 'paused', pausedReason: action.reason };
        break;
      case 'cancel':
        next = { status: 'cancelled' };
        break;
      case 'notify':
        break;
    }
    const status = next.status ?? plan.status;
    await w.tx
      .update(releasePlans)
      .set({ ...next, updatedAt: now })
      .where(eq(releasePlans.id, plan.id));
    const stage = next.stage ?? plan.stage;
    const kind = action.kind === 'start' && plan.status === 'paused' ? 'resume' : action.kind;
    const entries = [{ action: kind, reason: action.reason }];
    // Reaching the last stage (or past it) ends the plan: logged as its own decision.
    if (status === 'completed' && kind !== 'cancel')
      entries.push({ action: 'complete', reason: `reached ${plan.stages.at(-1)!.percent}%` });
    await w.tx
      .insert(releaseDecisions)
      .values(entries.map((e) => ({ planId: plan.id, at: now, stage, action: e.action, reason: e.reason, actor, stats, configVersion })));
    w.audit({
      action: `release.${kind}`,
      flagKey: plan.flagKey,
      environment: env,
      subject: plan.id,
      after: { status, stage, reason: action.reason, stats },
    });
    w.webhookEvent({
      type: `release.${status === 'completed' ? 'completed' : EVENT_OF[kind]}`,
      environment: env,
      data: { plan: plan.id, flag: plan.flagKey, environment: env, status, stage, reason: action.reason, actor, stats, configVersion },
    });
  }

  private async currentConfig(w: ChangeTransaction, plan: ReleasePlanRow): Promise<{ version: number; enabled: boolean }> {
    const environment = await findEnvironment(w.tx, plan.environment);
    const flag = environment && (await findFlag(w.tx, plan.flagKey));
    const config = flag && environment && (await findConfig(w.tx, flag.id, environment.id));
    if (!config) throw new NotFoundError(`Flag "${plan.flagKey}" has no config in "${plan.environment}"`);
    return config;
  }

  // ------------------------------------------------------------------ reading

  private async byId(id: string): Promise<ReleasePlanRow> {
    const [plan] = await this.db().select().from(releasePlans).where(eq(releasePlans.id, id));
    if (!plan) throw new NotFoundError(`Release plan ${id} does not exist`);
    return plan;
  }

  private async current(db: Database, key: string, env: string): Promise<ReleasePlanRow> {
    const [plan] = await db
      .select()
      .from(releasePlans)
      .where(and(eq(releasePlans.flagKey, key), eq(releasePlans.environment, env)))
      .orderBy(desc(releasePlans.createdAt))
      .limit(1);
    if (!plan) throw new NotFoundError(`Flag "${key}" has no release plan in "${env}"`);
    return plan;
  }

  private async view(plan: ReleasePlanRow): Promise<ReleasePlan> {
    const db = this.db();
    const stage = plan.stages[plan.stage];
    const [treatment, control] = plan.stage >= 0 ? await this.arms.counts(db, plan.id, plan.stage) : [emptyArm(), emptyArm()];
    const decisions = await db
      .select()
      .from(releaseDecisions)
      .where(eq(releaseDecisions.planId, plan.id))
      .orderBy(asc(releaseDecisions.id));
    const ends = stageEndsAt(stage, plan.stageStartedAt);
    const guardStats =
      stage && plan.status === 'running'
        ? guardDecisions(plan, stage.percent, treatment, control, SRM_P_VALUE_PER_LOOK).map(({ guard, decision }) => ({
            event: guard.event,
            ...decision,
          }))
        : [];
    return {
      id: plan.id,
      flag: plan.flagKey,
      environment: plan.environment,
      status: plan.status,
      variant: plan.variant,
      control: plan.control,
      bucketBy: plan.bucketBy,
      stages: plan.stages,
      guards: plan.guards,
      stage: plan.stage,
      stageStartedAt: plan.stageStartedAt?.toISOString() ?? null,
      nextStageAt: ends !== undefined && plan.status === 'running' ? new Date(ends).toISOString() : null,
      startAt: plan.startAt?.toISOString() ?? null,
      pausedReason: plan.pausedReason,
      configVersion: plan.configVersion,
      sampling: sampling(plan.sampleBits),
      arms: { treatment: armView(plan.variant, treatment), control: armView(plan.control, control) },
      guardStats,
      decisions: decisions.map((d) => ({
        at: d.at.toISOString(),
        stage: d.stage,
        action: d.action,
        reason: d.reason,
        actor: d.actor,
        stats: d.stats ?? null,
        configVersion: d.configVersion,
      })),
      createdBy: plan.createdBy,
      createdAt: plan.createdAt.toISOString(),
      updatedAt: plan.updatedAt.toISOString(),
    };
  }
}

/** Webhook event names: `release.started`, `release.rolled_back`… */
const EVENT_OF: Record<string, string> = {
  start: 'started',
  resume: 'resumed',
  advance: 'advanced',
  pause: 'paused',
  cancel: 'cancelled',
  rollback: 'rolled_back',
  kill: 'killed',
  notify: 'guard_alert',
};

function livePlan(plan: ReleasePlanRow): LivePlan {
  return {
    id: plan.id,
    flag: plan.flagKey,
    environment: plan.environment,
    stage: plan.stage,
    stageStartedAt: plan.stageStartedAt?.getTime() ?? 0,
    variant: plan.variant,
    control: plan.control,
    sampleBits: plan.sampleBits,
    events: new Set(plan.guards.map((g) => g.event)),
  };
}

/** The current config version (and whether the flag is on) of each plan's flag, by flag and environment key. */
async function configVersions(db: Database, plans: ReleasePlanRow[]): Promise<Map<string, { version: number; enabled: boolean }>> {
  const out = new Map<string, { version: number; enabled: boolean }>();
  if (plans.length === 0) return out;
  const rows = await db
    .select({ flag: flags.key, environment: environments.key, version: flagConfigs.version, enabled: flagConfigs.enabled })
    .from(flagConfigs)
    .innerJoin(flags, eq(flags.id, flagConfigs.flagId))
    .innerJoin(environments, eq(environments.id, flagConfigs.environmentId))
    .where(inArray(flags.key, [...new Set(plans.map((p) => p.flagKey))]));
  for (const r of rows) out.set(`${r.flag}\0${r.environment}`, { version: r.version, enabled: r.enabled });
  return out;
}

/**
 * The sample-ratio threshold at each look: 0.001 over the at most 32 doublings of a
 * stage's units, so one instance's false pauses stay under 0.1% per stage.
 */
export const SRM_P_VALUE_PER_LOOK = DEFAULT_SRM_P_VALUE / 32;

/** The plan's false-alarm budget: 5% for the whole plan, split over its guards and the stages they run in (Bonferroni). */
export function planAlpha(plan: Pick<ReleasePlanRow, 'guards' | 'stages'>): number {
  const checked = plan.stages.filter((s) => s.percent < 100).length;
  return DEFAULT_ALPHA / Math.max(1, plan.guards.length * checked);
}

/** Every guard's check of the stage: the treatment's expected share of the two arms is the stage's percentage. */
function guardDecisions(
  plan: ReleasePlanRow,
  percent: number,
  treatment: ArmCounts,
  control: ArmCounts,
  srmPValue: number,
): { guard: StoredGuard; decision: GuardDecision }[] {
  return plan.guards.map((guard) => ({
    guard,
    decision: evaluateGuard(
      guard,
      {
        treatment: armStatistics(treatment, guard.event),
        control: armStatistics(control, guard.event),
        expectedTreatmentShare: percent / 100,
      },
      { alpha: planAlpha(plan), srmPValue },
    ),
  }));
}

function armView(variant: string, arm: ArmCounts): ReleasePlan['arms']['treatment'] {
  const events: ReleasePlan['arms']['treatment']['events'] = {};
  for (const [name, e] of arm.events) {
    events[name] = { units: e.units, rate: arm.units > 0 ? e.units / arm.units : null, mean: e.units > 0 ? e.sum / e.units : null };
  }
  return { variant, exposures: arm.units, events };
}
