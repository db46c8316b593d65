/** API keys: created with a secret shown once, stored as SHA-256, revoked (never edited). */
import type { ApiKey } from '@switchboard/api-contract';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { apiKeys, type ApiKeyKind, type Role } from '../../db/schema/index.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { grantRefusal } from '../../plugins/access.js';
import type { Idempotency, RequestContext } from '../../http/request-context.js';
import type { ChangeWriter, StoredResponse } from '../changes/change-writer.js';
import type { Delivery } from '../sdk/delivery.js';
import { findEnvironment } from '../environments/store.js';
import type { KeyVerifier } from './key-verifier.js';
import { generateSecret, hashSecret, secretHint } from './secrets.js';
import { countActiveAdminKeys, getKey, listKeys } from './store.js';

type KeyRow = Awaited<ReturnType<typeof listKeys>>[number];

export function apiKeyView(row: KeyRow): ApiKey {
  return {
    id: row.id,
    kind: row.kind,
    environment: row.environment,
    name: row.name,
    hint: row.hint,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    role: row.kind === 'admin' ? row.role : null,
    environments: row.kind === 'admin' ? row.environments : null,
  };
}

/** Inserts a key and returns its secret; the only moment the secret exists outside the caller. */
export async function insertKey(
  db: Database,
  values: { kind: ApiKeyKind; environmentId: number | null; name: string; createdBy: string; role?: Role; environments?: string[] | null },
): Promise<{ id: string; secret: string; hash: string }> {
  const secret = generateSecret(values.kind);
  const hash = hashSecret(secret);
  const [row] = await db
    .insert(apiKeys)
    .values({ ...values, secretHash: hash, hint: secretHint(secret) })
    .returning({ id: apiKeys.id });
  return { id: row!.id, secret, hash };
}

export class ApiKeyService {
  constructor(
    private readonly writer: ChangeWriter,
    private readonly delivery: Delivery,
    private readonly keys: KeyVerifier,
    private readonly db: () => Database,
    private readonly adminTokenConfigured: boolean,
  ) {}

  async list(includeRevoked: boolean): Promise<ApiKey[]> {
    return (await listKeys(this.db(), includeRevoked)).map(apiKeyView);
  }

  async create(
    ctx: RequestContext,
    body: {
      kind: ApiKeyKind;
      environment?: string | undefined;
      name: string;
      role?: Role | undefined;
      environments?: string[] | null | undefined;
    },
    idempotency: Idempotency | undefined,
  ): Promise<StoredResponse> {
    if (body.kind === 'admin' && body.environment !== undefined) {
      throw new ValidationError('admin keys belong to no environment; omit environment', 'environment');
    }
    if (body.kind !== 'admin' && body.environment === undefined) {
      throw new ValidationError(`${body.kind} keys need an environment`, 'environment');
    }
    for (const field of ['role', 'environments'] as const) {
      if (body.kind !== 'admin' && body[field] !== undefined) {
        throw new ValidationError(`${field} is for admin keys; a ${body.kind} key serves its one environment`, field);
      }
    }
    const refused = grantRefusal(ctx.principal, body.role ?? 'admin', body.environments ?? null);
    if (refused) throw new ForbiddenError(refused);
    let hash: string | undefined;
    const out = await this.writer.runCreate(ctx, idempotency, async (w) => {
      let environmentId: number | null = null;
      if (body.environment !== undefined) {
        const env = await findEnvironment(w.tx, body.environment);
        if (!env) throw new ValidationError(`Environment "${body.environment}" does not exist`, 'environment');
        environmentId = env.id;
      }
      for (const key of body.environments ?? []) {
        if (!(await findEnvironment(w.tx, key))) throw new ValidationError(`Environment "${key}" does not exist`, 'environments');
      }
      const created = await insertKey(w.tx, {
        kind: body.kind,
        environmentId,
        name: body.name,
        createdBy: ctx.principal.name,
        role: body.role ?? 'admin',
        environments: body.environments ?? null,
      });
      hash = created.hash;
      const row = await getKey(w.tx, created.id);
      const view = apiKeyView(row!);
      w.audit({ action: 'api-key.create', environment: body.environment ?? null, subject: created.id, after: view });
      // The stored (replayable) answer never holds the secret.
      return { status: 201, body: { ...view, key: created.secret }, stored: view };
    });
    if (hash) this.keys.created(hash);
    return out;
  }

  /** Revokes a key and closes its open streams on every instance. */
  async revoke(ctx: RequestContext, id: string): Promise<void> {
    let hash: string | undefined;
    await this.writer.run(ctx, async (w) => {
      const row = await getKey(w.tx, id);
      if (!row) throw new NotFoundError(`API key ${id} does not exist`);
      hash = row.secretHash;
      if (row.revokedAt) return;
      if (row.kind === 'admin' && !this.adminTokenConfigured && (await countActiveAdminKeys(w.tx)) <= 1) {
        throw new ConflictError('This is the last admin key and ADMIN_TOKEN is not set; create another admin key first');
      }
      await w.tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));
      w.audit({ action: 'api-key.revoke', environment: row.environment, subject: id, before: apiKeyView(row) });
    });
    // Tombstoned by hash even if this instance never saw the key used (revoking again re-asserts it).
    if (hash) this.keys.revoked(hash);
    this.delivery.keyRevoked(id);
  }
}
