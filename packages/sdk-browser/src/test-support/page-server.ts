/// <reference types="node" />
/**
 * The test page: a tiny static server on 127.0.0.1:0 serving an HTML page and an
 * esbuild bundle of the SDK (`--splitting`, so the extended operators and private
 * attributes load as separate chunks, as they would from a real app's bundle).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>switchboard</title>
<script type="module" src="/sdk/page-entry.js"></script></head><body>switchboard test page</body></html>`;

export async function startPageServer(): Promise<PageServer> {
  const result = await build({
    entryPoints: [join(here, 'page-entry.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    minify: true,
    outdir: '/sdk',
    write: false,
    logLevel: 'error',
  });
  const files = new Map(result.outputFiles.map((f) => [f.path, f.text]));
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const js = files.get(path);
    if (js !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(js);
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
