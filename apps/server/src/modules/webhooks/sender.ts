/**
 * One delivery attempt over HTTP(S): a POST with the signed headers, bounded by a timeout,
 * the target re-checked on the addresses actually connected to, and at most a short excerpt
 * of the answer read (the rest is dropped with the connection). Redirects are not followed.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { TargetRefused, guardedLookup, hostOf, isForbiddenAddress, type Resolver } from './ssrf.js';

/** How much of a receiver's answer the delivery log keeps. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  durationMs: number;
  /** Cut short by the caller's signal: not an outcome to record. */
  aborted?: boolean;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  resolve?: Resolver | undefined;
  /** Aborting ends the attempt at once with `aborted` set (the server is shutting down). */
  signal?: AbortSignal | undefined;
}

export function sendWebhook(target: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const finish = (statusCode: number | null, error: string | null, responseExcerpt: string | null): AttemptResult => ({
    statusCode,
    error,
    responseExcerpt,
    durationMs: Math.round(performance.now() - started),
  });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve(finish(null, 'invalid URL', null));
  }
  // IP literals never go through lookup: check them here.
  if (!options.allowPrivate && isIP(hostOf(url)) !== 0 && isForbiddenAddress(hostOf(url))) {
    return Promise.resolve(finish(null, `refused: ${hostOf(url)} is a private, loopback or link-local address`, null));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Switchboard-Webhooks/1',
        },
        agent: false,
        ...(options.allowPrivate ? {} : { lookup: guardedLookup(options.resolve) }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const settle = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
          const status = response.statusCode ?? null;
          const ok = status !== null && status >= 200 && status < 300;
          done(finish(status, ok ? null : `HTTP ${status}`, excerpt === '' ? null : excerpt));
          request.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= RESPONSE_EXCERPT_BYTES) settle();
        });
        response.on('end', settle);
        response.on('error', settle);
      },
    );
    const onAbort = () => {
      done({ ...finish(null, 'aborted', null), aborted: true });
      request.destroy();
    };
    if (options.signal?.aborted) queueMicrotask(onAbort);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      done(finish(null, `timed out after ${options.timeoutMs} ms`, null));
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => {
      const refused = err instanceof TargetRefused || err.code === 'EWEBHOOKTARGET';
      done(finish(null, refused ? `refused: ${err.message}` : `${err.code ?? 'error'}: ${err.message}`.slice(0, 500), null));
    });
    request.end(body);
  });
}
