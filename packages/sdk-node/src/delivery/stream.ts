/**
 * The SSE connection to `GET /api/sdk/stream`: connect, parse, hand validated payloads
 * to the client, and on any failure reconnect after a backoff delay. It never stops on
 * its own — even a refused key is retried, minutes apart — until `stop()`.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Snapshot } from '@switchboard/core';
import type { ResolvedOptions } from '../options.js';
import { SwitchboardError } from '../errors.js';
import { checkPatch, checkSnapshot, type Patch } from '../snapshot-payloads.js';
import { Backoff, jitter } from './backoff.js';
import {
  abortAfter,
  discard,
  MAX_PAYLOAD_LABEL,
  MAX_PAYLOAD_SIZE,
  requestHeaders,
  responseFailure,
  statusFailure,
  thrownFailure,
  type Failure,
} from './http.js';
import { SseParser, type ServerSentEvent } from './sse-parser.js';

export interface StreamSink {
  /** A full snapshot; receiving one also means the stream is healthy. */
  put(snapshot: Snapshot): void;
  patch(patch: Patch): void;
  /** The stream failed or ended; it will retry after `delay` ms. */
  down(failure: Failure, delay: number): void;
}

const WHAT = 'stream';
/** What both node:http and fetch send as a header value: printable ASCII. */
const SENDABLE_ID = /^[\x20-\x7e]+$/;

/** One open stream's parsing: `push` returns a failure when the data was malformed. */
interface Reading {
  push(chunk: Uint8Array): Failure | undefined;
  end(): Failure;
  stop(): void;
}

