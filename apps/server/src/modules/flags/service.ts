/** Flags and their per-environment configs: every write is validated, versioned, audited and fanned out. */
import type { Flag as FlagDocument } from '@switchboard/core';
import type {
  ConfigVersion,
  CreateFlagBody,
  Flag,
  FlagConfig,
  FlagList,
  FlagListQuery,
  FlagSummary,
  PatchConfigBody,
  PutConfigBody,
  RolloutBody,
  UpdateFlagBody,
} from '@switchboard/api-contract';
import type { SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { ConfigFields, FlagRow } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError, issuesError } from '../../errors.js';
import { validateEdit } from '../changes/validation.js';
import type { Idempotency, RequestContext } from '../../http/request-context.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import type { ChangeWriter, StoredResponse } from '../changes/change-writer.js';
import { BOOLEAN_VARIANTS, configFields, defaultConfigFields, flagDocument, flagIssues } from './documents.js';
import { decodeFlagCursor, encodeFlagCursor } from './list-cursor.js';
import { rolloutServe } from './rollout.js';
import { withRuleIds } from './rule-ids.js';
import * as store from './store.js';
import type { ConfigWithEnvironment, FlagWithConfig } from './store.js';
import { findEnvironment } from '../environments/store.js';
import { stampFirstVersions, stampVersion, versionAuthors } from '../audit/version-authors.js';
import { gateConfigWrite } from '../change-requests/gate.js';

/** `{ variant, percentage }` of a two-way rollout, percentages to 0.001. */
export function twoWayRollout(fallthrough: ConfigFields['fallthrough'], offVariant: string): FlagSummary['rollout'] {
  const rollout = 'rollout' in fallthrough ? fallthrough.rollout : undefined;
  if (!rollout || rollout.length !== 2) return null;
  const total = rollout[0]!.weight + rollout[1]!.weight;
  if (total <= 0) return null;
  const served = rollout[0]!.variant === offVariant ? rollout[1]! : rollout[0]!;
  return { variant: served.variant, percentage: Math.round((served.weight / total) * 100_000) / 1000 };
}

function configSummary(environment: string, row: FlagWithConfig): FlagSummary {
  const { config, lastChange } = row;
  return {
    environment,
    enabled: config.enabled,
    version: config.version,
    offVariant: config.offVariant,
    fallthrough: config.fallthrough,
    rollout: twoWayRollout(config.fallthrough, config.offVariant),
    ruleCount: config.rules.length,
    updatedAt: new Date(config.updatedAt).toISOString(),
    lastChange: lastChange ? { at: new Date(lastChange.at).toISOString(), actor: lastChange.actor, action: lastChange.action } : null,
  };
}

