/**
 * SDK-reported evaluation counts and tracked events: ingestion (one transaction per
 * batch, bounded concurrency so it never starves the pool SDK delivery's revision check
 * and the admin API share) and the admin reads over time ranges.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { environments } from '../../db/schema/index.js';
import { NotFoundError, UnauthorizedError, UnavailableError, ValidationError, sqlState } from '../../errors.js';
import type { Metrics } from '../../plugins/metrics.js';
import type { Flag } from '@switchboard/core';
import { MINUTE_MS, aggregate, minuteOf, saturatingAdd } from './aggregate.js';
import { BatchChecker, nothingStored, withUnits } from './entries.js';
import { EventNameBudget } from './event-names.js';
import type { EventsAccepted, EventsBody, EventsQuery, MetricsQuery, TrackedEvent, UnitSummary } from './schemas.js';
import * as store from './store.js';
import { UsageRecorder } from '../stale-flags/usage-recorder.js';
import { WriteGate } from './write-gate.js';

const DAY_MS = 24 * 60 * MINUTE_MS;
export const MAX_RANGE_DAYS = 31;
export const MAX_POINTS = 2000;
const DEFAULT_POINTS = 500;
const NICE_STEPS = [1, 5, 15, 30, 60, 180, 360, 720, 1440];
/** Batches waiting for a write slot, per slot, before new ones are turned away with 503. */
const QUEUE_PER_SLOT = 50;

export interface EventServiceOptions {
  retentionDays: number;
  maxConcurrentWrites: number;
  /** Distinct `track()` event names stored per environment. */
  maxEventNames: number;
  /** How far back a client key may report (server keys: the whole retention). */
  clientMaxAgeMs: number;
  /** The flags this instance serves for an environment (its in-memory snapshot, read only); undefined while not loaded. */
  flags: (environment: string) => ReadonlyMap<string, Flag> | undefined;
  metrics: Metrics;
  now?: () => number;
}

/** One batch's outcome: the answer, and what was taken for the release plans to see. */
export interface Ingested {
  answer: EventsAccepted;
  /** Unit summaries that passed the checks (not stored here). */
  units: UnitSummary[];
  /** Tracked events stored. */
  events: TrackedEvent[];
}

export interface Stats {
  count: number;
  /** Events that carried a value; `sum`, `mean` and `stddev` are over these. */
  valueCount: number;
  sum: number;
  mean: number | null;
  /** Sample standard deviation of the values; null below two values. */
  stddev: number | null;
}

function stats(r: { count: number; valueCount: number; valueSum: number; valueSumSquares: number }): Stats {
  const n = r.valueCount;
  const mean = n > 0 ? r.valueSum / n : null;
  const variance = n > 1 ? Math.max(0, (r.valueSumSquares - (r.valueSum * r.valueSum) / n) / (n - 1)) : null;
  return { count: r.count, valueCount: n, sum: r.valueSum, mean, stddev: variance === null ? null : Math.sqrt(variance) };
}

const ZERO_STATS = { count: 0, valueCount: 0, valueSum: 0, valueSumSquares: 0 };

function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(`${field} must be an ISO-8601 date-time`, field);
  return ms;
}

/** `from`/`to` in epoch ms with their defaults (the last 24 hours), checked. */
function resolveRange(query: { from?: string | undefined; to?: string | undefined }, now: number): { from: number; to: number } {
  const to = parseTime(query.to, 'to') ?? now;
  const from = parseTime(query.from, 'from') ?? to - DAY_MS;
  if (from >= to) throw new ValidationError('from must be before to', 'from');
  if (to - from > MAX_RANGE_DAYS * DAY_MS) throw new ValidationError(`from and to may be at most ${MAX_RANGE_DAYS} days apart`, 'from');
  return { from, to };
}

function align(range: { from: number; to: number }, stepMs: number): { from: number; to: number } {
  return { from: Math.floor(range.from / stepMs) * stepMs, to: Math.ceil(range.to / stepMs) * stepMs };
}

export class EventService {
  private readonly environmentIds = new Map<string, number>();
  private readonly gate: WriteGate;
  private readonly now: () => number;
  private readonly checker = new BatchChecker();
  private readonly names: EventNameBudget;
  private readonly usage = new UsageRecorder();

  constructor(
    private readonly db: () => Database,
    private readonly options: EventServiceOptions,
  ) {
    this.gate = new WriteGate(options.maxConcurrentWrites, options.maxConcurrentWrites * QUEUE_PER_SLOT);
    this.now = options.now ?? Date.now;
    this.names = new EventNameBudget(options.maxEventNames, this.now);
  }