function notEventStream(type: string, status: number): Failure {
  return {
    kind: 'unavailable',
    error: new SwitchboardError('HTTP_STATUS', `${WHAT}: answered ${type || 'no content type'}, not text/event-stream`, { status }),
  };
}

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
      let failure: Failure;
      try {
        failure = await this.connectOnce();
      } catch (e) {
        // Nothing is expected to throw here; if something does, this loop is the only
        // thing that keeps the client current, so it retries rather than dies.
        failure = thrownFailure(e, this.controller!.signal, WHAT);
      }
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

  private connectOnce(): Promise<Failure> {
    const controller = new AbortController();
    this.controller = controller;
    const extra: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (this.lastEventId.length > 0) extra['last-event-id'] = this.lastEventId;
    const headers = requestHeaders(this.options.key, extra);
    return this.options.customFetch ? this.connectWithFetch(headers, controller) : this.connectWithHttp(headers, controller);
  }

  /**
   * The default transport: node:http hands each chunk to a callback in the tick it arrives,
   * where fetch's ReadableStream takes several promise hops per chunk (docs/decisions/node-sdk-stream-transport.md).
   */
  private connectWithHttp(headers: Record<string, string>, controller: AbortController): Promise<Failure> {
    const { clock, url } = this.options;
    return new Promise<Failure>((settle) => {
      const cancelTimeout = this.connectTimeout(controller);
      let reading: Reading | undefined;
      let done = false;
      const finish = (failure: Failure): void => {
        if (done) return;
        done = true;
        cancelTimeout();
        reading?.stop();
        settle(failure);
      };
      let request: ClientRequest;
      try {
        // Throws, rather than emitting 'error', on a header value it won't send.
        request = (url.startsWith('https:') ? httpsRequest : httpRequest)(`${url}/api/sdk/stream`, { headers, signal: controller.signal });
      } catch (e) {
        finish(thrownFailure(e, controller.signal, WHAT));
        return;
      }
      request.on('error', (e) => finish(thrownFailure(e, controller.signal, WHAT)));
      request.on('response', (res) => {
        cancelTimeout();
        const header = (name: string): string | null => {
          const value = res.headers[name];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        };
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          finish(statusFailure(status, header, WHAT, clock.now()));
          return;
        }
        const type = header('content-type') ?? '';
        if (!type.toLowerCase().startsWith('text/event-stream')) {
          res.resume();
          finish(notEventStream(type, status));
          return;
        }
        reading = this.reading(controller);
        res.on('data', (chunk: Buffer) => {
          const failure = reading!.push(chunk);
          if (failure !== undefined) finish(failure);
        });
        res.on('end', () => finish(reading!.end()));
        res.on('error', (e) => finish(thrownFailure(e, controller.signal, WHAT)));
        // A socket closed without a clean end: a network failure, unless ours.
        res.on('close', () => finish(thrownFailure(new Error('connection closed'), controller.signal, WHAT)));
      });
      request.end();
    });
  }

  /** Aborts the attempt if no response (headers) arrives within `timeout`; returns the cancel. */
  private connectTimeout(controller: AbortController): () => void {
    const { clock, timeout } = this.options;
    return abortAfter(clock, controller, timeout, () => new SwitchboardError('TIMEOUT', `${WHAT}: no response within ${timeout} ms`));
  }

  /** Through the caller's fetch (proxies, custom agents). */
  private async connectWithFetch(headers: Record<string, string>, controller: AbortController): Promise<Failure> {
    const { clock, fetch, url } = this.options;
    const cancelTimeout = this.connectTimeout(controller);
    let res: Response;
    try {
      res = await fetch(`${url}/api/sdk/stream`, { headers, signal: controller.signal });
    } catch (e) {
      return thrownFailure(e, controller.signal, WHAT);
    } finally {
      cancelTimeout();
    }
    if (res.status !== 200) {
      await discard(res);
      return responseFailure(res, WHAT, clock.now());
    }
    const type = res.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('text/event-stream') || res.body === null) {
      await discard(res);
      return notEventStream(type, res.status);
    }
    const reading = this.reading(controller);
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return reading.end();
        const failure = reading.push(value);
        if (failure !== undefined) return failure;
      }
    } catch (e) {
      return thrownFailure(e, controller.signal, WHAT);
    } finally {
      reading.stop();
      reader.releaseLock();
    }
  }

  /** Parsing and the idle watchdog for one open stream, whichever transport reads it. */
  private reading(controller: AbortController): Reading {
    const { clock, idleTimeout } = this.options;
    let malformed: string | undefined;
    const parser = new SseParser(
      {
        onEvent: (event) => {
          malformed = this.handle(event);
          if (malformed !== undefined) parser.close();
        },
        onRetry: (ms) => this.backoff.setBase(ms),
        onTooLarge: () => (malformed = `an event (or a line of one) larger than ${MAX_PAYLOAD_LABEL}`),
      },
      MAX_PAYLOAD_SIZE,
    );
    // One timer, re-armed for whatever remains of the window, rather than one per chunk.
    let lastActivity = clock.now();
    let watchdog: unknown;
    const arm = (ms: number): void => {
      watchdog = clock.setTimeout(() => {
        const idle = clock.now() - lastActivity;
        if (idle >= idleTimeout) {
          controller.abort(new SwitchboardError('STREAM_IDLE', `${WHAT}: silent for ${idleTimeout} ms`));
        } else {
          arm(idleTimeout - idle);
        }
      }, ms);
    };
    arm(idleTimeout);
    return {
      push(chunk) {
        lastActivity = clock.now();
        try {
          parser.push(chunk);
        } catch (e) {
          // node:http calls this from a socket callback, where a throw is an uncaught
          // exception that ends the process: data we can't process costs the stream only.
          parser.close();
          malformed = `could not process an event: ${e instanceof Error ? e.message : String(e)}`;
        }
        if (malformed === undefined) return undefined;
        const error = new SwitchboardError('MALFORMED', `${WHAT}: ${malformed}`);
        controller.abort(error);
        return { kind: 'retry', error };
      },
      end() {
        parser.end();
        return { kind: 'retry', error: new SwitchboardError('NETWORK', `${WHAT}: the server ended the stream`), ended: true };
      },
      stop() {
        clock.clearTimeout(watchdog);
      },
    };
  }

  /** Returns a problem description when the event is malformed. */
  private handle(event: ServerSentEvent): string | undefined {
    // Echoed as Last-Event-ID on reconnect. An id no header can carry (control or
    // non-Latin-1 characters) would make every later connect throw; reconnecting without
    // one only costs a full put, which the server sends on connect anyway.
    if (event.lastEventId.length > 0) this.lastEventId = SENDABLE_ID.test(event.lastEventId) ? event.lastEventId : '';
    if (event.type === 'patch') {
      const patch = readPatch(event.data);
      if (typeof patch === 'string') return patch;
      this.sink.patch(patch);
      return undefined;
    }
    if (event.type !== 'put') return undefined; // unknown events are ignored
    let doc: unknown;
    try {
      doc = JSON.parse(event.data);
    } catch {
      return 'put event data is not JSON';
    }
    const snapshot = checkSnapshot(doc);
    if (typeof snapshot === 'string') return snapshot;
    this.backoff.healthy(this.options.clock.now());
    this.sink.put(snapshot);
    return undefined;
  }
}

// The last patch read in this process. Every client in a process that streams from the
// same environment receives the same patch text, so the first one parses and checks it
// and the rest reuse the result: one JSON.parse per change instead of one per client,
// and core compiles the new flag once because the clients share the flag object. That is
// safe because held flags and segments are never mutated (a change replaces them) and
// applying a patch only reads it. Comparing the text is a length check and a memcmp.
let recent: { data: string; patch: Patch | string } | undefined;

function readPatch(data: string): Patch | string {
  if (recent !== undefined && recent.data === data) return recent.patch;
  let patch: Patch | string;
  try {
    patch = checkPatch(JSON.parse(data));
  } catch {
    patch = 'patch event data is not JSON';
  }
  recent = { data, patch };
  return patch;
}
