/**
 * Flags as code: an environment's flags, configs and the shared segments out as one
 * document, and back in as one all-or-nothing write. The import goes through the same
 * paths as the admin routes (`editConfigIn`, the flag and segment checks, `validateEdit`)
 * so it accepts exactly what they accept.
 */
import type {
  EnvironmentExport,
  ExportedConfig,
  ExportedFlag,
  ExportedSegment,
  ImportBody,
  ImportChange,
  ImportResult,
  PromoteBody,
  PromoteResult,
} from '@switchboard/api-contract';
import type { Condition } from '@switchboard/core';
import type { Database } from '../../db/client.js';
import type { ConfigFields, FlagRow, SegmentRow } from '../../db/schema/index.js';
import { AppError, ConflictError, NotFoundError, ValidationError, isAppError, issuesError } from '../../errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import type { ChangeWriter } from '../changes/change-writer.js';
import { validateEdit } from '../changes/validation.js';
import { findEnvironment } from '../environments/store.js';
import { configFields, defaultConfigFields, flagDocument, flagIssues, segmentDocument } from '../flags/documents.js';
import { checkVariantDepth, configView, editConfigIn, flagView } from '../flags/service.js';
import * as flagStore from '../flags/store.js';
import { refuseUnapprovedSegmentWrite } from '../segments/approval-guard.js';
import { checked as checkedSegment, segmentView } from '../segments/service.js';
import * as segmentStore from '../segments/store.js';
import { flagsWithConfigs } from './store.js';

/** Thrown at the end of a dry run so its transaction rolls back; carries the plan out. */
class DryRun<T> {
  constructor(readonly result: T) {}
}

/** Runs `fn`, naming `label` (like `flags.new-checkout`) in any error it raises. */
async function within<T>(label: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isAppError(err) || err.message.startsWith(`${label}`)) throw err;
    const field = err.field && err.field !== 'If-Match' ? `${label}.${err.field}` : label;
    throw new AppError(err.code, `${label}: ${err.message}`, field, err.headers);
  }
}

/** JSON with object keys sorted: stored documents (jsonb) and parsed files order keys differently. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Top-level fields of `after` whose content differs from `before`'s. */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys(after).filter((k) => canonical(before[k]) !== canonical(after[k]));
}

const pick = (o: object, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));

const SEGMENT_FIELDS = ['name', 'description', 'included', 'excluded', 'conditions'] as const;
/** Metadata an import may change on an existing flag: none of it is in the flag document SDKs get. */
const FLAG_META_FIELDS = ['name', 'description', 'tags', 'owner', 'temporary'] as const;
/** Fields that change the document in every environment: changed through the flag API, not by an environment's import. */
const FLAG_DOC_FIELDS = ['type', 'variants', 'clientSide', 'privateAttributes'] as const;
const CONFIG_FIELDS = ['enabled', 'offVariant', 'fallthrough', 'rules', 'prerequisites', 'salt'] as const;

function exportedSegment(row: SegmentRow, versions: boolean): ExportedSegment {
  return {
    key: row.key,
    ...(versions ? { version: row.version } : {}),
    name: row.name,
    description: row.description,
    included: row.included,
    excluded: row.excluded,
    conditions: row.conditions,
  };
}

function exportedConfig(row: ConfigFields & { version: number }, versions: boolean): ExportedConfig {
  return { ...(versions ? { version: row.version } : {}), ...configFields(row) };
}

function exportedFlag(flag: FlagRow, config: ConfigFields & { version: number }, versions: boolean): ExportedFlag {
  return {
    key: flag.key,
    ...(versions ? { version: flag.version } : {}),
    name: flag.name,
    description: flag.description,
    type: flag.type,
    variants: flag.variants,
    clientSide: flag.clientSide,
    privateAttributes: flag.privateAttributes,
    tags: flag.tags,
    owner: flag.owner,
    temporary: flag.temporary,
    config: exportedConfig(config, versions),
  };
}

