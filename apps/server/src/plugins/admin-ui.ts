/**
 * The admin web UI (apps/admin, a single-page app) served at `/` when its build is
 * there: files as they are, hashed `/assets/*` cached for a year, `index.html` never
 * cached, and every other GET that a browser navigates to (Accept: text/html) answered
 * with `index.html` so the UI's own routes survive a reload. `/api`, `/health`,
 * `/metrics` and `/docs` never fall back. Files go out pre-compressed (brotli or gzip)
 * when the build made them; source maps are never served. Without a build, `/` answers a short hint.
 */
import { stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The UI talks to this server only; no inline scripts, no third-party anything. */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SERVER_PATHS = /^\/(api|health|metrics|docs)(\/|$)/;
const ASSETS = /^\/assets\//;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Source maps stay on the build machine; the compressed copies are reached through their originals. */
const NOT_SERVED = /\.(?:map|br|gz)$/;

/** The UI's security headers; /docs sends the same. */
export function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', UI_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

/** The decoded path inside the UI folder, or undefined for anything odd (traversal, dotfiles, NUL, bad escapes). */
function safeRelativePath(url: string): string | undefined {
  const pathname = url.split('?')[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').slice(1);
  if (segments.some((s, i) => s.startsWith('.') || (s === '' && i < segments.length - 1))) return undefined;
  return decoded;
}

const HINT = {
  name: 'Switchboard',
  message:
    'The admin UI is not built on this server: run `pnpm --filter @switchboard/admin build`, or set ADMIN_UI_DIR to its dist folder. The API works without it.',
  api: '/api/admin',
  docs: '/docs',
  health: '/health/ready',
};

const HINT_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard</title></head>
<body><h1>Switchboard</h1><p>The admin UI is not built on this server: run <code>pnpm --filter @switchboard/admin build</code>,
or set <code>ADMIN_UI_DIR</code> to its dist folder. The API works without it: <a href="/docs">API documentation</a>.</p></body></html>
`;

export interface AdminUiOptions {
  /** Folder holding the UI's index.html and assets; `undefined` serves no UI. */
  dir: string | undefined;
}

/** Register without fastify-plugin: `reply.sendFile` stays in this scope. */
export const adminUi: FastifyPluginAsync<AdminUiOptions> = async (app, { dir }) => {
  const root = dir !== undefined ? path.resolve(dir) : undefined;
  if (root === undefined || !existsSync(path.join(root, 'index.html'))) {
    if (root !== undefined) app.log.debug({ dir: root }, 'no admin UI build found; / answers a hint');
    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      securityHeaders(reply).header('cache-control', 'no-cache');
      if (wantsHtml(request)) return reply.type('text/html; charset=utf-8').send(HINT_HTML);
      return HINT;
    });
    return;
  }

  // The build writes `.br` and `.gz` beside each text file; they go out by Accept-Encoding, compressed once at build time.
  await app.register(fastifyStatic, { root, serve: false, index: false, dotfiles: 'deny', preCompressed: true });

  const sendIndex = (reply: FastifyReply): FastifyReply =>
    securityHeaders(reply).header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });

  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const rel = safeRelativePath(request.url);
    if (rel === undefined || SERVER_PATHS.test(rel) || NOT_SERVED.test(rel)) return reply.callNotFound();
    const file = path.join(root, rel);
    if (!file.startsWith(root + path.sep)) return reply.callNotFound();
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile()) {
      securityHeaders(reply).header('cache-control', ASSETS.test(rel) ? IMMUTABLE : 'no-cache');
      return reply.sendFile(rel.slice(1), { cacheControl: false });
    }
    if (wantsHtml(request) && !ASSETS.test(rel)) return sendIndex(reply);
    return reply.callNotFound();
  });
};
