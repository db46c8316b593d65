/**
 * Evaluation counts and tracked events, batched to `POST /api/sdk/events`.
 *
 * Counting sits on the evaluation hot path, so it is one Map lookup and a scan of the
 * flag's few variants (compared by identity first: the served variant string is the
 * snapshot's own), with no allocation once a flag/variant pair has been seen. Memory is bounded while the server
 * is unreachable: at most `maxQueue` tracked events (the oldest are dropped and counted)
 * and at most `maxQueue` distinct flags counted per window. What the server would refuse
 * (core's EVENT_LIMITS) is left out here and counted as dropped, so it never costs a batch.
 *
 * Results of a flag's fallthrough percentage rollout also record their unit (the murmur3 of
 * the bucketing attribute's value) per flag and variant, for release-plan guards: at most
 * UNIT_LIMITS.perVariant units per variant and window (see UnitSet) and at most `maxQueue`
 * flags. A request evaluates the same user many times, so the last value's hash is reused.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../options.js';
import { SwitchboardError } from '../errors.js';
import { abortAfter, MAX_PAYLOAD_SIZE, readLimited, requestHeaders, responseFailure, thrownFailure } from '../delivery/http.js';
import { SDK_NAME, SDK_VERSION } from '../version.js';
import { UnitSet } from './unit-set.js';
import {
  EVENT_BATCH_LIMITS,
  EVENT_LIMITS,
  UNIT_LIMITS,
  eventText,
  murmur3,
  type EvaluationSummary,
  type EventsPayload,
  type TrackedEvent,
  type UnitSummary,
} from '@switchboard/core';

export interface RecorderSettings {
  url: string;
  key: string;
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
  timeout: number;
  flushInterval: number;
  maxBatch: number;
  maxQueue: number;
  onError(error: SwitchboardError): void;
}

interface FlagCounts {
  variants: (string | undefined)[];
  counts: number[];
}

interface FlagUnits {
  variants: string[];
  sets: UnitSet[];
}

/**
 * Units listed per request: a full summary is about 110 kB of JSON, and the server takes
 * 2 MB per request by default, events included.
 */
export const UNITS_PER_REQUEST = 40_000;

/** Longest wait between flushes while the server keeps failing, ms. */
const MAX_FLUSH_BACKOFF = 300_000;

export class EventRecorder {
  /** flag → counts per variant (undefined when the caller's default was served). */
  private counts = new Map<string, FlagCounts>();
  private lastFlag: string | undefined;
  private lastCounts: FlagCounts | undefined;
  /** flag → distinct units per variant served by its fallthrough rollout. */
  private units = new Map<string, FlagUnits>();
  private lastUnitFlag: string | undefined;
  private lastUnits: FlagUnits | undefined;
  private lastUnitValue: string | undefined;
  private lastUnitHash = 0;
  /** A server that predates unit summaries refused them: none are recorded or sent any more. */
  private unitsRefused = false;
  /** The status of the last upload answered `rejected`. */
  private rejectedStatus = 0;
  private windowStart: number;
  private queue: TrackedEvent[] = [];
  private droppedEvents = 0;
  private droppedEvaluations = 0;
  private timer: unknown;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  /** The early flush a full batch asked for, until it runs (cleared by `close`). */
  private flushSoonTimer: unknown;
  /** Clock time before which the timers start no upload: a `Retry-After` the server sent. */
  private notBefore = 0;
  /** Uploads in progress, so `close` can abandon them. */
  private readonly uploads = new Set<AbortController>();
  /** `close` ran out of time: no upload starts any more. */
  private abandoned = false;

  constructor(private readonly s: RecorderSettings) {
    this.windowStart = s.clock.now();
    this.scheduleNext(s.flushInterval);
  }

  /** Hot path: one evaluation of `flag` that served `variant`. */
  count(flag: string, variant: string | undefined, n = 1): void {
    // One-entry cache: request handlers tend to ask about the same flag in a row.
    let c = flag === this.lastFlag ? this.lastCounts : this.counts.get(flag);
    if (c === undefined) {
      // Checked once per flag and window, off the hot path: a key the server can't take.
      if (this.counts.size >= this.s.maxQueue || this.closed || !eventText(flag, EVENT_LIMITS.flag)) {
        this.droppedEvaluations += n;
        return;
      }
      c = { variants: [], counts: [] };
      this.counts.set(flag, c);
    }
    this.lastFlag = flag;
    this.lastCounts = c;
    const variants = c.variants;
    for (let i = 0; i < variants.length; i++) {
      if (variants[i] === variant) {
        c.counts[i]! += n;
        return;
      }
    }
    variants.push(variant);
    c.counts.push(n);
  }

