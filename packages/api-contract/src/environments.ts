/** Environments: each has its own configs, keys and revision. */
import { Type, type Static } from 'typebox';
import { Key, Timestamp, ref } from './common.js';

const Name = Type.String({ minLength: 1, maxLength: 200, examples: ['Production'] });

export const Environment = Type.Object(
  {
    key: Key,
    name: Name,
    revision: Type.Integer({ minimum: 0, description: "bumps on every committed change; the SDK snapshot's ETag" }),
    createdAt: Timestamp(),
  },
  {
    $id: 'Environment',
    additionalProperties: false,
    examples: [{ key: 'production', name: 'Production', revision: 128, createdAt: '2026-01-05T10:00:00.000Z' }],
  },
);
export type Environment = Static<typeof Environment>;

export const EnvironmentList = Type.Object(
  { environments: Type.Array(ref(Environment)) },
  { $id: 'EnvironmentList', additionalProperties: false },
);
export type EnvironmentList = Static<typeof EnvironmentList>;

export const CreateEnvironmentBody = Type.Object(
  { key: Key, name: Type.Optional(Name) },
  { additionalProperties: false, examples: [{ key: 'qa', name: 'QA' }] },
);
export type CreateEnvironmentBody = Static<typeof CreateEnvironmentBody>;

export const RenameEnvironmentBody = Type.Object({ name: Name }, { additionalProperties: false });
export type RenameEnvironmentBody = Static<typeof RenameEnvironmentBody>;

export const EnvironmentParams = Type.Object({ env: Key });
