/** Reads whole environment snapshots from the database (start-up, resync, write validation). */
import { SCHEMA_VERSION, type Flag, type Segment } from '@switchboard/core';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { environments, flagConfigs, flags, segments } from '../../db/schema/index.js';
import { flagDocument, segmentDocument } from '../flags/documents.js';
import type { EnvironmentSnapshot } from './delivered-environment.js';

export async function loadSegments(db: Database): Promise<Record<string, Segment>> {
  const rows = await db.select().from(segments).orderBy(segments.key);
  return Object.fromEntries(rows.map((row) => [row.key, segmentDocument(row)]));
}

/**
 * Snapshots of the given environments (all when `only` is omitted), each consistent
 * with its revision. Pass a transaction to read what it is about to commit.
 */
export async function readSnapshots(db: Database, only?: readonly number[]): Promise<EnvironmentSnapshot[]> {
  const envRows = await db
    .select({ id: environments.id, key: environments.key, revision: environments.revision })
    .from(environments)
    .where(only ? inArray(environments.id, [...only]) : undefined)
    .orderBy(environments.id);
  if (envRows.length === 0) return [];
  const rows = await db
    .select({
      environmentId: flagConfigs.environmentId,
      key: flags.key,
      type: flags.type,
      variants: flags.variants,
      clientSide: flags.clientSide,
      privateAttributes: flags.privateAttributes,
      enabled: flagConfigs.enabled,
      offVariant: flagConfigs.offVariant,
      fallthrough: flagConfigs.fallthrough,
      rules: flagConfigs.rules,
      prerequisites: flagConfigs.prerequisites,
      salt: flagConfigs.salt,
      version: flagConfigs.version,
    })
    .from(flagConfigs)
    .innerJoin(flags, eq(flags.id, flagConfigs.flagId))
    .where(
      and(
        eq(flags.archived, false),
        inArray(
          flagConfigs.environmentId,
          envRows.map((e) => e.id),
        ),
      ),
    )
    .orderBy(flags.key);
  const segmentDocs = await loadSegments(db);
  const byEnv = new Map<number, Record<string, Flag>>(envRows.map((e) => [e.id, {}]));
  for (const row of rows) byEnv.get(row.environmentId)![row.key] = flagDocument(row, row, row.version);
  return envRows.map((env) => ({
    schemaVersion: SCHEMA_VERSION,
    environment: env.key,
    revision: env.revision,
    flags: byEnv.get(env.id)!,
    segments: { ...segmentDocs },
  }));
}

/** Snapshots read in one repeatable-read transaction, so each revision matches its content. */
export function loadSnapshots(db: Database, only?: readonly number[]): Promise<EnvironmentSnapshot[]> {
  return db.transaction((tx) => readSnapshots(tx as unknown as Database, only), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}

export interface EnvironmentRevision {
  id: number;
  key: string;
  revision: number;
}

export function environmentRevisions(db: Database): Promise<EnvironmentRevision[]> {
  return db.select({ id: environments.id, key: environments.key, revision: environments.revision }).from(environments);
}
