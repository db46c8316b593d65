/**
 * The SSE connection to `GET /api/sdk/stream`: connect, parse, hand validated payloads
 * to the client, and on any failure reconnect after a backoff delay. It never stops on
 * its own — even a refused key is retried, minutes apart — until `stop()`.
 */
import type { Snapshot } from '@switchboard/core';
import type { ResolvedOptions } from '../options.js';
import { SwitchboardError } from '../errors.js';
import { checkPatch, checkSnapshot, type Patch } from '../snapshot-payloads.js';
import { Backoff, jitter } from './backoff.js';
import { abortAfter, discard, requestHeaders, statusFailure, thrownFailure, type Failure } from './http.js';
import { SseParser, type ServerSentEvent } from './sse-parser.js';

export interface StreamSink {
  /** A full snapshot; receiving one also means the stream is healthy. */
  put(snapshot: Snapshot): void;
  patch(patch: Patch): void;
  /** The stream failed or ended; it will retry after `delay` ms. */
  down(failure: Failure, delay: number): void;
}

const WHAT = 'stream';

export class StreamSource {
  private readonly backoff: Backoff;
  private controller: AbortController | undefined;
  private sleepHandle: unknown;
  private wake: (() => void) | undefined;
  private stopped = true;
  private lastEventId = '';

  constructor(
    private readonly options: ResolvedOptions,
    private readonly sink: StreamSink,
  ) {
    this.backoff = new Backoff(options.backoff, options.random);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort(new SwitchboardError('CLOSED', 'client closed'));
    if (this.sleepHandle !== undefined) this.options.clock.clearTimeout(this.sleepHandle);
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const failure = await this.connectOnce();
      if (this.stopped) return;
      const delay = this.delayAfter(failure);
      this.sink.down(failure, delay);
      await this.sleep(delay);
    }
  }

  private delayAfter(failure: Failure): number {
    const { clock, backoff, random } = this.options;
    if (failure.kind !== 'retry') {
      // Refusals get the long delay; the normal sequence starts over afterwards.
      this.backoff.next(clock.now());
      return jitter(backoff.refused, random);
    }
    let delay = this.backoff.next(clock.now());
    if (failure.retryAfter !== undefined) delay = Math.max(delay, Math.min(failure.retryAfter, backoff.refused));
    return delay;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepHandle = this.options.clock.setTimeout(() => {
        this.sleepHandle = undefined;
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }

  private async connectOnce(): Promise<Failure> {
    const { clock, fetch, key, timeout, url } = this.options;
    const controller = new AbortController();
    this.controller = controller;
    const extra: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (this.lastEventId.length > 0) extra['last-event-id'] = this.lastEventId;
    const cancelTimeout = abortAfter(clock, controller, timeout, () => new SwitchboardError('TIMEOUT', `${WHAT}: no response within ${timeout} ms`));
    let res: Response;
    try {
      res = await fetch(`${url}/api/sdk/stream`, { headers: requestHeaders(key, extra), signal: controller.signal });
    } catch (e) {
      return thrownFailure(e, controller.signal, WHAT);
    } finally {
      cancelTimeout();
    }
    if (res.status !== 200) {
      await discard(res);
      return statusFailure(res, WHAT, clock.now());
    }
    const type = res.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('text/event-stream') || res.body === null) {
      await discard(res);
      return { kind: 'unavailable', error: new SwitchboardError('HTTP_STATUS', `${WHAT}: answered ${type || 'no content type'}, not text/event-stream`, { status: res.status }) };
    }
    return this.read(res.body, controller);
  }

  private async read(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<Failure> {
    const { clock, streamIdleTimeout } = this.options;
    let malformed: string | undefined;
    const parser = new SseParser({
      onEvent: (event) => {
        malformed = this.handle(event);
        if (malformed !== undefined) parser.close();
      },
      onRetry: (ms) => this.backoff.setBase(ms),
    });
    // Idle watchdog: one timer, re-armed for whatever remains of the window.
    let lastActivity = clock.now();
    let watchdog: unknown;
    const arm = (ms: number): void => {
      watchdog = clock.setTimeout(() => {
        const idle = clock.now() - lastActivity;
        if (idle >= streamIdleTimeout) {
          controller.abort(new SwitchboardError('STREAM_IDLE', `${WHAT}: silent for ${streamIdleTimeout} ms`));
        } else {
          arm(streamIdleTimeout - idle);
        }
      }, ms);
    };
    arm(streamIdleTimeout);
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        lastActivity = clock.now();
        parser.push(value);
        if (malformed !== undefined) {
          controller.abort(new SwitchboardError('MALFORMED', `${WHAT}: ${malformed}`));
          return { kind: 'retry', error: new SwitchboardError('MALFORMED', `${WHAT}: ${malformed}`) };
        }
      }
      parser.end();
      return { kind: 'retry', error: new SwitchboardError('NETWORK', `${WHAT}: the server ended the stream`), ended: true };
    } catch (e) {
      return thrownFailure(e, controller.signal, WHAT);
    } finally {
      clock.clearTimeout(watchdog);
      reader.releaseLock();
    }
  }

  /** Returns a problem description when the event is malformed. */
  private handle(event: ServerSentEvent): string | undefined {
    if (event.lastEventId.length > 0) this.lastEventId = event.lastEventId;
    if (event.type !== 'put' && event.type !== 'patch') return undefined; // unknown events are ignored
    let doc: unknown;
    try {
      doc = JSON.parse(event.data);
    } catch {
      return `${event.type} event data is not JSON`;
    }
    if (event.type === 'put') {
      const snapshot = checkSnapshot(doc);
      if (typeof snapshot === 'string') return snapshot;
      this.backoff.healthy(this.options.clock.now());
      this.sink.put(snapshot);
      return undefined;
    }
    const patch = checkPatch(doc);
    if (typeof patch === 'string') return patch;
    this.sink.patch(patch);
    return undefined;
  }
}
