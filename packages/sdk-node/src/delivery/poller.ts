/**
 * ETag polling of `GET /api/sdk/flags`: the delivery when `stream: false`, and the
 * fallback while streaming is unavailable. A 304 costs the server a map lookup.
 */
import type { Snapshot } from '@switchboard/core';
import type { ResolvedOptions } from '../options.js';
import { SwitchboardError } from '../errors.js';
import { checkSnapshot } from '../snapshot-payloads.js';
import { jitter } from './backoff.js';
import {
  abortAfter,
  discard,
  MAX_PAYLOAD_LABEL,
  MAX_PAYLOAD_SIZE,
  readLimited,
  requestHeaders,
  responseFailure,
  thrownFailure,
  type Failure,
} from './http.js';

export interface PollSink {
  /** The revision held from the server, for `If-None-Match`; undefined when none. */
  heldRevision(): number | undefined;
  /** A 200 with a valid snapshot. */
  put(snapshot: Snapshot): void;
  /** A 304: what is held is current. */
  unchanged(): void;
  down(failure: Failure, delay: number): void;
}

const WHAT = 'poll';

export class Poller {
  private handle: unknown;
  private controller: AbortController | undefined;
  private running = false;
  /** Bumped by every start/stop, so a request from an earlier run can't schedule another. */
  private generation = 0;
  /** ETag the server sent with the revision it belongs to. */
  private etag: { revision: number; value: string } | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly sink: PollSink,
  ) {}

  get active(): boolean {
    return this.running;
  }

  /** Starts polling; the first request goes out after `firstDelay` ms. No-op when running. */
  start(firstDelay: number): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.schedule(firstDelay);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    if (this.handle !== undefined) this.options.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.controller?.abort(new SwitchboardError('CLOSED', 'polling stopped'));
  }

  private schedule(ms: number): void {
    const generation = this.generation;
    this.handle = this.options.clock.setTimeout(() => {
      this.handle = undefined;
      void this.tick(generation);
    }, ms);
  }

  private async tick(generation: number): Promise<void> {
    if (generation !== this.generation) return;
    const failure = await this.pollOnce(generation);
    if (generation !== this.generation) return;
    const { pollInterval, backoff, random } = this.options;
    if (failure === undefined) {
      // Up to 10 % early so a fleet started together drifts apart.
      this.schedule(pollInterval - Math.round(pollInterval * 0.1 * random()));
      return;
    }
    let delay = failure.kind === 'retry' ? pollInterval : Math.max(pollInterval, jitter(backoff.refused, random));
    if (failure.retryAfter !== undefined) delay = Math.max(delay, Math.min(failure.retryAfter, backoff.refused));
    this.sink.down(failure, delay);
    if (generation === this.generation) this.schedule(delay);
  }

  private async pollOnce(generation: number): Promise<Failure | undefined> {
    const { clock, fetch, key, timeout, url } = this.options;
    const controller = new AbortController();
    this.controller = controller;
    // fetch (undici) decodes br and gzip; the server keeps both ready per revision, so asking costs it nothing.
    const extra: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'br, gzip' };
    const held = this.sink.heldRevision();
    if (held !== undefined) extra['if-none-match'] = this.etag?.revision === held ? this.etag.value : `"${held}"`;
    const cancelTimeout = abortAfter(
      clock,
      controller,
      timeout,
      () => new SwitchboardError('TIMEOUT', `${WHAT}: no complete response within ${timeout} ms`),
    );
    try {
      const res = await fetch(`${url}/api/sdk/flags`, { headers: requestHeaders(key, extra), signal: controller.signal });
      if (res.status === 304) {
        await discard(res);
        if (generation === this.generation) this.sink.unchanged();
        return undefined;
      }
      if (res.status !== 200) {
        await discard(res);
        return responseFailure(res, WHAT, clock.now());
      }
      const text = await readLimited(res, MAX_PAYLOAD_SIZE);
      if (text === undefined)
        return { kind: 'retry', error: new SwitchboardError('MALFORMED', `${WHAT}: body larger than ${MAX_PAYLOAD_LABEL}`) };
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        return { kind: 'retry', error: new SwitchboardError('MALFORMED', `${WHAT}: body is not JSON`) };
      }
      const snapshot = checkSnapshot(doc);
      if (typeof snapshot === 'string') return { kind: 'retry', error: new SwitchboardError('MALFORMED', `${WHAT}: ${snapshot}`) };
      const etag = res.headers.get('etag');
      this.etag = etag === null ? undefined : { revision: snapshot.revision, value: etag };
      // A response to a stopped run is dropped: whatever stopped it (the stream) is current.
      if (generation === this.generation) this.sink.put(snapshot);
      return undefined;
    } catch (e) {
      return thrownFailure(e, controller.signal, WHAT);
    } finally {
      cancelTimeout();
    }
  }
}