  private get retentionMs(): number {
    return this.options.retentionDays * DAY_MS;
  }

  private async environmentId(db: Database, key: string): Promise<number | undefined> {
    const cached = this.environmentIds.get(key);
    if (cached !== undefined) return cached;
    const [row] = await db.select({ id: environments.id }).from(environments).where(eq(environments.key, key)).limit(1);
    if (row) this.environmentIds.set(key, row.id);
    return row?.id;
  }

  private async requireEnvironment(db: Database, key: string): Promise<number> {
    const id = await this.environmentId(db, key);
    if (id === undefined) throw new NotFoundError(`Environment "${key}" does not exist`);
    return id;
  }

  /**
   * Stores one batch for the key's environment: the entries that are valid, not expired
   * and about flags and variants the key can see (event names within the environment's
   * limit). The rest is answered and added to the environment's dropped count. Unit
   * summaries are checked the same way and returned, not stored.
   */
  async ingest(key: { environment: string; clientSideOnly: boolean }, body: EventsBody): Promise<Ingested> {
    const reported = body.dropped && (body.dropped.events > 0 || body.dropped.evaluations > 0) ? body.dropped : undefined;
    const hasUnits = body.units !== undefined && body.units.length > 0;
    // Nothing to check or store: answered before any lookup, so idle SDKs cost nothing.
    if (body.evaluations.length === 0 && body.events.length === 0 && !reported && !hasUnits)
      return { answer: nothingStored(), units: [], events: [] };
    const flags = this.options.flags(key.environment);
    if (!flags) throw new UnavailableError("This environment's flags are not loaded yet; retry shortly.");
    const now = this.now();
    const oldest = now - (key.clientSideOnly ? Math.min(this.retentionMs, this.options.clientMaxAgeMs) : this.retentionMs);
    const checked = this.checker.check(body, { flags, clientSideOnly: key.clientSideOnly }, now, oldest);
    const m = this.options.metrics;
    const db = this.db();
    let stored: TrackedEvent[] = [];
    let overNames = 0;
    const write = async (): Promise<void> => {
      stored = checked.events;
      overNames = 0;
      if (
        checked.evaluations.length === 0 &&
        checked.events.length === 0 &&
        !reported &&
        checked.lost.evaluations === 0 &&
        checked.lost.events === 0
      )
        return;
      const environmentId = await this.environmentId(db, key.environment);
      if (environmentId === undefined) throw new UnauthorizedError("The key's environment no longer exists");
      let commit = (): void => {};
      let usage = (): void => {};
      await db.transaction(async (tx) => {
        const t = tx as unknown as Database;
        if (checked.events.length > 0) {
          const names = await this.names.admit(t, environmentId, new Set(checked.events.map((e) => e.name)));
          commit = names.commit;
          stored = checked.events.filter((e) => names.admitted.has(e.name));
          overNames = checked.events.length - stored.length;
        }
        const rows = aggregate(checked.evaluations, stored);
        await store.addEvaluations(t, environmentId, rows.evaluations);
        // When each variant was last served, for stale flags: at most one upsert per batch, usually none.
        usage = await this.usage.record(t, environmentId, rows.evaluations);
        await store.addEvents(t, environmentId, rows.events);
        const drops = {
          evaluations: saturatingAdd(reported?.evaluations ?? 0, checked.lost.evaluations),
          events: saturatingAdd(reported?.events ?? 0, checked.lost.events + overNames),
        };
        if (drops.evaluations > 0 || drops.events > 0) await store.addDrops(t, environmentId, minuteOf(now), drops);
      });
      commit();
      usage();
    };
    await this.gate.run(async () => {
      try {
        await write();
      } catch (err) {
        const state = sqlState(err);
        if (state === '40P01' || state === '40001')
          throw new UnavailableError('A concurrent write interfered; nothing was written. Retry.');
        // A foreign-key violation: the environment was deleted (and maybe re-created) since its id was cached.
        if (state !== '23503') throw err;
        const stale = this.environmentIds.get(key.environment);
        if (stale !== undefined) this.names.forget(stale);
        if (stale !== undefined) this.usage.forget(stale);
        this.environmentIds.delete(key.environment);
        await write();
      }
    });
    m.sdkEventsIngested.inc({ kind: 'evaluations' }, checked.evaluations.length);
    m.sdkEventsIngested.inc({ kind: 'events' }, stored.length);
    if (checked.units.length > 0) m.sdkEventsIngested.inc({ kind: 'units' }, checked.units.length);
    const count = (reason: string, tally: { evaluations: number; events: number }): void => {
      if (tally.evaluations > 0) m.sdkEventsDropped.inc({ kind: 'evaluations', reason }, tally.evaluations);
      if (tally.events > 0) m.sdkEventsDropped.inc({ kind: 'events', reason }, tally.events);
    };
    if (reported) count('sdk', reported);
    count('unknown', checked.dropped);
    count('invalid', checked.invalid);
    count('event_names', { evaluations: 0, events: overNames });
    if (checked.unitTally.dropped > 0) m.sdkEventsDropped.inc({ kind: 'units', reason: 'unknown' }, checked.unitTally.dropped);
    if (checked.unitTally.invalid > 0) m.sdkEventsDropped.inc({ kind: 'units', reason: 'invalid' }, checked.unitTally.invalid);
    const answer: EventsAccepted = {
      accepted: { evaluations: checked.evaluations.length, events: stored.length },
      expired: checked.expired,
      dropped: { evaluations: checked.dropped.evaluations, events: checked.dropped.events + overNames },
      invalid: checked.invalid,
      rejected: checked.rejected,
    };
    return { answer: hasUnits ? withUnits(answer, checked) : answer, units: checked.units, events: stored };
  }

