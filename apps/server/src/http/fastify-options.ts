/**
 * The options Fastify is built with: logging that never writes secrets, our own request
 * ids, and the timeouts and limits that apply before any route runs.
 */
import { randomUUID } from 'node:crypto';
import {
  LogController,
  type FastifyHttpOptions,
  type FastifyServerOptions,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Config } from '../config.js';
import { MAX_PARAM_LENGTH, clientErrorHandler } from '../plugins/error-handler.js';

export interface LoggingOptions {
  /** Fastify logger option; defaults to pino at `config.logLevel` with secrets redacted. */
  logger?: FastifyServerOptions['logger'];
  /** Where the default logger writes (default stdout). */
  logStream?: { write(line: string): void };
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_ROUTES = /^\/(api\/sdk\/(flags|events)|health\/[a-z]+|metrics)(\?|$)/;
const SECRET_QUERY = /(key|token|secret|password|auth)/i;

/** The URL with the values of secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) if (SECRET_QUERY.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** A client's X-Request-Id, kept only when it is 1-128 characters of [A-Za-z0-9._:-]. */
export function clientRequestIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const given = headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : undefined;
}

function defaultLogger(config: Config, stream: LoggingOptions['logStream']): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; hostname?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.hostname,
        remoteAddress: req.ip,
      }),
    },
  };
}

/** Fastify's own options for `config`; kept as a literal type so Fastify picks the HTTP/1 server overload. */
export function fastifyOptions(config: Config, options: LoggingOptions) {
  return {
    logger: options.logger ?? defaultLogger(config, options.logStream),
    bodyLimit: config.bodyLimit,
    // request.ip (rate limits, stream caps, auth throttling) reads X-Forwarded-For only from trusted proxies.
    // (Fastify takes a hop count too; its overloads' types leave the number out.)
    trustProxy: config.trustProxy as boolean | string[],
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Polled hot paths would drown the log (and cost throughput); errors still log.
      disableRequestLogging: (req: { url?: string }) => QUIET_ROUTES.test(req.url ?? ''),
    }),
    // Our id is always our own: a client's X-Request-Id could collide with or impersonate
    // another request's in logs and the audit. Theirs is kept apart (clientRequestId).
    genReqId: () => randomUUID(),
    childLoggerFactory: (logger, bindings, opts, raw: RawRequestDefaultExpression) => {
      const clientRequestId = clientRequestIdOf(raw.headers);
      return logger.child(clientRequestId === undefined ? bindings : { ...bindings, clientRequestId }, opts);
    },
    requestTimeout: 30_000,
    http: {
      headersTimeout: config.headersTimeoutMs,
      // Node looks for expired connections only this often (30 s by default), which would
      // let a slow-header client hold its socket up to twice the timeout.
      connectionsCheckingInterval: Math.min(5_000, Math.max(50, Math.floor(config.headersTimeoutMs / 4))),
    },
    clientErrorHandler,
    return503OnClosing: true,
    // Errors raised before routing (a URL with broken percent-encoding) get the same
    // JSON error shape as everything else instead of Fastify's default body.
    frameworkErrors: (error, request, reply) => {
      const body = { error: { code: 'VALIDATION_FAILED', message: error.message, field: 'url', requestId: request.id } };
      void reply
        .code(400 as never)
        .type('application/json; charset=utf-8')
        .send(body as never);
    },
    // Long parameters reach their schemas, which answer 400 naming them (past this the
    // not-found handler answers 400 for the URL) instead of the router's "No route".
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  } satisfies FastifyHttpOptions<RawServerDefault>;
}
