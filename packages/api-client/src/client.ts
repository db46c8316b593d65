/**
 * The admin API as methods: one per route, path parameters always encoded, request and
 * answer types from `@switchboard/api-contract`.
 */
import type * as C from '@switchboard/api-contract';
import type * as A from './answers.js';
import { createTransport, type HttpMethod, type QueryValue, type RequestOptions, type TransportOptions } from './transport.js';

export type AdminClientOptions = TransportOptions;

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Why, sent as `X-Change-Reason` on writes: kept in the audit log and history; required where the environment says so. */
  reason?: string;
}

/** Options of a write to something versioned. */
export interface WriteOptions extends CallOptions {
  /** The version this write was made against (`If-Match`); a stale one is a 412 `PRECONDITION_FAILED`. */
  ifMatch?: number;
}

/** Options of a create. */
export interface CreateOptions extends CallOptions {
  /** A create repeated with the same key is answered once, with the first answer. */
  idempotencyKey?: string;
}

const enc = encodeURIComponent;
const configPath = (flag: string, env: string): string => `/flags/${enc(flag)}/environments/${enc(env)}`;

export interface AdminClient {
  flags: {
    /** Flags, archived ones only when asked; with `environment` each carries its `summary` there. */
    list(query?: C.FlagListQuery, options?: CallOptions): Promise<A.FlagList>;
    /** A flag with its config in every environment. */
    get(key: string, options?: CallOptions): Promise<A.Flag>;
    /** Creates a flag; its config is created, disabled, in every environment. */
    create(body: C.CreateFlagBody, options?: CreateOptions): Promise<A.Flag>;
    /** Edits metadata or variants, or archives it. */
    update(key: string, body: C.UpdateFlagBody, options?: WriteOptions): Promise<A.Flag>;
    /** Deletes an archived flag. */
    delete(key: string, options?: WriteOptions): Promise<void>;
    /** Copies its config from `from` to `to` as a new version there; `dryRun` shows the difference only. */
    promote(key: string, body: C.PromoteBody, options?: CallOptions): Promise<C.PromoteResult>;
    /** What SDKs reported it serving per environment, and whether it is stale. */
    staleness(key: string, options?: CallOptions): Promise<C.FlagStaleness>;
    /** Sets its own stale threshold in days (`null`: the server's); `ifMatch` is the flag's version, which this bumps. */
    setStaleAfterDays(key: string, days: number | null, options?: WriteOptions): Promise<C.FlagStaleness>;
  };
  configs: {
    /** The flag's config in every environment, by environment key (the `environments` of `flags.get`). */
    list(flag: string, options?: CallOptions): Promise<A.FlagConfigList>;
    get(flag: string, env: string, options?: CallOptions): Promise<A.FlagConfig>;
    /** Replaces the config. */
    put(flag: string, env: string, body: C.PutConfigBody, options?: WriteOptions): Promise<A.FlagConfig>;
    /** Changes part of the config; `{ enabled: false }` is the kill switch. */
    patch(flag: string, env: string, body: C.PatchConfigBody, options?: WriteOptions): Promise<A.FlagConfig>;
    /** Rolls `variant` out to `percentage` % of users; the rest get the off variant. */
    rollout(flag: string, env: string, body: C.RolloutBody, options?: WriteOptions): Promise<A.FlagConfig>;
    /** Writes a new version equal to `restoreVersion`; `ifMatch` is the current version. */
    restore(flag: string, env: string, restoreVersion: number, options?: WriteOptions): Promise<A.FlagConfig>;
    /** Earlier versions, newest first. */
    versions(flag: string, env: string, query?: C.ConfigVersionsQuery, options?: CallOptions): Promise<A.ConfigVersionList>;
    /** Evaluations by variant over time. */
    metrics(flag: string, env: string, query: C.MetricsQuery, options?: CallOptions): Promise<C.EvaluationMetrics>;
    /** Tracked events by name and by the variant their users had. */
    events(flag: string, env: string, query: C.EventsQuery, options?: CallOptions): Promise<C.EventMetrics>;
  };
  segments: {
    list(options?: CallOptions): Promise<A.SegmentList>;
    get(key: string, options?: CallOptions): Promise<A.Segment>;
    create(body: C.CreateSegmentBody, options?: CreateOptions): Promise<A.Segment>;
    update(key: string, body: C.UpdateSegmentBody, options?: WriteOptions): Promise<A.Segment>;
    /** Deletes a segment nothing refers to. */
    delete(key: string, options?: WriteOptions): Promise<void>;
  };
  environments: {
    list(options?: CallOptions): Promise<C.EnvironmentList>;
    get(key: string, options?: CallOptions): Promise<C.Environment>;
    /** Creates an environment; every flag gets a disabled config in it. */
    create(body: C.CreateEnvironmentBody, options?: CreateOptions): Promise<C.Environment>;
    /** Renames it; its key never changes. */
    rename(key: string, name: string, options?: CallOptions): Promise<C.Environment>;
    /** A new name and/or settings: `protected`, `requiredApprovals` (0–10, protected only), `requireReason`. */
    update(key: string, body: C.UpdateEnvironmentBody, options?: CallOptions): Promise<C.Environment>;
    /** Deletes an environment with no active keys. */
    delete(key: string, options?: CallOptions): Promise<void>;
    /** Its flags (with its configs) and the segments, sorted by key; `versions: false` leaves versions out. */
    export(key: string, query?: { versions?: boolean }, options?: CallOptions): Promise<C.EnvironmentExport>;
    /** Writes an export in one transaction (a stale version: 412, nothing written); `dryRun` returns the changes only. */
    import(key: string, body: C.ImportBody, options?: CallOptions): Promise<C.ImportResult>;
  };
  apiKeys: {
    /** Keys (never their secrets), revoked ones only when asked. */
    list(query?: C.ApiKeyListQuery, options?: CallOptions): Promise<C.ApiKeyList>;
    /** Creates a key; the answer's `key` is the secret, shown this once. */
    create(body: C.CreateApiKeyBody, options?: CreateOptions): Promise<C.ApiKeyCreated>;
    /** Revokes a key; its open SDK streams close. */
    revoke(id: string, options?: CallOptions): Promise<void>;
  };
  users: {
    /** People who can sign in, with their roles and environments. */
    list(options?: CallOptions): Promise<C.UserList>;
    /** Invites a person; the answer's `invitationUrl` (single use) lets them set a password. */
    invite(body: C.InviteUserBody, options?: CallOptions): Promise<C.UserInvited>;
    /** Changes a person's name, role or environments, or disables them. */
    update(id: string, body: C.UpdateUserBody, options?: CallOptions): Promise<C.User>;
  };
  scheduledChanges: {
    /** Schedules a config change (any PATCH body) for `runAt`: an RFC 3339 instant or a wall time in an IANA zone. */
    create(flag: string, env: string, body: C.CreateScheduledChangeBody, options?: CreateOptions): Promise<C.ScheduledChange>;
    /** The flag's scheduled changes in one environment, earliest runAt first. */
    list(
      flag: string,
      env: string,
      query?: Pick<C.ScheduledChangeQuery, 'status' | 'limit'>,
      options?: CallOptions,
    ): Promise<C.ScheduledChangeList>;
    /** Scheduled changes of every flag, filtered by status, flag or environment. */
    listAll(query?: C.ScheduledChangeQuery, options?: CallOptions): Promise<C.ScheduledChangeList>;
    /** Cancels a pending change (a 409 `CONFLICT` once it has run or been cancelled). */
    cancel(flag: string, env: string, id: string, options?: CallOptions): Promise<C.ScheduledChange>;
  };
  changeRequests: {
    /** Change requests, newest first, by status, flag or environment. */
    list(query?: C.ChangeRequestQuery, options?: CallOptions): Promise<C.ChangeRequestList>;
    get(id: number, options?: CallOptions): Promise<C.ChangeRequest>;
    /** The author's edit: a new patch; approvals of the earlier content stop counting. `ifMatch`: its revision. */
    update(id: number, body: C.UpdateChangeRequestBody, options?: WriteOptions): Promise<C.ChangeRequest>;
    /** Approves it as it stands at `ifMatch` (its revision); not its author. */
    approve(id: number, options?: WriteOptions): Promise<C.ChangeRequest>;
    reject(id: number, options?: WriteOptions): Promise<C.ChangeRequest>;
    /** Writes an approved request; a 412 (and `conflicted`) when the config moved past its base version. */
    apply(id: number, options?: WriteOptions): Promise<C.ChangeRequest>;
    cancel(id: number, options?: WriteOptions): Promise<C.ChangeRequest>;
  };
  webhooks: {
    /** Webhooks (never their secrets). */
    list(options?: CallOptions): Promise<C.WebhookList>;
    get(id: string, options?: CallOptions): Promise<C.Webhook>;
    /** Creates a webhook; the answer's `secret` signs its deliveries and is shown this once. */
    create(body: C.CreateWebhookBody, options?: CallOptions): Promise<C.WebhookCreated>;
    update(id: string, body: C.UpdateWebhookBody, options?: CallOptions): Promise<C.Webhook>;
    /** Deletes it with its delivery log; queued deliveries are dropped. */
    delete(id: string, options?: CallOptions): Promise<void>;
    /** A new secret (shown once); the previous one keeps signing, as a second signature, until `previousSecretExpiresAt`. */
    rotateSecret(id: string, options?: CallOptions): Promise<C.WebhookSecretRotated>;
    /** One page of the delivery log, newest first; pass `nextCursor` back as `cursor` for the next. */
    deliveries(id: string, query?: C.WebhookDeliveriesQuery, options?: CallOptions): Promise<C.WebhookDeliveryPage>;
    /** Sends a delivery again (same `webhook-id`) with a fresh retry schedule. */
    redeliver(id: string, deliveryId: string, options?: CallOptions): Promise<C.WebhookDelivery>;
  };
  releasePlans: {
    /** The flag's live release plan in the environment (else its latest): stage, arms, guard statistics, decision log. */
    get(flag: string, env: string, options?: CallOptions): Promise<C.ReleasePlan>;
    /** Starts a plan (now or at `startAt`); a 409 while another is live or the flag is off. */
    put(flag: string, env: string, body: C.PutReleasePlanBody, options?: CallOptions): Promise<C.ReleasePlan>;
    /** Holds the running stage. */
    pause(flag: string, env: string, options?: CallOptions): Promise<C.ReleasePlan>;
    /** Runs a paused plan again: its stage is written again and starts over. */
    resume(flag: string, env: string, options?: CallOptions): Promise<C.ReleasePlan>;
    /** Moves to the next stage now. */
    advance(flag: string, env: string, options?: CallOptions): Promise<C.ReleasePlan>;
    /** Stops the plan; the flag keeps its current config. */
    cancel(flag: string, env: string, options?: CallOptions): Promise<C.ReleasePlan>;
  };
  explain: {
    /** What `context` gets for the flag in the environment's current snapshot, with each step that led there. */
    flag(flag: string, env: string, context: C.ExplainContext, options?: CallOptions): Promise<C.Explanation>;
    /** The same for every flag of the environment. */
    environment(env: string, context: C.ExplainContext, options?: CallOptions): Promise<C.ExplanationList>;
  };
  audit: {
    /** One page of audit events, newest first; pass `nextCursor` back as `cursor` for the next. */
    list(query?: C.AuditQuery, options?: CallOptions): Promise<C.AuditPage>;
    /** Every page from `query.cursor` (or the newest) on, fetched as the loop asks for them. */
    pages(query?: C.AuditQuery, options?: CallOptions): AsyncGenerator<C.AuditPage, void, undefined>;
  };
}

