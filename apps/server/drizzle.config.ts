import { defineConfig } from 'drizzle-kit';

// `pnpm --filter @switchboard/server db:generate` writes a new migration into ./drizzle
// after a schema change. Migrations are committed and never edited afterwards.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/*.ts',
  out: './drizzle',
});