  /**
   * Hot path for a result of `flag`'s fallthrough rollout: `value` (its bucketing attribute,
   * as a string) was served `variant`. Counted once per window however often it is evaluated.
   */
  unit(flag: string, variant: string, value: string): void {
    let hash = this.lastUnitHash;
    if (value !== this.lastUnitValue) {
      hash = murmur3(value);
      this.lastUnitValue = value;
      this.lastUnitHash = hash;
    }
    let u = flag === this.lastUnitFlag ? this.lastUnits : this.units.get(flag);
    if (u === undefined) {
      if (this.units.size >= this.s.maxQueue || this.closed || this.unitsRefused || !eventText(flag, EVENT_LIMITS.flag)) return;
      u = { variants: [], sets: [] };
      this.units.set(flag, u);
    }
    this.lastUnitFlag = flag;
    this.lastUnits = u;
    const variants = u.variants;
    for (let i = 0; i < variants.length; i++) {
      if (variants[i] === variant) {
        u.sets[i]!.add(hash);
        return;
      }
    }
    const set = new UnitSet(UNIT_LIMITS.perVariant);
    set.add(hash);
    variants.push(variant);
    u.sets.push(set);
  }

  track(event: TrackedEvent): void {
    if (this.closed) return;
    const value = event.value;
    if (!eventText(event.name, EVENT_LIMITS.name) || (value !== undefined && !(Math.abs(value) <= EVENT_LIMITS.value))) {
      this.droppedEvents++;
      return;
    }
    if (this.unitsRefused) delete event.units;
    // The id isn't stored, so one the server can't take goes and the event stays.
    if (event.userId !== undefined && (typeof event.userId !== 'string' || event.userId.length > EVENT_LIMITS.userId)) delete event.userId;
    this.queue.push(event);
    if (this.queue.length > this.s.maxQueue) {
      this.queue.splice(0, this.queue.length - this.s.maxQueue);
      this.droppedEvents++;
    }
    if (this.queue.length >= this.batchSize() && this.failures === 0 && this.flushSoonTimer === undefined) {
      this.flushSoonTimer = this.s.clock.setTimeout(() => {
        this.flushSoonTimer = undefined;
        void this.flush();
      }, 0);
    }
  }

