#!/usr/bin/env node
/**
 * `prepack`: copies the admin UI build into dist/admin-ui, so the packed server serves it
 * (`npx @switchboard/server`); `postpack` (`clean`) removes the copy again. The build comes
 * from SWITCHBOARD_ADMIN_UI_DIST, else apps/admin/dist. Source maps stay behind.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const target = fileURLToPath(new URL('../dist/admin-ui/', import.meta.url));
rmSync(target, { recursive: true, force: true });
if (process.argv[2] !== 'clean') {
  const env = process.env.SWITCHBOARD_ADMIN_UI_DIST;
  const source = env ? resolve(env) : fileURLToPath(new URL('../../admin/dist/', import.meta.url));
  if (!existsSync(join(source, 'index.html'))) {
    console.error(
      `No admin UI build at ${source}: run \`pnpm --filter @switchboard/admin build\` first (or set SWITCHBOARD_ADMIN_UI_DIST).`,
    );
    process.exit(1);
  }
  cpSync(source, target, { recursive: true, filter: (file) => !file.endsWith('.map') });
}
