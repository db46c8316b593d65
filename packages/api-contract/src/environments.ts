/** Environments: each has its own configs, keys and revision. */
import { Type, type Static } from 'typebox';
import { Key, Timestamp, ref } from './common.js';

const Name = Type.String({ minLength: 1, maxLength: 200, examples: ['Production'] });
const RequiredApprovals = Type.Integer({
  minimum: 0,
  maximum: 10,
  description: 'approvals a targeting change needs (a change request) before it is written; 0: written at once. Protected only',
  examples: [1],
});
const Settings = {
  protected: Type.Optional(Type.Boolean()),
  requiredApprovals: Type.Optional(RequiredApprovals),
  requireReason: Type.Optional(Type.Boolean()),
};

export const Environment = Type.Object(
  {
    key: Key,
    name: Name,
    revision: Type.Integer({ minimum: 0, description: "bumps on every committed change; the SDK snapshot's ETag" }),
    createdAt: Timestamp(),
    protected: Type.Boolean({
      description: 'production-like: the UI asks before writes here; approvals apply only to protected environments',
    }),
    requiredApprovals: RequiredApprovals,
    requireReason: Type.Boolean({ description: 'every write here must say why (X-Change-Reason); 400 without it' }),
  },
  {
    $id: 'Environment',
    additionalProperties: false,
    examples: [
      {
        key: 'production',
        name: 'Production',
        revision: 128,
        createdAt: '2026-01-05T10:00:00.000Z',
        protected: true,
        requiredApprovals: 1,
        requireReason: true,
      },
    ],
  },
);
export type Environment = Static<typeof Environment>;

export const EnvironmentList = Type.Object(
  { environments: Type.Array(ref(Environment)) },
  { $id: 'EnvironmentList', additionalProperties: false },
);
export type EnvironmentList = Static<typeof EnvironmentList>;

export const CreateEnvironmentBody = Type.Object(
  { key: Key, name: Type.Optional(Name), ...Settings },
  {
    additionalProperties: false,
    examples: [
      { key: 'qa', name: 'QA' },
      { key: 'live', name: 'Live', protected: true },
    ],
  },
);
export type CreateEnvironmentBody = Static<typeof CreateEnvironmentBody>;

/** PATCH: a new name and/or settings; the key never changes. */
export const UpdateEnvironmentBody = Type.Object(
  { name: Type.Optional(Name), ...Settings },
  {
    additionalProperties: false,
    minProperties: 1,
    examples: [{ requiredApprovals: 1 }, { protected: true, requireReason: true }, { name: 'Production (EU)' }],
  },
);
export type UpdateEnvironmentBody = Static<typeof UpdateEnvironmentBody>;
/** The PATCH body before settings existed; kept for callers that only rename. */
export const RenameEnvironmentBody = UpdateEnvironmentBody;
export type RenameEnvironmentBody = UpdateEnvironmentBody;

export const EnvironmentParams = Type.Object({ env: Key });