function precondition(label: string, current: number, expected: number): AppError {
  return new AppError(
    'PRECONDITION_FAILED',
    `${label} changed since it was read: it is at version ${current}, the file has ${expected}. Export again and retry.`,
    `${label}.version`,
  );
}

function refuseDuplicates(items: readonly { key: string }[], what: 'flags' | 'segments'): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.key)) throw new ValidationError(`${what}[${i}].key "${item.key}" appears twice`, `${what}[${i}].key`);
    seen.add(item.key);
  });
}

export class FlagsAsCodeService {
  constructor(
    private readonly writer: ChangeWriter,
    private readonly db: () => Database,
  ) {}

  /** Sorted by key, archived flags left out; without versions when `versions` is false (to compare servers). */
  async export(env: string, versions = true): Promise<EnvironmentExport> {
    const db = this.db();
    const environment = await findEnvironment(db, env);
    if (!environment) throw new NotFoundError(`Environment "${env}" does not exist`);
    const segments = (await segmentStore.listSegments(db)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rows = await flagsWithConfigs(db, environment.id);
    return {
      environment: environment.key,
      segments: segments.map((s) => exportedSegment(s, versions)),
      flags: rows.map((r) => exportedFlag(r.flag, r.config, versions)),
    };
  }

  /**
   * Writes the document in one transaction: segments, then flags the server lacks (with
   * default configs everywhere), then this environment's configs. Every version the file
   * names must still be current, or nothing is written. A dry run does all of it and rolls back.
   */
  async import(ctx: RequestContext, env: string, body: ImportBody): Promise<ImportResult> {
    if (body.environment !== undefined && body.environment !== env) {
      throw new ValidationError(`The file is an export of "${body.environment}", not "${env}"`, 'environment');
    }
    refuseDuplicates(body.segments, 'segments');
    refuseDuplicates(body.flags, 'flags');
    const dryRun = body.dryRun === true;
    try {
      const changes = await this.writer.run(ctx, async (w) => {
        const planned = await this.write(w, env, body);
        if (dryRun) throw new DryRun(planned);
        return planned;
      });
      return { environment: env, dryRun, changes };
    } catch (err) {
      if (err instanceof DryRun) return { environment: env, dryRun, changes: (err as DryRun<ImportChange[]>).result };
      throw err;
    }
  }

  /**
   * Copies one flag's config from `from` to `to` (targeting, rollout, salt, kill switch) as a
   * new version of the target, through `editConfigIn`. `fromVersion`/`toVersion`, when given,
   * must be current (412 otherwise). Nothing differs: nothing written.
   */
  async promote(ctx: RequestContext, key: string, body: PromoteBody): Promise<PromoteResult> {
    if (body.from === body.to) throw new ValidationError('to must differ from from', 'to');
    const dryRun = body.dryRun === true;
    try {
      return await this.writer.run(ctx, async (w) => {
        const result = await this.promoteIn(w, key, body, dryRun);
        if (dryRun && result.fields.length > 0) throw new DryRun(result);
        return result;
      });
    } catch (err) {
      if (err instanceof DryRun) return (err as DryRun<PromoteResult>).result;
      throw err;
    }
  }

  private async promoteIn(w: ChangeTransaction, key: string, body: PromoteBody, dryRun: boolean): Promise<PromoteResult> {
    const ids: number[] = [];
    for (const [field, env] of [
      ['from', body.from],
      ['to', body.to],
    ] as const) {
      const found = await findEnvironment(w.tx, env);
      if (!found) throw new NotFoundError(`Environment "${env}" does not exist (${field})`);
      ids.push(found.id);
    }
    await w.lockEnvironments(ids);
    const [sourceId, targetId] = ids as [number, number];
    const flag = await flagStore.findFlag(w.tx, key);
    if (!flag) throw new NotFoundError(`Flag "${key}" does not exist`);
    const from = await flagStore.findConfig(w.tx, flag.id, sourceId);
    const to = await flagStore.findConfig(w.tx, flag.id, targetId);
    if (!from || !to) throw new NotFoundError(`Flag "${key}" has no config in "${from ? body.to : body.from}"`);
    if (body.fromVersion !== undefined && body.fromVersion !== from.version) {
      throw new AppError('PRECONDITION_FAILED', `${body.from} changed: its config is at version ${from.version}`, 'fromVersion');
    }
    if (body.toVersion !== undefined && body.toVersion !== to.version) {
      throw new AppError('PRECONDITION_FAILED', `${body.to} changed: its config is at version ${to.version}`, 'toVersion');
    }
    const before = pick(configFields(to), CONFIG_FIELDS);
    const after = pick(configFields(from), CONFIG_FIELDS);
    const fields = changedFields(before, after);
    const base = { flag: key, from: body.from, to: body.to, dryRun, fromVersion: from.version, fields };
    if (fields.length === 0) return { ...base, before: {}, after: {}, config: configView(key, to) };
    const config = await editConfigIn(w, key, body.to, to.version, 'config.promote', () => configFields(from));
    return {
      ...base,
      before: { version: to.version, ...pick(before, fields) },
      after: { version: config.version, ...pick(after, fields) },
      config: dryRun ? configView(key, to) : config,
    };
  }

  private async write(w: ChangeTransaction, env: string, body: ImportBody): Promise<ImportChange[]> {
    const envs = await w.lockEnvironments();
    if (!envs.some((e) => e.key === env)) throw new NotFoundError(`Environment "${env}" does not exist`);
    const envIds = envs.map((e) => e.id);
    const changes: ImportChange[] = [];

    for (const segment of body.segments) {
      const label = `segments.${segment.key}`;
      await within(label, async () => {
        const values = pick(segment, SEGMENT_FIELDS) as Pick<SegmentRow, (typeof SEGMENT_FIELDS)[number]>;
        values.conditions = values.conditions as Condition[];
        const doc = checkedSegment({ key: segment.key, ...values });
        const current = await segmentStore.findSegment(w.tx, segment.key);
        if (!current) {
          const row = await segmentStore.insertSegment(w.tx, { key: segment.key, ...values });
          w.segmentChanged(row.key, doc);
          w.audit({ action: 'segment.create', subject: row.key, after: segmentView(row) });
          changes.push({ kind: 'segment', key: row.key, action: 'create', fields: [...SEGMENT_FIELDS], before: null, after: values });
          return;
        }
        if (segment.version !== undefined && segment.version !== current.version)
          throw precondition(label, current.version, segment.version);
        const before = pick(current, SEGMENT_FIELDS);
        const fields = changedFields(before, values);
        if (fields.length === 0) return;
        // Segments are shared: an import into one environment must not change another's targeting unapproved.
        if (JSON.stringify(doc) !== JSON.stringify(segmentDocument(current)))
          await refuseUnapprovedSegmentWrite(w, envs, segment.key, 'edit');
        const row = await segmentStore.updateSegment(w.tx, current.id, pick(values, fields));
        w.segmentChanged(row.key, doc);
        w.audit({ action: 'segment.update', subject: row.key, before: segmentView(current), after: segmentView(row) });
        changes.push({
          kind: 'segment',
          key: row.key,
          action: 'update',
          fields,
          before: pick(before, fields),
          after: pick(values, fields),
        });
      });
    }
    // Segments may refer to each other: the snapshots are checked once they are all written.
    if (changes.length > 0) await asValidation(() => validateEdit(w, envIds, {}));

    const created = new Set<string>();
    const flagRows = new Map<string, FlagRow>();
    for (const flag of body.flags) {
      const label = `flags.${flag.key}`;
      await within(label, async () => {
        const current = await flagStore.findFlag(w.tx, flag.key, true);
        if (!current) {
          checkVariantDepth(flag.variants);
          const identity = {
            key: flag.key,
            type: flag.type,
            variants: flag.variants,
            clientSide: flag.clientSide,
            privateAttributes: flag.privateAttributes,
          };
          const fields = defaultConfigFields(identity);
          const issues = flagIssues(flagDocument(identity, fields, 1));
          if (issues.length > 0) throw issuesError(issues);
          const row = await flagStore.insertFlag(w.tx, { ...identity, ...pick(flag, FLAG_META_FIELDS) } as typeof identity & FlagRow);
          await flagStore.insertConfigs(
            w.tx,
            envs.map((e) => ({ flagId: row.id, environmentId: e.id, fields })),
          );
          for (const e of envs) w.flagChanged(e.id, row.key, flagDocument(row, fields, 1));
          w.audit({ action: 'flag.create', flagKey: row.key, after: flagView(row, await flagStore.configsOfFlag(w.tx, row.id)) });
          const after = pick(flag, [...FLAG_DOC_FIELDS, ...FLAG_META_FIELDS]);
          changes.push({ kind: 'flag', key: row.key, action: 'create', fields: Object.keys(after), before: null, after });
          created.add(row.key);
          flagRows.set(row.key, row);
          return;
        }
        if (current.archived) throw new ConflictError(`${label} is archived here; unarchive it before importing it`, `${label}.archived`);
        if (flag.version !== undefined && flag.version !== current.version) throw precondition(label, current.version, flag.version);
        const docFields = changedFields(pick(current, FLAG_DOC_FIELDS), pick(flag, FLAG_DOC_FIELDS));
        if (docFields.length > 0) {
          throw new ConflictError(
            `${label}.${docFields[0]} differs from the server's; change it with PATCH /api/admin/flags/${flag.key} (it affects every environment)`,
            `${label}.${docFields[0]}`,
          );
        }
        const before = pick(current, FLAG_META_FIELDS);
        const after = pick(flag, FLAG_META_FIELDS);
        const fields = changedFields(before, after);
        flagRows.set(current.key, current);
        if (fields.length === 0) return;
        const row = await flagStore.updateFlag(w.tx, current.id, pick(after, fields));
        const configs = await flagStore.configsOfFlag(w.tx, row.id);
        w.audit({ action: 'flag.update', flagKey: row.key, before: flagView(current, configs), after: flagView(row, configs) });
        changes.push({ kind: 'flag', key: row.key, action: 'update', fields, before: pick(before, fields), after: pick(after, fields) });
        flagRows.set(row.key, row);
      });
    }

    for (const flag of body.flags) {
      const label = `flags.${flag.key}.config`;
      await within(label, async () => {
        const row = flagRows.get(flag.key)!;
        const environment = envs.find((e) => e.key === env)!;
        const current = await flagStore.findConfig(w.tx, row.id, environment.id);
        if (!current) throw new NotFoundError(`Flag "${flag.key}" has no config in "${env}"`);
        const isNew = created.has(flag.key);
        if (!isNew && flag.config.version !== undefined && flag.config.version !== current.version) {
          throw precondition(label, current.version, flag.config.version);
        }
        const before = pick(configFields(current), CONFIG_FIELDS);
        const after = pick(flag.config, CONFIG_FIELDS);
        const fields = changedFields(before, after);
        if (fields.length === 0) return;
        const written = await editConfigIn(w, flag.key, env, current.version, 'config.import', () => after as unknown as ConfigFields);
        changes.push({
          kind: 'config',
          key: flag.key,
          action: isNew ? 'create' : 'update',
          fields,
          before: { version: current.version, ...pick(before, fields) },
          after: { version: written.version, ...pick(after, fields) },
        });
      });
    }
    return changes;
  }
}

/** A problem the import's own documents cause elsewhere in a snapshot is a bad import (400), not a conflict. */
async function asValidation(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (isAppError(err) && err.code === 'CONFLICT') throw new ValidationError(err.message, err.field);
    throw err;
  }
}