export function configView(flagKey: string, row: ConfigWithEnvironment): FlagConfig {
  return {
    flag: flagKey,
    environment: row.environment,
    version: row.version,
    ...configFields(row),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Configs by environment key, in environment order: the one shape both flag reads answer. */
function configsByEnvironment(flagKey: string, configs: ConfigWithEnvironment[]): Record<string, FlagConfig> {
  return Object.fromEntries(configs.map((c) => [c.environment, configView(flagKey, c)]));
}

export function flagView(row: FlagRow, configs?: ConfigWithEnvironment[]): Flag {
  const view: Flag = {
    key: row.key,
    name: row.name,
    description: row.description,
    type: row.type,
    variants: row.variants,
    clientSide: row.clientSide,
    privateAttributes: row.privateAttributes,
    tags: row.tags,
    owner: row.owner,
    temporary: row.temporary,
    archived: row.archived,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
  if (configs) view.environments = configsByEnvironment(row.key, configs);
  return view;
}

/**
 * How deep JSON variant values may nest: serializing JSON recurses, so a deeper value would
 * overflow the stack in the database driver. 100 is also Ruby's JSON parser's default, so an
 * SDK in any language can read what is stored.
 */
const MAX_VARIANT_DEPTH = 100;

/** Refuses a variant value nested deeper than MAX_VARIANT_DEPTH, measured without recursion (depth is what's in doubt). */
export function checkVariantDepth(variants: Record<string, unknown> | undefined): void {
  for (const [name, value] of Object.entries(variants ?? {})) {
    const pending: [unknown, number][] = [[value, 0]];
    while (pending.length > 0) {
      const [v, depth] = pending.pop()!;
      if (typeof v !== 'object' || v === null) continue;
      if (depth === MAX_VARIANT_DEPTH) {
        throw new ValidationError(`variants.${name} must nest at most ${MAX_VARIANT_DEPTH} levels deep`, `variants.${name}`);
      }
      for (const child of Array.isArray(v) ? v : Object.values(v)) pending.push([child, depth + 1]);
    }
  }
}

async function requireFlag(db: Database, key: string, forUpdate = false): Promise<FlagRow> {
  const flag = await store.findFlag(db, key, forUpdate);
  if (!flag) throw new NotFoundError(`Flag "${key}" does not exist`);
  return flag;
}

/** How an edit makes the new config from the current one. */
export type ConfigChange = (
  current: ConfigFields,
  flag: FlagRow,
  w: ChangeTransaction,
  configId: number,
) => Promise<ConfigFields> | ConfigFields;

/**
 * The one path for config edits, inside a write the caller runs (a route's, a release
 * plan's): lock the environment, check the version, validate the flag and the whole
 * would-be snapshot, write a new version, audit it as `action`. `expected` undefined edits
 * whatever version is current under the lock (a plan's own stage writes).
 */
export async function editConfigIn(
  w: ChangeTransaction,
  key: string,
  env: string,
  expected: number | undefined,
  action: string,
  change: ConfigChange,
): Promise<FlagConfig> {
  const environment = await w.lockEnvironment(env);
  const flag = await requireFlag(w.tx, key);
  const current = await store.findConfig(w.tx, flag.id, environment.id);
  if (!current) throw new NotFoundError(`Flag "${key}" has no config in "${env}"`);
  if (expected !== undefined && current.version !== expected) throw new PreconditionFailedError(current.version);
  const changed = await change(configFields(current), flag, w, current.id);
  const fields = { ...changed, rules: withRuleIds(changed.rules) };
  const doc = flagDocument(flag, fields, current.version + 1);
  const issues = flagIssues(doc);
  if (issues.length > 0) throw issuesError(issues);
  if (!flag.archived) await validateEdit(w, [environment.id], { flags: { [key]: doc } });
  const gate = { flagKey: key, action, baseVersion: current.version, base: configFields(current), next: fields };
  if ((await gateConfigWrite(w, environment, gate)) === 'held') return configView(key, current);
  const row = await store.writeConfigVersion(w.tx, current.id, current.version, fields);
  if (!row) throw new PreconditionFailedError(current.version + 1);
  await stampVersion(w, current.id, row.version);
  if (!flag.archived) w.flagChanged(environment.id, key, doc);
  const after = configView(key, { ...row, environment: env });
  w.audit({ action, flagKey: key, before: configView(key, current), after }, environment.id);
  return after;
}

/** What stale-flag tracking adds to flag answers: `?stale=` as a condition, and each answer's `staleness`. */
export interface FlagStalenessSource {
  filter(stale: boolean): SQL;
  annotate<T extends Flag>(flags: T[]): Promise<T[]>;
}

export class FlagService {
  constructor(
    private readonly writer: ChangeWriter,
    private readonly db: () => Database,
    private readonly staleness?: FlagStalenessSource,
  ) {}

  /** One page of flags when `limit` is given (with `nextCursor` and `total`), else every matching flag. */
  async list(query: FlagListQuery): Promise<FlagList> {
    const db = this.db();
    const { environment, limit, status } = query;
    if (status !== undefined && status !== 'archived' && environment === undefined) {
      throw new ValidationError(`status "${status}" needs an environment`, 'environment');
    }
    const q = query.q?.trim();
    const filter: store.FlagFilter = {
      includeArchived: query.archived === true,
      q: q ? q : undefined,
      tag: query.tag,
      status,
      afterKey: query.cursor === undefined ? undefined : decodeFlagCursor(query.cursor),
      where: query.stale === undefined || !this.staleness ? undefined : this.staleness.filter(query.stale),
    };
    // One row more than the page tells whether there is a next page.
    const take = limit === undefined ? undefined : limit + 1;
    let env: Awaited<ReturnType<typeof findEnvironment>> | undefined;
    if (environment !== undefined) {
      env = await findEnvironment(db, environment);
      if (!env) throw new NotFoundError(`Environment "${environment}" does not exist`);
    }
    // The total doesn't depend on the page: counted alongside it rather than after (a search answers sooner).
    const counting = limit === undefined ? undefined : store.countFlags(db, filter, env?.id);
    // Handled here too, so a failing page query can't leave it an unhandled rejection; awaited below.
    counting?.catch(() => undefined);
    let flags: Flag[] = env
      ? (await store.listFlagsInEnvironment(db, filter, env.id, env.key, take)).map((r) => ({
          ...flagView(r.flag),
          summary: configSummary(env.key, r),
        }))
      : (await store.selectFlags(db, filter, take)).map((r) => flagView(r));
    const more = limit !== undefined && flags.length > limit;
    if (more) flags = flags.slice(0, limit);
    if (this.staleness) flags = await this.staleness.annotate(flags);
    if (counting === undefined) return { flags };
    return {
      flags,
      nextCursor: more ? encodeFlagCursor(flags[flags.length - 1]!.key) : null,
      total: await counting,
    };
  }

  /** The flag's config in every environment, by environment key in environment order: `get`'s `environments`. */
  async configs(key: string): Promise<Record<string, FlagConfig>> {
    const db = this.db();
    const flag = await requireFlag(db, key);
    return configsByEnvironment(key, await store.configsOfFlag(db, flag.id));
  }

  async get(key: string): Promise<Flag> {
    const db = this.db();
    const flag = await requireFlag(db, key);
    const view = flagView(flag, await store.configsOfFlag(db, flag.id));
    return this.staleness ? (await this.staleness.annotate([view]))[0]! : view;
  }

  create(ctx: RequestContext, body: CreateFlagBody, idempotency: Idempotency | undefined): Promise<StoredResponse> {
    checkVariantDepth(body.variants);
    let variants = body.variants;
    if (!variants) {
      if (body.type !== 'boolean') throw new ValidationError(`variants is required for ${body.type} flags`, 'variants');
      variants = BOOLEAN_VARIANTS;
    }
    const identity = {
      key: body.key,
      type: body.type,
      variants,
      clientSide: body.clientSide ?? false,
      privateAttributes: body.privateAttributes ?? [],
    };
    const fields = defaultConfigFields(identity);
    const issues = flagIssues(flagDocument(identity, fields, 1));
    if (issues.length > 0) throw issuesError(issues);

    return this.writer.runCreate(ctx, idempotency, async (w) => {
      const envs = await w.lockEnvironments();
      if (await store.findFlag(w.tx, body.key)) throw new ConflictError(`Flag "${body.key}" already exists`, 'key');
      const flag = await store.insertFlag(w.tx, {
        key: body.key,
        name: body.name ?? body.key,
        description: body.description ?? '',
        type: body.type,
        variants,
        tags: body.tags ?? [],
        clientSide: identity.clientSide,
        privateAttributes: identity.privateAttributes,
        owner: body.owner ?? null,
        temporary: body.temporary ?? true,
      });
      await store.insertConfigs(
        w.tx,
        envs.map((env) => ({ flagId: flag.id, environmentId: env.id, fields })),
      );
      await stampFirstVersions(w, flag.id);
      for (const env of envs) w.flagChanged(env.id, flag.key, flagDocument(flag, fields, 1));
      const view = flagView(flag, await store.configsOfFlag(w.tx, flag.id));
      w.audit({ action: 'flag.create', flagKey: flag.key, after: view });
      return { status: 201, body: view };
    });
  }

  /** Metadata edits. Variant, visibility and private-attribute changes rewrite the flag in every environment (new versions). */
  update(ctx: RequestContext, key: string, expected: number, body: UpdateFlagBody): Promise<Flag> {
    checkVariantDepth(body.variants);
    return this.writer.run(ctx, async (w) => {
      const envs = await w.lockEnvironments();
      const flag = await requireFlag(w.tx, key, true);
      if (flag.version !== expected) throw new PreconditionFailedError(flag.version);
      const { version: _version, ...changes } = body;
      const next: FlagRow = { ...flag, ...changes } as FlagRow;
      const configs = await store.configsOfFlag(w.tx, flag.id);
      const docChanged =
        (body.variants !== undefined && JSON.stringify(body.variants) !== JSON.stringify(flag.variants)) ||
        (body.clientSide !== undefined && body.clientSide !== flag.clientSide) ||
        (body.privateAttributes !== undefined && JSON.stringify(body.privateAttributes) !== JSON.stringify(flag.privateAttributes)) ||
        (body.archived !== undefined && body.archived !== flag.archived);

      // An archived flag is in no snapshot: while it stays archived, nothing to publish.
      if (docChanged && !(flag.archived && next.archived)) {
        const edits = new Map<number, FlagDocument | null>();
        for (const config of configs) {
          const fields = configFields(config);
          const doc = flagDocument(next, fields, config.version + 1);
          const issues = flagIssues(doc);
          if (issues.length > 0) throw issuesError(issues, `environments.${config.environment}`);
          edits.set(config.environmentId, next.archived ? null : doc);
        }
        for (const env of envs) {
          const doc = edits.get(env.id);
          if (doc === undefined) continue;
          await validateEdit(w, [env.id], { flags: { [key]: doc } });
        }
        for (const config of configs) {
          await store.writeConfigVersion(w.tx, config.id, config.version, configFields(config));
          await stampVersion(w, config.id, config.version + 1);
          w.flagChanged(config.environmentId, key, edits.get(config.environmentId) ?? null);
        }
      }
      const updated = await store.updateFlag(w.tx, flag.id, changes);
      const action =
        body.archived === true && !flag.archived
          ? 'flag.archive'
          : body.archived === false && flag.archived
            ? 'flag.unarchive'
            : 'flag.update';
      const after = flagView(updated, await store.configsOfFlag(w.tx, flag.id));
      w.audit({ action, flagKey: key, before: flagView(flag, configs), after });
      return after;
    });
  }

  /** Deletes an archived flag (archive first, so nothing can still depend on it). */
  remove(ctx: RequestContext, key: string, expected: number): Promise<void> {
    return this.writer.run(ctx, async (w) => {
      await w.lockEnvironments();
      const flag = await requireFlag(w.tx, key, true);
      if (flag.version !== expected) throw new PreconditionFailedError(flag.version);
      if (!flag.archived) throw new ConflictError(`Archive flag "${key}" before deleting it`, 'archived');
      const configs = await store.configsOfFlag(w.tx, flag.id);
      await store.deleteFlag(w.tx, flag.id);
      w.audit({ action: 'flag.delete', flagKey: key, before: flagView(flag, configs) });
    });
  }

  async getConfig(key: string, env: string): Promise<FlagConfig> {
    const db = this.db();
    const flag = await requireFlag(db, key);
    const configs = await store.configsOfFlag(db, flag.id);
    const config = configs.find((c) => c.environment === env);
    if (!config) throw new NotFoundError(`Environment "${env}" does not exist`);
    return configView(key, config);
  }

  async configHistory(key: string, env: string, limit: number): Promise<ConfigVersion[]> {
    const db = this.db();
    const flag = await requireFlag(db, key);
    const config = (await store.configsOfFlag(db, flag.id)).find((c) => c.environment === env);
    if (!config) throw new NotFoundError(`Environment "${env}" does not exist`);
    const rows = await store.listConfigVersions(db, config.id, limit);
    const authors = await versionAuthors(
      db,
      config.id,
      rows.map((r) => r.version),
    );
    return rows.map((r) => ({
      version: r.version,
      createdAt: r.createdAt.toISOString(),
      ...r.config,
      actor: authors.get(r.version)?.actor ?? null,
      reason: authors.get(r.version)?.reason ?? null,
    }));
  }

  /** Config edits from the routes (PUT, PATCH, kill switch, rollout, restore): one write each, through `editConfigIn`. */
  private editConfig(
    ctx: RequestContext,
    key: string,
    env: string,
    expected: number,
    action: string,
    change: ConfigChange,
  ): Promise<FlagConfig> {
    return this.writer.run(ctx, (w) => editConfigIn(w, key, env, expected, action, change));
  }

  putConfig(ctx: RequestContext, key: string, env: string, expected: number, body: PutConfigBody): Promise<FlagConfig> {
    return this.editConfig(ctx, key, env, expected, 'config.replace', (current) => ({
      enabled: body.enabled,
      offVariant: body.offVariant,
      fallthrough: body.fallthrough as ConfigFields['fallthrough'],
      rules: (body.rules ?? []) as ConfigFields['rules'],
      prerequisites: body.prerequisites ?? [],
      salt: body.salt ?? current.salt,
    }));
  }

  patchConfig(ctx: RequestContext, key: string, env: string, expected: number, body: PatchConfigBody): Promise<FlagConfig> {
    const { version: _version, ...changes } = body;
    const onlyEnabled = Object.keys(changes).length === 1 && changes.enabled !== undefined;
    const action = onlyEnabled ? (changes.enabled ? 'config.enable' : 'config.kill') : 'config.update';
    return this.editConfig(ctx, key, env, expected, action, (current) => ({ ...current, ...(changes as Partial<ConfigFields>) }));
  }

  /** `percentage` % get `variant`; the other variants served keep their proportions (see `rolloutServe`). */
  setRollout(ctx: RequestContext, key: string, env: string, expected: number, body: RolloutBody): Promise<FlagConfig> {
    return this.editConfig(ctx, key, env, expected, 'config.rollout', (current, flag) => {
      const variant = body.variant ?? (flag.type === 'boolean' && Object.hasOwn(flag.variants, 'on') ? 'on' : undefined);
      if (!variant) throw new ValidationError('variant is required for non-boolean flags', 'variant');
      if (!Object.hasOwn(flag.variants, variant)) throw new ValidationError(`"${variant}" is not a variant of this flag`, 'variant');
      if (variant === current.offVariant) throw new ValidationError('variant must differ from the off variant', 'variant');
      return { ...current, fallthrough: rolloutServe(current.fallthrough, current.offVariant, variant, body.percentage, body.bucketBy) };
    });
  }

  /** Writes a new version whose content equals version `restoreVersion`. */
  restore(ctx: RequestContext, key: string, env: string, expected: number, restoreVersion: number): Promise<FlagConfig> {
    return this.editConfig(ctx, key, env, expected, 'config.restore', async (_current, _flag, w, configId) => {
      const old = await store.findConfigVersion(w.tx, configId, restoreVersion);
      if (!old) throw new NotFoundError(`Version ${restoreVersion} of this config does not exist`);
      return configFields(old);
    });
  }
}
