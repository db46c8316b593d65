/**
 * SDK delivery. Both routes answer from memory: the key says which environment and
 * which projection (server: everything; client: client-side flags and the segments they
 * use), and no request touches the database once the key is known. Authentication and
 * CORS come from the enclosing scope (`access.ts`).
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EventStream, NoBody, Snapshot, SnapshotHeaders, errorResponses, ref } from '@switchboard/api-contract';
import type { FastifyRequest } from 'fastify';
import { RateLimitedError, UnavailableError } from '../../errors.js';
import type { Delivery } from './delivery.js';
import type { DeliveredEnvironment, Projection } from './delivered-environment.js';
import type { RejectReason } from './stream-hub.js';
import { SnapshotEncodings, chooseCoding, codedEtag, revisionMatches } from './snapshot-encodings.js';

/** The snapshot goes out as bytes prepared once per revision: the JSON of a `Snapshot`. */
const SnapshotBytes = Type.Unsafe<Buffer>(ref(Snapshot));

/** Sent before the first `put`, as its own shared chunk (the `put` is shared per revision). */
const RETRY = Buffer.from('retry: 1000\n');
const STREAM_RETRY_AFTER_SECONDS = 5;
const REFUSALS: Record<RejectReason, string> = {
  key: 'Too many open streams for this key on this server',
  ip: 'Too many open streams for this key from this address on this server',
  instance: 'Too many open streams on this server',
};

/** True when `If-None-Match` lists `etag` (weak or strong) or is `*`. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  for (const raw of header.split(',')) {
    const tag = raw.trim().replace(/^W\//, '');
    if (tag === etag || tag === '*') return true;
  }
  return false;
}

function resolve(delivery: Delivery, request: FastifyRequest): { view: DeliveredEnvironment; projection: Projection } {
  const principal = request.principal!;
  const view = delivery.views.get(principal.environment!);
  if (!view) throw new UnavailableError("This environment's snapshot is not loaded yet; retry shortly.");
  return { view, projection: principal.kind === 'server' ? view.server : view.client };
}

export interface SdkRoutesOptions {
  delivery: Delivery;
  /** A snapshot response not fully sent within this long (its client stopped reading) is cut. */
  drainTimeoutMs: number;
}

export const sdkRoutes: FastifyPluginAsyncTypebox<SdkRoutesOptions> = async (app, { delivery, drainTimeoutMs }) => {
  const encodings = new SnapshotEncodings();
  app.get(
    '/flags',
    {
      // Compressed here, once per revision, rather than per request by the compression plugin.
      compress: false,
      schema: {
        tags: ['sdk'],
        summary:
          "The environment's snapshot (server key) or client projection (client key), br or gzip by Accept-Encoding. " +
          'ETag = revision (with the coding); 304 on If-None-Match of that revision in any coding',
        headers: SnapshotHeaders,
        response: {
          200: SnapshotBytes,
          304: NoBody('Not modified: the If-None-Match ETag is the current revision'),
          ...errorResponses(401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { view, projection } = resolve(delivery, request);
      const coding = chooseCoding(request.headers['accept-encoding']);
      void reply
        .header('etag', codedEtag(projection.etag, coding))
        .header('cache-control', 'no-cache')
        .header('vary', 'Authorization, Origin, Accept-Encoding');
      if (revisionMatches(request.headers['if-none-match'], projection.etag)) return reply.code(304).send();
      const body = view.bodyBytes(projection);
      let bytes = body;
      if (coding !== undefined) {
        const held = encodings.encoded(projection, body, coding);
        bytes = Buffer.isBuffer(held) ? held : await held;
        void reply.header('content-encoding', coding);
      }
      void reply.type('application/json; charset=utf-8').send(bytes);
      // The socket times out only while nothing is pending, so a body its client stops reading
      // would hold the connection for good. Most answers are already with the kernel here: no timer.
      const res = reply.raw;
      if (!res.headersSent || res.writableLength > 0) {
        const deadline = setTimeout(() => res.writableFinished || res.destroy(), drainTimeoutMs);
        deadline.unref();
        res.once('close', () => clearTimeout(deadline));
      }
      return reply;
    },
  );

  app.get(
    '/stream',
    {
      // A compressor would hold back heartbeats and patches until its buffer fills.
      compress: false,
      schema: {
        tags: ['sdk'],
        summary: 'Server-sent events: `put` (whole snapshot) on connect, `patch` per flag change, `: ping` heartbeats',
        response: { 200: EventStream, ...errorResponses(401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const { view, projection } = resolve(delivery, request);
      const refused = delivery.hub.admit(principal.keyId!, request.ip);
      if (refused) throw new RateLimitedError(REFUSALS[refused], STREAM_RETRY_AFTER_SECONDS);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      request.raw.socket.setNoDelay(true);
      request.raw.socket.setKeepAlive(true, 30_000);
      // Nothing can change between reading the view and registering the stream (no await),
      // so the client misses no patch.
      delivery.hub.open(
        {
          res,
          keyId: principal.keyId!,
          environment: view.environment,
          kind: principal.kind === 'server' ? 'server' : 'client',
          ip: request.ip,
        },
        [RETRY, view.putEvent(projection)],
      );
    },
  );
};
