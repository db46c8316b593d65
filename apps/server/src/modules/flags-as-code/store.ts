/** What an export reads: one environment's configs with their flags, by key. */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { flagConfigs, flags, type FlagConfigRow, type FlagRow } from '../../db/schema/index.js';

export async function flagsWithConfigs(db: Database, environmentId: number): Promise<{ flag: FlagRow; config: FlagConfigRow }[]> {
  return db
    .select({ flag: flags, config: flagConfigs })
    .from(flags)
    .innerJoin(flagConfigs, and(eq(flagConfigs.flagId, flags.id), eq(flagConfigs.environmentId, environmentId)))
    .where(eq(flags.archived, false))
    .orderBy(asc(flags.key));
}
