/** The audit log: who changed what, when. */
import { Type, type Static } from 'typebox';
import { Key, Timestamp, ref } from './common.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

/** Every action the audit log records; `GET /audit?action=` takes one of these. */
export const AUDIT_ACTIONS = [
  'flag.create',
  'flag.update',
  'flag.archive',
  'flag.unarchive',
  'flag.delete',
  'config.replace',
  'config.update',
  'config.enable',
  'config.kill',
  'config.rollout',
  'config.restore',
  'config.promote',
  'config.import',
  'segment.create',
  'segment.update',
  'segment.delete',
  'environment.create',
  'environment.update',
  'environment.delete',
  'api-key.create',
  'api-key.revoke',
  'user.invite',
  'user.update',
  'webhook.create',
  'webhook.update',
  'webhook.delete',
  'webhook.rotate-secret',
  'webhook.redeliver',
  'schedule.create',
  'schedule.cancel',
  'schedule.applied',
  'schedule.conflicted',
  'schedule.expired',
  'schedule.failed',
  'release.create',
  'release.start',
  'release.resume',
  'release.stage',
  'release.advance',
  'release.pause',
  'release.rollback',
  'release.kill',
  'release.notify',
  'release.cancel',
  'change-request.create',
  'change-request.update',
  'change-request.approve',
  'change-request.reject',
  'change-request.apply',
  'change-request.cancel',
  'change-request.conflict',
  'change-request.bypass',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Typed `string` for callers, who pass what a user typed; the schema's enum is what refuses an unknown one. */
export const AuditAction = Type.Unsafe<string>({
  type: 'string',
  enum: [...AUDIT_ACTIONS],
  description: 'what was done: `<resource>.<verb>`',
  examples: ['config.kill'],
});

export const AuditEvent = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    at: Timestamp(),
    actor: Type.String({ description: "who: an admin key's name, or the admin token", examples: ['alice (admin key)'] }),
    keyId: Nullable(Type.String(), 'the admin key used; null for the admin token'),
    action: Type.String({ description: 'one of the values `GET /audit?action=` lists', examples: ['config.kill'] }),
    flagKey: Nullable(Type.String()),
    environment: Nullable(Type.String()),
    subject: Nullable(Type.String(), 'another subject of the action: a segment key, an API key id…'),
    revision: Nullable(Type.Integer(), "the environment's revision after this change, when it changed one"),
    before: Type.Unknown({ description: 'the resource before the change (null for a create)' }),
    after: Type.Unknown({ description: 'the resource after the change (null for a delete)' }),
    requestId: Nullable(Type.String()),
    clientRequestId: Nullable(Type.String(), "the caller's own X-Request-Id, kept apart from ours"),
    reason: Nullable(Type.String(), "why, in the writer's words (X-Change-Reason); null when none was given"),
  },
  {
    $id: 'AuditEvent',
    additionalProperties: false,
    examples: [
      {
        id: 5120,
        at: '2026-03-14T09:26:53.589Z',
        actor: 'alice (admin key)',
        keyId: '0b7d4f3e-6a21-4c8e-9f57-3d2a1c5e8b90',
        action: 'config.kill',
        flagKey: 'new-checkout',
        environment: 'production',
        subject: null,
        revision: 129,
        before: { enabled: true },
        after: { enabled: false },
        requestId: '5f0c7a8e-2d4b-4d0e-9a57-0b6f7c1e2a93',
        clientRequestId: null,
        reason: 'Checkout errors up 4x since 09:20; INC-2231',
      },
    ],
  },
);
export type AuditEvent = Static<typeof AuditEvent>;

export const AuditPage = Type.Object(
  {
    events: Type.Array(ref(AuditEvent), { description: 'newest first' }),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'pass as `cursor` for the next page; null on the last one',
      examples: ['5071'],
    }),
  },
  { $id: 'AuditPage', additionalProperties: false },
);
export type AuditPage = Static<typeof AuditPage>;

export const AuditQuery = Type.Object(
  {
    flag: Type.Optional(Key),
    environment: Type.Optional(Key),
    action: Type.Optional(AuditAction),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601, inclusive' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601, inclusive' })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;