  /** Evaluations of `flagKey` per variant over time, in `step`-minute points (dense, zero-filled). */
  async evaluations(flagKey: string, environment: string, query: MetricsQuery) {
    const range = resolveRange(query, this.now());
    const span = range.to - range.from;
    const step = query.step ?? NICE_STEPS.find((s) => span / (s * MINUTE_MS) <= DEFAULT_POINTS) ?? NICE_STEPS[NICE_STEPS.length - 1]!;
    const stepMs = step * MINUTE_MS;
    const { from, to } = align(range, stepMs);
    const points = (to - from) / stepMs;
    if (points > MAX_POINTS)
      throw new ValidationError(
        `step gives ${points} points; at most ${MAX_POINTS} (use a step of ${Math.ceil(span / MAX_POINTS / MINUTE_MS)} minutes or more)`,
        'step',
      );

    const db = this.db();
    const environmentId = await this.requireEnvironment(db, environment);
    const dates = { from: new Date(from), to: new Date(to) };
    const [rows, dropped] = await Promise.all([
      store.evaluationSeries(db, environmentId, flagKey, dates, step),
      store.dropsIn(db, environmentId, dates),
    ]);

    const byVariant = new Map<string, { variant: string | null; total: number; counts: number[] }>();
    for (const row of rows) {
      let series = byVariant.get(row.variant);
      if (!series) {
        series = { variant: row.variant === '' ? null : row.variant, total: 0, counts: new Array<number>(points).fill(0) };
        byVariant.set(row.variant, series);
      }
      const i = Math.round((row.slot - from) / stepMs);
      if (i >= 0 && i < points) series.counts[i]! += row.count;
      series.total += row.count;
    }
    const series = [...byVariant.values()].sort((a, b) =>
      a.variant === null ? 1 : b.variant === null ? -1 : a.variant.localeCompare(b.variant),
    );
    return {
      flag: flagKey,
      environment,
      from: dates.from.toISOString(),
      to: dates.to.toISOString(),
      step,
      times: Array.from({ length: points }, (_, i) => new Date(from + i * stepMs).toISOString()),
      series,
      total: series.reduce((n, s) => n + s.total, 0),
      dropped,
    };
  }

  /** Tracked events attributed to `flagKey`'s variants, by event name, with each name's total. */
  async events(flagKey: string, environment: string, query: EventsQuery) {
    const { from, to } = align(resolveRange(query, this.now()), MINUTE_MS);
    const db = this.db();
    const environmentId = await this.requireEnvironment(db, environment);
    const dates = { from: new Date(from), to: new Date(to) };
    const { rows, names, more } = await store.eventTotals(db, environmentId, flagKey, dates, query.limit ?? 100);
    const byName = new Map(
      names.map((name) => [name, { name, total: stats(ZERO_STATS), variants: [] as ({ variant: string } & Stats)[] }]),
    );
    for (const row of rows) {
      const entry = byName.get(row.eventName);
      if (!entry) continue;
      if (row.flagKey === '') entry.total = stats(row);
      else entry.variants.push({ variant: row.variant, ...stats(row) });
    }
    for (const entry of byName.values()) entry.variants.sort((a, b) => a.variant.localeCompare(b.variant));
    return { flag: flagKey, environment, from: dates.from.toISOString(), to: dates.to.toISOString(), events: [...byName.values()], more };
  }

  /** Deletes aggregates older than the retention. */
  prune(): Promise<number> {
    return store.pruneBefore(this.db(), new Date(minuteOf(this.now() - this.retentionMs)));
  }
}
