/**
 * What the delivery loops need from HTTP: headers, a timeout on the injectable clock,
 * and one classification of failures into how long to wait before trying again.
 */
import type { Clock } from '../clock.js';
import { SwitchboardError } from '../errors.js';
import { SDK_NAME, SDK_VERSION } from '../version.js';

/**
 * `refused`: 401/403 or another 4xx that retrying soon won't fix — wait minutes.
 * `unavailable`: the endpoint isn't there (404/405/501, not an event stream) — poll instead.
 * `retry`: network errors, timeouts, 408, 429, 5xx, malformed data, a dropped stream — back off.
 */
export type FailureKind = 'refused' | 'unavailable' | 'retry';

export interface Failure {
  kind: FailureKind;
  error: SwitchboardError;
  /** From `Retry-After` on 429/503, ms. */
  retryAfter?: number;
  /** The server ended the stream cleanly (a restart, a maximum stream age): routine. */
  ended?: boolean;
}

export function requestHeaders(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${key}`,
    'user-agent': `${SDK_NAME}/${SDK_VERSION}`,
    'x-switchboard-sdk': `node/${SDK_VERSION}`,
    ...extra,
  };
}

/** Aborts `controller` after `ms` unless the returned function is called first. */
export function abortAfter(clock: Clock, controller: AbortController, ms: number, reason: () => Error): () => void {
  const handle = clock.setTimeout(() => controller.abort(reason()), ms);
  return () => clock.clearTimeout(handle);
}

/** Delay asked for by `Retry-After` (seconds or an HTTP date), ms. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Classifies a non-success status. `header` reads a response header (only `Retry-After`
 * is asked for), so fetch responses and node:http responses share one rule.
 */
export function statusFailure(status: number, header: (name: string) => string | null, what: string, now: number): Failure {
  if (status === 401 || status === 403) {
    return {
      kind: 'refused',
      error: new SwitchboardError('UNAUTHORIZED', `${what}: the server refused the key (HTTP ${status})`, { status }),
    };
  }
  // The node:http stream follows no redirect (with the key on it, it shouldn't: it could
  // lead to another host): say where the server pointed, so the fix is in the message.
  const location = status >= 300 && status < 400 ? header('location') : null;
  const detail = location
    ? `HTTP ${status} redirects to ${location}; set url to the address that serves the API`
    : `unexpected HTTP ${status}`;
  const error = new SwitchboardError('HTTP_STATUS', `${what}: ${detail}`, { status });
  if (status === 404 || status === 405 || status === 501) return { kind: 'unavailable', error };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfter = status === 429 || status === 503 ? parseRetryAfter(header('retry-after'), now) : undefined;
    return retryAfter === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfter };
  }
  return { kind: 'refused', error };
}

/** A thrown fetch/read error, or the reason our own abort gave. */
export function thrownFailure(e: unknown, signal: AbortSignal, what: string): Failure {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof SwitchboardError) return { kind: 'retry', error: reason };
  const detail = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  return { kind: 'retry', error: new SwitchboardError('NETWORK', `${what}: ${detail}`, { cause: e }) };
}

/** `statusFailure` for a fetch `Response`. */
export function responseFailure(res: Response, what: string, now: number): Failure {
  return statusFailure(res.status, (name) => res.headers.get(name), what, now);
}

/**
 * The most the client holds of one thing the server sends: a stream event (or a line of
 * one) and a poll body. Far above any real snapshot (1,000 flags are well under 1 MiB),
 * and low enough that a proxy streaming bytes without a line break, or a runaway body,
 * costs a dropped connection instead of the process's memory.
 */
export const MAX_PAYLOAD_SIZE = 64 * 1024 * 1024;

/** `MAX_PAYLOAD_SIZE` for messages. */
export const MAX_PAYLOAD_LABEL = `${MAX_PAYLOAD_SIZE / (1024 * 1024)} MiB`;

/**
 * The body as UTF-8 text (a leading BOM dropped, as `Response.text()` does), or undefined
 * when it is larger than `limit` bytes: a declared length over it isn't read at all, and
 * an undeclared one is cancelled as soon as it passes.
 */
export async function readLimited(res: Response, limit: number): Promise<string | undefined> {
  if (Number(res.headers.get('content-length')) > limit) {
    await discard(res);
    return undefined;
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return new TextDecoder().decode(Buffer.concat(chunks, size));
}

/** Releases a response body we won't read, so its connection can be reused or closed. */
export async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // already closed
  }
}
