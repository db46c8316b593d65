/**
 * Evaluation counts and tracked events, batched to `POST /api/sdk/events`.
 *
 * Counting sits on the evaluation hot path, so it is one Map lookup and a scan of the
 * flag's few variants (compared by identity first: the served variant string is the
 * snapshot's own), with no allocation once a flag/variant pair has been seen. Memory is bounded while the server
 * is unreachable: at most `maxQueue` tracked events (the oldest are dropped and counted)
 * and at most `maxQueue` distinct flags counted per window. What the server would refuse
 * (core's EVENT_LIMITS) is left out here and counted as dropped, so it never costs a batch.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../options.js';
import { SwitchboardError } from '../errors.js';
import { abortAfter, MAX_PAYLOAD_SIZE, readLimited, requestHeaders, responseFailure, thrownFailure } from '../delivery/http.js';
import { SDK_NAME, SDK_VERSION } from '../version.js';
import {
  EVENT_BATCH_LIMITS,
  EVENT_LIMITS,
  eventText,
  type EvaluationSummary,
  type EventsPayload,
  type TrackedEvent,
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

/** Longest wait between flushes while the server keeps failing, ms. */
const MAX_FLUSH_BACKOFF = 300_000;

export class EventRecorder {
  /** flag → counts per variant (undefined when the caller's default was served). */
  private counts = new Map<string, FlagCounts>();
  private lastFlag: string | undefined;
  private lastCounts: FlagCounts | undefined;
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

  track(event: TrackedEvent): void {
    if (this.closed) return;
    const value = event.value;
    if (!eventText(event.name, EVENT_LIMITS.name) || (value !== undefined && !(Math.abs(value) <= EVENT_LIMITS.value))) {
      this.droppedEvents++;
      return;
    }
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
    while (first || this.queue.length > 0 || pending.length > 0) {
      if (first) pending = this.takeEvaluations(this.s.clock.now());
      first = false;
      // The server takes at most EVENT_BATCH_LIMITS.evaluations summaries per request.
      const evaluations = pending.splice(0, EVENT_BATCH_LIMITS.evaluations);
      const events = this.queue.splice(0, this.batchSize());
      if (evaluations.length === 0 && events.length === 0 && this.droppedEvents === 0 && this.droppedEvaluations === 0) return;
      const payload: EventsPayload = { sdk: { name: SDK_NAME, version: SDK_VERSION }, evaluations, events };
      const dropped = { events: this.droppedEvents, evaluations: this.droppedEvaluations };
      if (dropped.events > 0 || dropped.evaluations > 0) payload.dropped = dropped;
      const outcome = await this.post(payload);
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
      this.queue = events.concat(this.queue);
      if (this.queue.length > this.s.maxQueue) {
        const excess = this.queue.length - this.s.maxQueue;
        this.queue.splice(0, excess);
        this.droppedEvents += excess;
      }
      return;
    }
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
      if (failure.kind !== 'retry' && failure.error.code !== 'UNAUTHORIZED') return 'rejected';
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
