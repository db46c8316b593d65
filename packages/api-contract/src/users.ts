/** People who sign in to the admin UI, their invitations, and the signed-in session. */
import { Type, type Static } from 'typebox';
import { EnvironmentScope, Role } from './api-keys.js';
import { Timestamp, ref } from './common.js';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$', examples: ['dana@example.com'] });
const Name = Type.String({ minLength: 1, maxLength: 200, examples: ['Dana Reyes'] });
/** Long enough to resist guessing; the upper bound keeps hashing cheap to refuse. */
const Password = Type.String({ minLength: 12, maxLength: 256, description: 'at least 12 characters' });

const USER_EXAMPLE = {
  id: '6f1c2a9e-3b47-4d8e-a5c1-2e9f7b3d4a60',
  email: 'dana@example.com',
  name: 'Dana Reyes',
  role: 'editor',
  environments: ['development', 'staging'],
  signIn: ['password'],
  status: 'active',
  createdBy: 'ADMIN_TOKEN',
  createdAt: '2026-03-01T12:00:00.000Z',
  lastSignInAt: '2026-03-14T09:26:53.589Z',
};

export const User = Type.Object(
  {
    id: Type.String({ pattern: UUID }),
    email: Email,
    name: Name,
    role: Role,
    environments: EnvironmentScope,
    signIn: Type.Array(Type.Union([Type.Literal('password'), Type.Literal('oidc')]), {
      description: 'how the person has signed in or can: a password they set, or the identity provider',
    }),
    status: Type.Union([Type.Literal('invited'), Type.Literal('active'), Type.Literal('disabled')]),
    createdBy: Type.String(),
    createdAt: Timestamp(),
    lastSignInAt: Type.Union([Timestamp(), Type.Null()]),
  },
  { $id: 'User', additionalProperties: false, examples: [USER_EXAMPLE] },
);
export type User = Static<typeof User>;

export const UserList = Type.Object({ users: Type.Array(ref(User)) }, { $id: 'UserList', additionalProperties: false });
export type UserList = Static<typeof UserList>;

export const InviteUserBody = Type.Object(
  { email: Email, name: Type.Optional(Name), role: Role, environments: Type.Optional(EnvironmentScope) },
  { additionalProperties: false, examples: [{ email: 'dana@example.com', role: 'editor', environments: ['development', 'staging'] }] },
);
export type InviteUserBody = Static<typeof InviteUserBody>;

export const UserInvited = Type.Object(
  {
    user: ref(User),
    invitationUrl: Type.String({ description: 'single use; lets the person set a password (shown this once)' }),
    expiresAt: Timestamp(),
  },
  {
    $id: 'UserInvited',
    additionalProperties: false,
    examples: [
      {
        user: { ...USER_EXAMPLE, status: 'invited', signIn: [], lastSignInAt: null },
        invitationUrl: 'https://flags.example.com/invitation#token=inv_9f3kQpW7vZr2mXn8tYb4cLd6fHj',
        expiresAt: '2026-03-08T12:00:00.000Z',
      },
    ],
  },
);
export type UserInvited = Static<typeof UserInvited>;

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Name),
    role: Type.Optional(Role),
    environments: Type.Optional(EnvironmentScope),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ role: 'viewer' }, { disabled: true }] },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const UserParams = Type.Object({ id: Type.String({ pattern: UUID }) });

/** Who is signed in, and the token cookie-authenticated writes send back as X-CSRF-Token. */
export const Session = Type.Object(
  {
    name: Type.String({ description: 'the actor written to the audit log' }),
    userId: Type.Union([Type.String({ pattern: UUID }), Type.Null()], { description: 'null for an API key' }),
    role: Role,
    environments: EnvironmentScope,
    csrfToken: Type.Union([Type.String(), Type.Null()], { description: 'for cookie sessions; null for an API key' }),
  },
  {
    $id: 'Session',
    additionalProperties: false,
    examples: [{ name: 'dana@example.com', userId: USER_EXAMPLE.id, role: 'editor', environments: null, csrfToken: 'c9Xq…' }],
  },
);
export type Session = Static<typeof Session>;

export const SignInMethods = Type.Object(
  { password: Type.Boolean(), oidc: Type.Boolean({ description: 'an identity provider is configured (OIDC_ISSUER)' }) },
  { $id: 'SignInMethods', additionalProperties: false, examples: [{ password: true, oidc: true }] },
);
export type SignInMethods = Static<typeof SignInMethods>;

export const SignInBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false, examples: [{ email: 'dana@example.com', password: 'correct horse battery staple' }] },
);
export type SignInBody = Static<typeof SignInBody>;

export const AcceptInvitationBody = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }), name: Type.Optional(Name), password: Password },
  { additionalProperties: false, examples: [{ token: 'inv_9f3kQpW7vZr2mXn8tYb4cLd6fHj', password: 'correct horse battery staple' }] },
);
export type AcceptInvitationBody = Static<typeof AcceptInvitationBody>;
