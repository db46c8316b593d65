/**
 * Change requests: in an environment with `requiredApprovals > 0`, a config write by a caller
 * is held (202) as a change request until enough other people approve it, then applied.
 * Approvals are bound to the content: an edit leaves earlier approvals uncounted.
 */
import { Type, type Static } from 'typebox';
import { Key, Timestamp, Version, ref } from './common.js';
import { PatchConfigBody } from './flags.js';

export const CHANGE_REQUEST_STATUSES = ['open', 'approved', 'applied', 'rejected', 'cancelled', 'conflicted'] as const;
export const ChangeRequestStatus = Type.Unsafe<(typeof CHANGE_REQUEST_STATUSES)[number]>({
  type: 'string',
  enum: [...CHANGE_REQUEST_STATUSES],
  description:
    'open → approved (enough approvals of the current content) → applied; rejected, cancelled; conflicted: the config ' +
    'moved past baseVersion before it was applied (nothing written)',
});
export type ChangeRequestStatus = Static<typeof ChangeRequestStatus>;

const ConfigPatch = Type.Omit(PatchConfigBody, ['version'], {
  description: 'the config fields the change sets, as they will be',
  examples: [{ fallthrough: { variant: 'on' } }],
});
const ConfigFields = Type.Required(Type.Omit(PatchConfigBody, ['version']), {
  description: 'the config at baseVersion, for the diff',
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

const Approval = Type.Object(
  {
    by: Type.String({ description: 'who approved (display name)', examples: ['bob (admin key)'] }),
    at: Timestamp(),
  },
  { additionalProperties: false },
);

const EXAMPLE = {
  id: 12,
  flag: 'new-checkout',
  environment: 'production',
  action: 'config.rollout',
  patch: {
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
    },
  },
  baseVersion: 7,
  base: {
    enabled: true,
    offVariant: 'off',
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 25_000 },
        { variant: 'off', weight: 75_000 },
      ],
    },
    rules: [],
    prerequisites: [],
    salt: 'new-checkout',
  },
  author: 'alice (admin key)',
  reason: 'Error rate flat at 25% for two days',
  status: 'open',
  requiredApprovals: 1,
  approvals: [],
  revision: 1,
  createdAt: '2026-03-14T09:26:53.589Z',
  updatedAt: '2026-03-14T09:26:53.589Z',
  resolvedAt: null,
  resolvedBy: null,
  appliedVersion: null,
};

export const ChangeRequest = Type.Object(
  {
    id: Type.Integer({ minimum: 1, examples: [12] }),
    flag: Key,
    environment: Key,
    action: Type.String({ description: 'the audit action it is written as: config.update, config.rollout…', examples: ['config.rollout'] }),
    patch: ConfigPatch,
    baseVersion: Version,
    base: ConfigFields,
    author: Type.String({ description: 'who asked (display name)', examples: ['alice (admin key)'] }),
    reason: Nullable(Type.String(), 'why (X-Change-Reason of the write, or of its last edit)'),
    status: ChangeRequestStatus,
    requiredApprovals: Type.Integer({ minimum: 0, maximum: 10, description: "the environment's requirement now" }),
    approvals: Type.Array(Approval, { description: 'approvals of the current content (earlier ones no longer count)' }),
    revision: Type.Integer({ minimum: 1, description: 'bumps on every edit and status change: the If-Match of its writes' }),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
    resolvedAt: Nullable(Timestamp(), 'when it was applied, rejected, cancelled or found conflicted'),
    resolvedBy: Nullable(Type.String(), 'who applied, rejected or cancelled it'),
    appliedVersion: Nullable(Version, 'the config version applying it wrote'),
  },
  { $id: 'ChangeRequest', additionalProperties: false, examples: [EXAMPLE] },
);
export type ChangeRequest = Static<typeof ChangeRequest>;

export const ChangeRequestList = Type.Object(
  { changeRequests: Type.Array(ref(ChangeRequest), { description: 'newest first' }) },
  { $id: 'ChangeRequestList', additionalProperties: false, examples: [{ changeRequests: [EXAMPLE] }] },
);
export type ChangeRequestList = Static<typeof ChangeRequestList>;

export const ChangeRequestQuery = Type.Object(
  {
    status: Type.Optional(ChangeRequestStatus),
    flag: Type.Optional(Key),
    environment: Type.Optional(Key),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type ChangeRequestQuery = Static<typeof ChangeRequestQuery>;

export const ChangeRequestParams = Type.Object({
  id: Type.String({ pattern: '^[1-9][0-9]{0,8}$', description: 'the change request number', examples: ['12'] }),
});

/** PATCH by its author: a new patch (and reason, by X-Change-Reason). Earlier approvals stop counting. */
export const UpdateChangeRequestBody = Type.Object(
  { patch: Type.Omit(PatchConfigBody, ['version'], { minProperties: 1 }) },
  { additionalProperties: false, examples: [{ patch: { fallthrough: { variant: 'on' } } }] },
);
export type UpdateChangeRequestBody = Static<typeof UpdateChangeRequestBody>;