/**
 * A client for the admin API of the Switchboard server at `baseUrl`. Errors are thrown as
 * `ApiError` (check with `isApiError`), a caller's abort as the `fetch` abort error.
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const transport = createTransport(options);
  const call = <T>(method: HttpMethod, path: string, request: RequestOptions = {}): Promise<T> =>
    transport.request<T>(method, path, request);
  const query = (q: object | undefined, o: CallOptions | undefined): RequestOptions => ({
    ...o,
    query: q as Record<string, QueryValue> | undefined,
  });
  const auditList = (q: C.AuditQuery | undefined, o: CallOptions | undefined): Promise<C.AuditPage> => call('GET', '/audit', query(q, o));

  return {
    flags: {
      list: (q, o) => call('GET', '/flags', query(q, o)),
      get: (key, o) => call('GET', `/flags/${enc(key)}`, o),
      create: (body, o) => call('POST', '/flags', { ...o, body }),
      update: (key, body, o) => call('PATCH', `/flags/${enc(key)}`, { ...o, body }),
      delete: (key, o) => call('DELETE', `/flags/${enc(key)}`, o),
      promote: (key, body, o) => call('POST', `/flags/${enc(key)}/promote`, { ...o, body }),
      staleness: (key, o) => call('GET', `/flags/${enc(key)}/staleness`, o),
      setStaleAfterDays: (key, staleAfterDays, o) => call('PUT', `/flags/${enc(key)}/staleness`, { ...o, body: { staleAfterDays } }),
    },
    configs: {
      list: (flag, o) => call('GET', `/flags/${enc(flag)}/environments`, o),
      get: (flag, env, o) => call('GET', configPath(flag, env), o),
      put: (flag, env, body, o) => call('PUT', configPath(flag, env), { ...o, body }),
      patch: (flag, env, body, o) => call('PATCH', configPath(flag, env), { ...o, body }),
      rollout: (flag, env, body, o) => call('PUT', `${configPath(flag, env)}/rollout`, { ...o, body }),
      restore: (flag, env, restoreVersion, o) => call('POST', `${configPath(flag, env)}/restore`, { ...o, body: { restoreVersion } }),
      versions: (flag, env, q, o) => call('GET', `${configPath(flag, env)}/versions`, query(q, o)),
      metrics: (flag, env, q, o) => call('GET', `${configPath(flag, env)}/metrics`, query(q, o)),
      events: (flag, env, q, o) => call('GET', `${configPath(flag, env)}/events`, query(q, o)),
    },
    segments: {
      list: (o) => call('GET', '/segments', o),
      get: (key, o) => call('GET', `/segments/${enc(key)}`, o),
      create: (body, o) => call('POST', '/segments', { ...o, body }),
      update: (key, body, o) => call('PATCH', `/segments/${enc(key)}`, { ...o, body }),
      delete: (key, o) => call('DELETE', `/segments/${enc(key)}`, o),
    },
    environments: {
      list: (o) => call('GET', '/environments', o),
      get: (key, o) => call('GET', `/environments/${enc(key)}`, o),
      create: (body, o) => call('POST', '/environments', { ...o, body }),
      rename: (key, name, o) => call('PATCH', `/environments/${enc(key)}`, { ...o, body: { name } }),
      update: (key, body, o) => call('PATCH', `/environments/${enc(key)}`, { ...o, body }),
      delete: (key, o) => call('DELETE', `/environments/${enc(key)}`, o),
      export: (key, q, o) => call('GET', `/environments/${enc(key)}/export`, query(q, o)),
      import: (key, body, o) => call('POST', `/environments/${enc(key)}/import`, { ...o, body }),
    },
    apiKeys: {
      list: (q, o) => call('GET', '/api-keys', query(q, o)),
      create: (body, o) => call('POST', '/api-keys', { ...o, body }),
      revoke: (id, o) => call('DELETE', `/api-keys/${enc(id)}`, o),
    },
    users: {
      list: (o) => call('GET', '/users', o),
      invite: (body, o) => call('POST', '/users', { ...o, body }),
      update: (id, body, o) => call('PATCH', `/users/${enc(id)}`, { ...o, body }),
    },
    scheduledChanges: {
      create: (flag, env, body, o) => call('POST', `${configPath(flag, env)}/scheduled-changes`, { ...o, body }),
      list: (flag, env, q, o) => call('GET', `${configPath(flag, env)}/scheduled-changes`, query(q, o)),
      listAll: (q, o) => call('GET', '/scheduled-changes', query(q, o)),
      cancel: (flag, env, id, o) => call('DELETE', `${configPath(flag, env)}/scheduled-changes/${enc(id)}`, o),
    },
    changeRequests: {
      list: (q, o) => call('GET', '/change-requests', query(q, o)),
      get: (id, o) => call('GET', `/change-requests/${id}`, o),
      update: (id, body, o) => call('PATCH', `/change-requests/${id}`, { ...o, body }),
      approve: (id, o) => call('POST', `/change-requests/${id}/approve`, o),
      reject: (id, o) => call('POST', `/change-requests/${id}/reject`, o),
      apply: (id, o) => call('POST', `/change-requests/${id}/apply`, o),
      cancel: (id, o) => call('POST', `/change-requests/${id}/cancel`, o),
    },
    webhooks: {
      list: (o) => call('GET', '/webhooks', o),
      get: (id, o) => call('GET', `/webhooks/${enc(id)}`, o),
      create: (body, o) => call('POST', '/webhooks', { ...o, body }),
      update: (id, body, o) => call('PATCH', `/webhooks/${enc(id)}`, { ...o, body }),
      delete: (id, o) => call('DELETE', `/webhooks/${enc(id)}`, o),
      rotateSecret: (id, o) => call('POST', `/webhooks/${enc(id)}/rotate-secret`, o),
      deliveries: (id, q, o) => call('GET', `/webhooks/${enc(id)}/deliveries`, query(q, o)),
      redeliver: (id, deliveryId, o) => call('POST', `/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/redeliver`, o),
    },
    releasePlans: {
      get: (flag, env, o) => call('GET', `${configPath(flag, env)}/release-plan`, o),
      put: (flag, env, body, o) => call('PUT', `${configPath(flag, env)}/release-plan`, { ...o, body }),
      pause: (flag, env, o) => call('POST', `${configPath(flag, env)}/release-plan/pause`, o),
      resume: (flag, env, o) => call('POST', `${configPath(flag, env)}/release-plan/resume`, o),
      advance: (flag, env, o) => call('POST', `${configPath(flag, env)}/release-plan/advance`, o),
      cancel: (flag, env, o) => call('POST', `${configPath(flag, env)}/release-plan/cancel`, o),
    },
    explain: {
      flag: (flag, env, context, o) => call('POST', `${configPath(flag, env)}/explain`, { ...o, body: { context } }),
      environment: (env, context, o) => call('POST', `/environments/${enc(env)}/explain`, { ...o, body: { context } }),
    },
    audit: {
      list: auditList,
      async *pages(q, o) {
        let cursor = q?.cursor;
        for (;;) {
          const page = await auditList({ ...q, ...(cursor === undefined ? {} : { cursor }) }, o);
          yield page;
          if (page.nextCursor === null || page.events.length === 0) return;
          cursor = page.nextCursor;
        }
      },
    },
  };
}