  /** Sends everything held, one request per `maxBatch` events. Concurrent calls share one run. */
  flush(): Promise<void> {
    this.inFlight ??= this.sendAll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Stops the timer and makes a last flush, waiting at most `ms`; an upload still running
   * then is abandoned, so its socket doesn't hold the process open for the request timeout.
   */
  async close(ms: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.s.clock.clearTimeout(this.timer);
    // The last flush below sends the full batch; left armed, this would start one more
    // upload after close (of what that flush couldn't send, or counts dropped since).
    if (this.flushSoonTimer !== undefined) this.s.clock.clearTimeout(this.flushSoonTimer);
    this.flushSoonTimer = undefined;
    let expired: unknown;
    const finished = await Promise.race([
      this.lastFlush().then(() => true),
      new Promise<false>((resolve) => {
        expired = this.s.clock.setTimeout(() => resolve(false), ms);
      }),
    ]);
    this.s.clock.clearTimeout(expired);
    if (finished) return;
    this.abandoned = true;
    for (const upload of this.uploads) upload.abort(new SwitchboardError('CLOSED', 'events: closed before the upload finished'));
  }

  // A flush already running took its evaluation counts when it began: what was counted
  // since is only sent by another one.
  private async lastFlush(): Promise<void> {
    if (this.inFlight !== undefined) await this.inFlight;
    await this.flush();
  }

  /**
   * The interval flush. Explicit `flush()` and `close()` send at once; this timer waits out
   * a `Retry-After`, including one that answered an explicit flush while it was pending.
   */
  private scheduleNext(ms: number): void {
    if (this.closed) return;
    this.timer = this.s.clock.setTimeout(() => {
      this.timer = undefined;
      const wait = this.notBefore - this.s.clock.now();
      if (wait > 0) {
        this.scheduleNext(wait);
        return;
      }
      void this.flush().then(() => this.scheduleNext(this.nextDelay()));
    }, ms);
  }

  /** Longest wait between uploads, ms: the cap on both the doubling and `Retry-After`. */
  private maxDelay(): number {
    return Math.max(this.s.flushInterval, MAX_FLUSH_BACKOFF);
  }

  /** The interval, doubled per failed upload, and at least what `Retry-After` asked for. */
  private nextDelay(): number {
    const backoff = Math.min(this.s.flushInterval * 2 ** Math.min(this.failures, 20), this.maxDelay());
    return Math.max(backoff, this.notBefore - this.s.clock.now());
  }

  /** Events per request: `maxBatch`, within what the server takes. */
  private batchSize(): number {
    return Math.min(this.s.maxBatch, EVENT_BATCH_LIMITS.events);
  }

  /** The window's unit summaries; call before `takeEvaluations`, which starts the next window. */
  private takeUnits(now: number): UnitSummary[] {
    if (this.units.size === 0) return [];
    const out: UnitSummary[] = [];
    for (const [flag, u] of this.units) {
      for (let i = 0; i < u.variants.length; i++) {
        const set = u.sets[i]!;
        const summary: UnitSummary = { flag, variant: u.variants[i]!, units: set.units(), windowStart: this.windowStart, windowEnd: now };
        const more = set.more();
        if (more > 0) summary.more = more;
        out.push(summary);
      }
    }
    this.units = new Map();
    this.lastUnitFlag = undefined;
    this.lastUnits = undefined;
    return out;
  }

  // Like counts, a failed batch's units go back into the current window (within its bounds).
  private restoreUnits(summaries: UnitSummary[]): void {
    for (const s of summaries) {
      let u = this.units.get(s.flag);
      if (u === undefined) {
        if (this.units.size >= this.s.maxQueue || this.closed || this.unitsRefused) continue;
        u = { variants: [], sets: [] };
        this.units.set(s.flag, u);
      }
      let i = u.variants.indexOf(s.variant);
      if (i < 0) {
        i = u.variants.push(s.variant) - 1;
        u.sets.push(new UnitSet(UNIT_LIMITS.perVariant));
      }
      u.sets[i]!.restore(s.units, s.more ?? 0);
      if (s.windowStart < this.windowStart) this.windowStart = s.windowStart;
    }
  }

  private takeEvaluations(now: number): EvaluationSummary[] {
    if (this.counts.size === 0) return [];
    const out: EvaluationSummary[] = [];
    for (const [flag, c] of this.counts) {
      for (let i = 0; i < c.variants.length; i++) {
        const count = Math.min(c.counts[i]!, EVENT_LIMITS.count);
        this.droppedEvaluations += c.counts[i]! - count;
        out.push({ flag, variant: c.variants[i] ?? null, count, windowStart: this.windowStart, windowEnd: now });
      }
    }
    this.counts = new Map();
    this.lastFlag = undefined;
    this.lastCounts = undefined;
    this.windowStart = now;
    return out;
  }

  // A failed batch's counts go back into the current window, which then starts earlier.
  private restoreEvaluations(summaries: EvaluationSummary[]): void {
    for (const s of summaries) {
      this.count(s.flag, s.variant ?? undefined, s.count);
      if (s.windowStart < this.windowStart) this.windowStart = s.windowStart;
    }
  }

  private async sendAll(): Promise<void> {
    let first = true;
    let pending: EvaluationSummary[] = [];
    let pendingUnits: UnitSummary[] = [];
    while (first || this.queue.length > 0 || pending.length > 0 || pendingUnits.length > 0) {
      if (first) {
        const now = this.s.clock.now();
        pendingUnits = this.takeUnits(now);
        pending = this.takeEvaluations(now);
        // Units without counts (their flags were past maxQueue there): the window still ends now.
        if (pending.length === 0 && pendingUnits.length > 0) this.windowStart = now;
      }
      first = false;
      // The server takes at most EVENT_BATCH_LIMITS.evaluations summaries per request.
      const evaluations = pending.splice(0, EVENT_BATCH_LIMITS.evaluations);
      const events = this.queue.splice(0, this.batchSize());
      const units = takeUnitBatch(pendingUnits);
      if (
        evaluations.length === 0 &&
        events.length === 0 &&
        units.length === 0 &&
        this.droppedEvents === 0 &&
        this.droppedEvaluations === 0
      )
        return;
      const payload: EventsPayload = { sdk: { name: SDK_NAME, version: SDK_VERSION }, evaluations, events };
      if (units.length > 0) payload.units = units;
      const dropped = { events: this.droppedEvents, evaluations: this.droppedEvaluations };
      if (dropped.events > 0 || dropped.evaluations > 0) payload.dropped = dropped;
      let outcome = await this.post(payload);
      if (outcome === 'rejected' && this.rejectedStatus === 400 && !this.unitsRefused && carriesUnits(payload)) {
        // A server older than unit summaries refuses a whole batch over them: resend it
        // without, and if that is taken, stop recording them (release-plan guards need a newer server).
        delete payload.units;
        payload.events = payload.events.map(({ units: _units, ...e }) => e);
        outcome = await this.post(payload);
        if (outcome === 'sent') {
          this.refuseUnits();
          pendingUnits = [];
        }
      }
      if (outcome === 'sent' || outcome === 'rejected') {
        this.droppedEvents -= dropped.events;
        this.droppedEvaluations -= dropped.evaluations;
        if (outcome === 'rejected') {
          this.droppedEvents += events.length;
          for (const e of evaluations) this.droppedEvaluations += e.count;
        }
        this.failures = 0;
        this.notBefore = 0;
        continue;
      }
      // Server unreachable: keep what we had, oldest first, within the bound.
      this.failures++;
      this.restoreEvaluations(evaluations);
      this.restoreEvaluations(pending);
      this.restoreUnits(units);
      this.restoreUnits(pendingUnits);
      this.queue = events.concat(this.queue);
      if (this.queue.length > this.s.maxQueue) {
        const excess = this.queue.length - this.s.maxQueue;
        this.queue.splice(0, excess);
        this.droppedEvents += excess;
      }
      return;
    }
  }

  private refuseUnits(): void {
    this.unitsRefused = true;
    this.units = new Map();
    this.lastUnitFlag = undefined;
    this.lastUnits = undefined;
    for (const e of this.queue) delete e.units;
    this.s.logger.warn('events: the server refused unit summaries (it predates them); sending counts and events without them');
  }

  /** `sent`; `rejected` (a 4xx that resending won't fix: the batch is dropped); `failed` (retry later). */
  private async post(payload: EventsPayload): Promise<'sent' | 'rejected' | 'failed'> {
    if (this.abandoned) return 'failed';
    const { clock, fetch, key, timeout, url } = this.s;
    const controller = new AbortController();
    const cancel = abortAfter(
      clock,
      controller,
      timeout,
      () => new SwitchboardError('TIMEOUT', `events: no response within ${timeout} ms`),
    );
    this.uploads.add(controller);
    try {
      const res = await fetch(`${url}/api/sdk/events`, {
        method: 'POST',
        headers: requestHeaders(key, { 'content-type': 'application/json' }),
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
      // Nothing in the body is used; reading it (bounded) lets the connection be reused.
      await readLimited(res, MAX_PAYLOAD_SIZE).catch(() => undefined);
      if (res.ok) return 'sent';
      const failure = responseFailure(res, 'events', clock.now());
      if (failure.retryAfter !== undefined) this.notBefore = clock.now() + Math.min(failure.retryAfter, this.maxDelay());
      this.s.onError(new SwitchboardError('EVENTS', failure.error.message, { status: res.status, cause: failure.error }));
      // 401/403 may be a key being rotated: keep the batch (bounded) and retry later.
      if (failure.kind !== 'retry' && failure.error.code !== 'UNAUTHORIZED') {
        this.rejectedStatus = res.status;
        return 'rejected';
      }
      return 'failed';
    } catch (e) {
      const failure = thrownFailure(e, controller.signal, 'events');
      this.s.onError(new SwitchboardError('EVENTS', failure.error.message, { cause: failure.error }));
      return 'failed';
    } finally {
      cancel();
      this.uploads.delete(controller);
    }
  }
}

const carriesUnits = (payload: EventsPayload): boolean => payload.units !== undefined || payload.events.some((e) => e.units !== undefined);

/** The next request's unit summaries, off the front of `pending`: within UNIT_LIMITS.summaries and UNITS_PER_REQUEST units. */
function takeUnitBatch(pending: UnitSummary[]): UnitSummary[] {
  let n = 0;
  let listed = 0;
  while (n < pending.length && n < UNIT_LIMITS.summaries) {
    listed += pending[n]!.units.length;
    if (n > 0 && listed > UNITS_PER_REQUEST) break;
    n++;
  }
  return pending.splice(0, n);
}
