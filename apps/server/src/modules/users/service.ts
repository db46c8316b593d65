/** People: invited by an admin, signing in with a password they set or with the identity provider. */
import type { InviteUserBody, UpdateUserBody, User } from '@switchboard/api-contract';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Database } from '../../db/client.js';
import { invitations, sessions, users, type UserRow } from '../../db/schema/index.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../errors.js';
import type { RequestContext } from '../../http/request-context.js';
import { grantRefusal } from '../../plugins/access.js';
import type { ChangeWriter } from '../changes/change-writer.js';
import { findEnvironment } from '../environments/store.js';
import { hashPassword, passwordMatches } from './passwords.js';
import { randomToken } from './sessions.js';

const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;

export function userView(row: UserRow): User {
  const signIn: User['signIn'] = [];
  if (row.passwordHash !== null) signIn.push('password');
  if (row.oidcSubject !== null) signIn.push('oidc');
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    environments: row.environments,
    signIn,
    status: row.disabledAt ? 'disabled' : signIn.length === 0 ? 'invited' : 'active',
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    lastSignInAt: row.lastSignInAt?.toISOString() ?? null,
  };
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

async function checkEnvironments(db: Database, keys: string[] | null | undefined): Promise<void> {
  for (const key of keys ?? []) {
    if (!(await findEnvironment(db, key))) throw new ValidationError(`Environment "${key}" does not exist`, 'environments');
  }
}

export class UserService {
  constructor(
    private readonly writer: ChangeWriter,
    private readonly db: () => Database,
  ) {}

  async list(): Promise<User[]> {
    return (await this.db().select().from(users).orderBy(users.email)).map(userView);
  }

  /** Creates the person (status invited) and a single-use link to set a password; `baseUrl` is the admin UI's origin. */
  async invite(
    ctx: RequestContext,
    body: InviteUserBody,
    baseUrl: string,
  ): Promise<{ user: User; invitationUrl: string; expiresAt: string }> {
    const refused = grantRefusal(ctx.principal, body.role, body.environments ?? null);
    if (refused) throw new ForbiddenError(refused);
    const email = body.email.toLowerCase();
    const token = randomToken('inv_');
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    const user = await this.writer.run(ctx, async (w) => {
      await checkEnvironments(w.tx, body.environments);
      const [row] = await w.tx
        .insert(users)
        .values({
          email,
          name: body.name ?? email.split('@')[0]!,
          role: body.role,
          environments: body.environments ?? null,
          createdBy: ctx.principal.name,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new ConflictError(`${email} already has an account`, 'email');
      await w.tx.insert(invitations).values({ userId: row.id, tokenHash: tokenHash(token), createdBy: ctx.principal.name, expiresAt });
      const view = userView(row);
      w.audit({ action: 'user.invite', subject: row.id, after: view });
      return view;
    });
    return { user, invitationUrl: `${baseUrl}/invitation#token=${token}`, expiresAt: expiresAt.toISOString() };
  }

  async update(ctx: RequestContext, id: string, body: UpdateUserBody): Promise<User> {
    return this.writer.run(ctx, async (w) => {
      const [before] = await w.tx.select().from(users).where(eq(users.id, id)).for('update');
      if (!before) throw new NotFoundError(`User ${id} does not exist`);
      const role = body.role ?? before.role;
      const environments = body.environments !== undefined ? body.environments : before.environments;
      // Both the person as they are and as they will be must be within what the caller may grant.
      const refused = grantRefusal(ctx.principal, before.role, before.environments) ?? grantRefusal(ctx.principal, role, environments);
      if (refused) throw new ForbiddenError(refused);
      if (id === ctx.principal.userId && (body.disabled === true || (body.role !== undefined && body.role !== 'admin'))) {
        throw new ValidationError(
          'You cannot disable yourself or take away your own admin role; ask another admin',
          body.disabled ? 'disabled' : 'role',
        );
      }
      await checkEnvironments(w.tx, body.environments);
      const disabledAt = body.disabled === undefined ? before.disabledAt : body.disabled ? (before.disabledAt ?? new Date()) : null;
      const [after] = await w.tx
        .update(users)
        .set({ name: body.name ?? before.name, role, environments, disabledAt })
        .where(eq(users.id, id))
        .returning();
      // A disabled person, or one whose rights shrank, signs in again to get the new ones; sessions read them per request anyway.
      if (disabledAt) await w.tx.delete(sessions).where(eq(sessions.userId, id));
      w.audit({ action: 'user.update', subject: id, before: userView(before), after: userView(after!) });
      return userView(after!);
    });
  }
}

/** What signing in needs: checking a password, using an invitation, matching an identity-provider sign-in. */
export class UserAccounts {
  constructor(private readonly db: () => Database) {}

  /** Uses an invitation once: sets the password (and name); answers the person's id. */
  async acceptInvitation(token: string, password: string, name: string | undefined): Promise<string> {
    const passwordHash = await hashPassword(password);
    return this.db().transaction(async (tx) => {
      const [invitation] = await tx
        .update(invitations)
        .set({ usedAt: new Date() })
        .where(and(eq(invitations.tokenHash, tokenHash(token)), isNull(invitations.usedAt), gt(invitations.expiresAt, new Date())))
        .returning({ userId: invitations.userId });
      if (!invitation) throw new UnauthorizedError('This invitation is unknown, used or expired; ask an admin for a new one');
      const [user] = await tx
        .update(users)
        .set({ passwordHash, ...(name !== undefined ? { name } : {}) })
        .where(and(eq(users.id, invitation.userId), isNull(users.disabledAt)))
        .returning({ id: users.id });
      if (!user) throw new UnauthorizedError('This account is disabled');
      return user.id;
    });
  }

  /** The person with this email and password, or null (the same answer, in about the same time, for every wrong pair). */
  async checkPassword(email: string, password: string): Promise<string | null> {
    const [row] = await this.db().select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
    const ok = await passwordMatches(row?.passwordHash ?? null, password);
    return ok && row && !row.disabledAt ? row.id : null;
  }

  /**
   * The person an identity-provider sign-in is: linked by issuer and subject, or on the first
   * sign-in by a verified email an admin invited. Nobody gets an account just by signing in.
   */
  async oidcUser(issuer: string, subject: string, email: string | undefined, emailVerified: boolean): Promise<string> {
    const db = this.db();
    const [linked] = await db
      .select()
      .from(users)
      .where(and(eq(users.oidcIssuer, issuer), eq(users.oidcSubject, subject)))
      .limit(1);
    if (linked) {
      if (linked.disabledAt) throw new ForbiddenError('This account is disabled');
      return linked.id;
    }
    if (!email || !emailVerified) throw new ForbiddenError('The identity provider gave no verified email to match an invitation with');
    const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
    if (!row) throw new ForbiddenError(`${email} has not been invited; ask an admin to invite this address`);
    if (row.disabledAt) throw new ForbiddenError('This account is disabled');
    if (row.oidcSubject !== null) throw new ForbiddenError('This account is linked to another identity');
    await db.update(users).set({ oidcIssuer: issuer, oidcSubject: subject }).where(eq(users.id, row.id));
    return row.id;
  }
}
