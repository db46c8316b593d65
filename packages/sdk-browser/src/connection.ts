/**
 * Delivery: `GET /api/sdk/stream` read with `fetch` and a `ReadableStream`, so the key
 * travels in the `Authorization` header (an `EventSource` can only put it in the URL),
 * or ETag polling of `GET /api/sdk/flags` when streaming is off or the server has no
 * stream. Reconnects back off exponentially with jitter; a refused key waits minutes.
 * Once the page has been hidden for `pauseWhenHidden` ms the connection is closed; when
 * it is visible again it reconnects at once, and the `put` that starts every stream (or
 * the poll) brings the snapshot up to date.
 */
import type { ClientOptions } from './client.js';
import { error, type SwitchboardError } from './errors.js';
import { createSseParser } from './sse.js';

/**
 * Where deliveries go: `put` and `patch` with the parsed document (answering false when
 * it isn't one), `current` for a 304, `down` with the failure (the connection retries
 * by itself).
 */
export type Sink = (type: string, doc?: unknown) => boolean | void;

/** Longest wait: after a refused key, and the cap on `Retry-After`. */
const REFUSED = 300_000;
/** A stream that stayed up this long starts the reconnect delays over. */
const RESET_AFTER = 60_000;

/** Starts delivering; returns the function that stops it for good. */
export function connect(options: ClientOptions, url: string, key: string, sink: Sink): () => void {
  const { pollInterval = 30_000, timeout = 10_000, idleTimeout = 60_000, pauseWhenHidden = 10_000, backoff = {} } = options;
  const { initial = 1_000, max = 30_000 } = backoff;
  // Called unbound: a browser's fetch refuses to run as a method of another object.
  const get = options.fetch ?? fetch;
  const doc = typeof document == 'object' ? document : undefined;
  let stream = options.stream ?? true;
  let attempt = 0;
  let base = initial;
  let since = 0;
  let etag: string | null = null;
  let ctrl: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let hiddenTimer: ReturnType<typeof setTimeout> | undefined;
  let paused = false;

  const run = async (): Promise<void> => {
    const c = (ctrl = new AbortController());
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    // One timer: the connect timeout, then the stream's silence limit.
    const arm = (ms: number): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => c.abort(), ms);
    };
    let delay = pollInterval;
    arm(timeout);
    try {
      const headers: Record<string, string> = { authorization: 'Bearer ' + key };
      if (!stream && etag) headers['if-none-match'] = etag;
      const res = await get(url + (stream ? '/api/sdk/stream' : '/api/sdk/flags'), { headers, signal: c.signal, cache: 'no-store' });
      const s = res.status;
      if (!stream && (s === 304 || s === 200)) {
        if (s === 304) sink('current');
        else if (!sink('put', await res.json().catch(() => 0))) throw error('MALFORMED', 'poll');
        else etag = res.headers.get('etag');
        attempt = 0;
      } else if (s === 200 && /^text\/event-stream/i.test(res.headers.get('content-type')!)) {
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let bad = false;
        const feed = createSseParser(
          (type, data) => {
            // Unknown events are ignored; anything else that isn't a valid put or patch is malformed.
            if (bad || (type !== 'put' && type !== 'patch')) return;
            let d: unknown;
            try {
              d = JSON.parse(data);
            } catch {
              // not JSON: the sink refuses it
            }
            if (sink(type, d)) since ||= Date.now();
            else bad = true;
          },
          (ms) => (base = Math.min(Math.max(ms, 100), max)),
        );
        for (;;) {
          arm(idleTimeout);
          const { done, value } = await reader.read();
          if (done) throw error('NETWORK', 'stream ended');
          feed(decoder.decode(value, { stream: true }));
          if (bad) throw error('MALFORMED', 'stream');
        }
      } else if (stream && (s === 200 || s === 404 || s === 405 || s === 501)) {
        // No stream here (404/405/501, or not an event stream): poll instead, at once.
        stream = false;
        delay = 0;
      } else {
        throw error(s === 401 || s === 403 ? 'UNAUTHORIZED' : 'HTTP_STATUS', 'HTTP ' + s, s, +res.headers.get('retry-after')! * 1000 || 0);
      }
    } catch (e) {
      if (c !== ctrl) return; // paused or stopped: not a failure
      const f = (e as SwitchboardError).code ? (e as SwitchboardError) : error(c.signal.aborted ? 'TIMEOUT' : 'NETWORK', String(e));
      if (since && Date.now() - since >= RESET_AFTER) attempt = 0;
      since = 0;
      const s = f.status!;
      // A 4xx other than 408/429 won't be fixed by retrying soon: wait minutes.
      delay = s > 399 && s < 500 && s !== 408 && s !== 429 ? REFUSED : Math.min(max, base * 2 ** Math.min(attempt++, 20));
      // Subtractive jitter, so a fleet doesn't reconnect in step; Retry-After is a floor.
      delay = Math.max(delay - (delay / 2) * Math.random(), Math.min(f.retryAfter || 0, REFUSED));
      sink('down', f);
    } finally {
      clearTimeout(watchdog);
      c.abort();
    }
    if (c === ctrl) timer = setTimeout(run, delay);
  };

  const halt = (): void => {
    clearTimeout(timer);
    clearTimeout(hiddenTimer);
    ctrl?.abort();
    ctrl = undefined;
  };

  const onVisibility = (): void => {
    clearTimeout(hiddenTimer);
    if (doc!.visibilityState === 'hidden') {
      if (pauseWhenHidden !== false) {
        hiddenTimer = setTimeout(() => {
          paused = true;
          halt();
        }, pauseWhenHidden);
      }
    } else if (paused) {
      paused = false;
      attempt = 0;
      void run();
    }
  };

  doc?.addEventListener('visibilitychange', onVisibility);
  void run();
  return () => {
    halt();
    doc?.removeEventListener('visibilitychange', onVisibility);
  };
}
