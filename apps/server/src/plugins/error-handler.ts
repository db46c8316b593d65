/**
 * The one place errors become HTTP answers: `{ "error": { "code", "message", "field"?, "requestId" } }`.
 * 5xx bodies never carry internals; the log has them.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import fp from 'fastify-plugin';
import type { ConnectionError, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS, clientDataError, isAppError, isDatabaseUnavailable, type ErrorCode } from '../errors.js';
import { DATE_TIME_MESSAGE } from './validation.js';

/** Longer path segments are refused in the not-found handler (the router gives up on them). */
export const MAX_PARAM_LENGTH = 16 * 1024;

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/rules/0/conditions/1/values` → `rules[0].conditions[1].values`. */
export function jsonPointerToField(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function validationDetails(err: FastifyError): { field: string; message: string } {
  const first = (err.validation as AjvError[] | undefined)?.[0];
  const context = (err as { validationContext?: string }).validationContext ?? 'body';
  if (!first) return { field: context, message: err.message };
  let field = jsonPointerToField(first.instancePath);
  const extra = first.params.missingProperty ?? first.params.additionalProperty;
  if (typeof extra === 'string') field = field ? `${field}.${extra}` : extra;
  if (context === 'headers' && field) field = field.toLowerCase();
  const where = field || context;
  let message = first.message ?? 'is invalid';
  if (first.keyword === 'additionalProperties') message = 'is not a known property';
  else if (first.keyword === 'required') message = 'is required';
  else if (first.keyword === 'format' && first.params.format === 'date-time') message = DATE_TIME_MESSAGE;
  else if (first.keyword === 'enum' && Array.isArray(first.params.allowedValues)) {
    message = `must be one of ${(first.params.allowedValues as unknown[]).join(', ')}`;
  }
  return { field: where, message: `${where} ${message}` };
}

/**
 * What the log keeps of an unexpected error. drizzle puts the statement's parameters in
 * its error message (request data: names, values, hashes), so they are cut out.
 */
export function loggableError(err: Error & { query?: unknown; params?: unknown; cause?: unknown }): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  if (typeof err.query === 'string' && err.params !== undefined) {
    const message = `Failed query: ${err.query}`;
    out.message = message;
    out.stack = err.stack?.replace(err.message, message);
  }
  const cause = err.cause as { name?: unknown; message?: unknown; code?: unknown } | undefined;
  if (cause && typeof cause === 'object') out.cause = { type: cause.name, message: cause.message, code: cause.code };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  return out;
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  field?: string,
  status: number = ERROR_STATUS[code],
): void {
  const body: { code: ErrorCode; message: string; field?: string; requestId: string } =
    field === undefined ? { code, message, requestId: request.id } : { code, message, field, requestId: request.id };
  void reply.status(status).type('application/json; charset=utf-8').send({ error: body });
}

export const errorHandlerPlugin = fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (isAppError(err)) {
        if (err.headers) void reply.headers(err.headers);
        if (err.status >= 500) request.log.warn({ code: err.code }, err.message);
        return send(reply, request, err.code, err.message, err.field, err.status);
      }
      if (err.validation) {
        const { field, message } = validationDetails(err);
        return send(reply, request, 'VALIDATION_FAILED', message, field);
      }
      switch (err.code) {
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return send(reply, request, 'PAYLOAD_TOO_LARGE', 'The request body is too large', 'body');
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return send(reply, request, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json', 'content-type');
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return send(reply, request, 'VALIDATION_FAILED', 'The JSON body is empty', 'body');
      }
      // Text Postgres can't store (NUL, bad UTF-8) or a value out of its range got past
      // the schemas: the client's data, so a 400, and nothing worth an error log.
      const refused = clientDataError(err);
      if (refused) return send(reply, request, 'VALIDATION_FAILED', refused.message, refused.field);
      if (isDatabaseUnavailable(err)) {
        void reply.header('retry-after', '1');
        return send(reply, request, 'UNAVAILABLE', 'The database is unavailable; retry shortly.');
      }
      const status = err.statusCode ?? 500;
      if (status === 429) {
        const retry = reply.getHeader('retry-after');
        if (retry === undefined) void reply.header('retry-after', '60');
        return send(reply, request, 'RATE_LIMITED', 'Too many requests; slow down', undefined, 429);
      }
      if (status >= 400 && status < 500) {
        // Fastify's own 4xx: malformed JSON, forbidden prototype keys, bad content length…
        const code: ErrorCode = status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
        const field =
          err instanceof SyntaxError || err.code?.startsWith('FST_ERR_CTP') || /JSON|prototype/i.test(err.message) ? 'body' : undefined;
        return send(reply, request, code, err.message, field, status);
      }
      request.log.error({ err: loggableError(err) }, 'request failed');
      return send(reply, request, 'INTERNAL', 'Internal error', undefined, 500);
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0]!;
      if (path.split('/').some((segment) => segment.length > MAX_PARAM_LENGTH)) {
        return send(reply, request, 'VALIDATION_FAILED', `A path segment is longer than ${MAX_PARAM_LENGTH} characters`, 'url');
      }
      send(reply, request, 'NOT_FOUND', `No route ${request.method} ${path.slice(0, 200)}`);
    });
  },
  { name: 'error-handler' },
);

function parseErrorField(code: string): string {
  if (code.includes('METHOD')) return 'method';
  if (code.includes('URL')) return 'url';
  if (/HEADER|CONTENT_LENGTH|TRANSFER_ENCODING/.test(code)) return 'headers';
  if (code.includes('CHUNK')) return 'body';
  return 'request';
}

/**
 * What a client gets when Node's HTTP parser gives up before there is a request to route:
 * headers over the size limit, a client too slow to send its request (slowloris), bytes
 * that are not HTTP. Fastify's default answers these in a shape of its own; clients parse
 * one shape. Like Fastify's default, it answers once and closes the connection, since
 * nothing after a parse error can be trusted to be a request boundary.
 */
export function clientErrorHandler(err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let code: ErrorCode = 'VALIDATION_FAILED';
  let message: string;
  let field: string | undefined;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    code = 'REQUEST_TIMEOUT';
    message = 'The request did not arrive in time';
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    code = 'HEADERS_TOO_LARGE';
    message = 'The request headers are too large';
    field = 'headers';
  } else {
    const reason = (err as { reason?: unknown }).reason;
    message = `The request is not valid HTTP${typeof reason === 'string' ? `: ${reason}` : ''}`;
    field = parseErrorField(String(err.code));
  }
  const status = ERROR_STATUS[code];
  const requestId = randomUUID();
  const body = JSON.stringify({ error: field === undefined ? { code, message, requestId } : { code, message, field, requestId } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
