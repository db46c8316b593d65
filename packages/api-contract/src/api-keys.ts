/** API keys: admin keys for this API, server and client keys for SDKs of one environment. */
import { Type, type Static } from 'typebox';
import { Key, Timestamp, ref } from './common.js';

export const ApiKeyKind = Type.Unsafe<'admin' | 'server' | 'client'>({ type: 'string', enum: ['admin', 'server', 'client'] });
export type ApiKeyKind = Static<typeof ApiKeyKind>;

export const Role = Type.Unsafe<'viewer' | 'editor' | 'killer' | 'admin'>({
  type: 'string',
  enum: ['viewer', 'editor', 'killer', 'admin'],
  description:
    'viewer reads; killer also sends the kill switch; editor edits flags and segments; admin also keys, environments, webhooks, users',
});
export type Role = Static<typeof Role>;

/** The environments a role applies to; absent or null: all of them. */
export const EnvironmentScope = Type.Union([Type.Array(Key, { minItems: 1, maxItems: 100, uniqueItems: true }), Type.Null()], {
  description: 'the environments the caller may change; null: all (reading is never limited)',
  examples: [['development', 'staging']],
});

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const apiKeyProperties = {
  id: Type.String({ pattern: UUID, examples: ['0b7d4f3e-6a21-4c8e-9f57-3d2a1c5e8b90'] }),
  kind: ApiKeyKind,
  environment: Type.Union([Key, Type.Null()], { description: 'null for admin keys' }),
  name: Type.String({ minLength: 1, maxLength: 200, examples: ['checkout-service'] }),
  hint: Type.String({ description: 'the first characters of the secret, to recognise it', examples: ['sb_server_3k9'] }),
  createdBy: Type.String({ examples: ['alice (admin key)'] }),
  createdAt: Timestamp(),
  lastUsedAt: Type.Union([Timestamp(), Type.Null()]),
  revokedAt: Type.Union([Timestamp(), Type.Null()]),
  role: Type.Union([Role, Type.Null()], { description: "an admin key's role; null for server and client keys" }),
  environments: EnvironmentScope,
};

const API_KEY_EXAMPLE = {
  id: '0b7d4f3e-6a21-4c8e-9f57-3d2a1c5e8b90',
  kind: 'server',
  environment: 'production',
  name: 'checkout-service',
  hint: 'sb_server_3k9',
  createdBy: 'alice (admin key)',
  createdAt: '2026-03-01T12:00:00.000Z',
  lastUsedAt: '2026-03-14T09:26:53.589Z',
  revokedAt: null,
  role: null,
  environments: null,
};

/** A key as listed: never its secret. */
export const ApiKey = Type.Object(apiKeyProperties, { $id: 'ApiKey', additionalProperties: false, examples: [API_KEY_EXAMPLE] });
export type ApiKey = Static<typeof ApiKey>;

/** The answer to a create: the key with its secret, shown this once. */
export const ApiKeyCreated = Type.Object(
  {
    ...apiKeyProperties,
    key: Type.Optional(
      Type.String({
        description: 'the secret; absent when an Idempotency-Key replays an earlier create (it is never stored)',
        examples: ['sb_server_3k9QpW7vZr2mXn8tYb4cLd6fHj'],
      }),
    ),
  },
  {
    $id: 'ApiKeyCreated',
    additionalProperties: false,
    examples: [{ ...API_KEY_EXAMPLE, lastUsedAt: null, key: 'sb_server_3k9QpW7vZr2mXn8tYb4cLd6fHj' }],
  },
);
export type ApiKeyCreated = Static<typeof ApiKeyCreated>;

export const ApiKeyList = Type.Object({ apiKeys: Type.Array(ref(ApiKey)) }, { $id: 'ApiKeyList', additionalProperties: false });
export type ApiKeyList = Static<typeof ApiKeyList>;

export const CreateApiKeyBody = Type.Object(
  {
    kind: ApiKeyKind,
    environment: Type.Optional(Key),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.Optional(Role),
    environments: Type.Optional(EnvironmentScope),
  },
  {
    additionalProperties: false,
    description: 'role and environments are for admin keys only (default: admin of every environment)',
    examples: [
      { kind: 'server', environment: 'production', name: 'checkout-service' },
      { kind: 'admin', name: 'ci-kill-switch', role: 'killer', environments: ['production'] },
    ],
  },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const ApiKeyListQuery = Type.Object(
  { revoked: Type.Optional(Type.Boolean({ description: 'include revoked keys' })) },
  { additionalProperties: false },
);
export type ApiKeyListQuery = Static<typeof ApiKeyListQuery>;

export const ApiKeyParams = Type.Object({ id: Type.String({ pattern: UUID }) });
