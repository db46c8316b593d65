/** `users list`, `users invite`: people who sign in to the admin UI. The invitation link goes alone to stdout. */
import { key, oneOf, requiredOption, stringOption } from '../arguments.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { table, time } from '../format.js';

const ROLES = ['viewer', 'killer', 'editor', 'admin'] as const;

export const usersList: Command = {
  name: 'users list',
  summary: 'list people, their roles and the environments they may change',
  arguments: [],
  usage: '',
  options: {},
  async run(ctx) {
    const body = await ctx.api().users.list();
    if (ctx.json) return ctx.printJson(body);
    if (body.users.length === 0) return ctx.note('nobody yet: invite someone with `switchboard users invite`');
    ctx.out(
      table(
        ['EMAIL', 'NAME', 'ROLE', 'ENVIRONMENTS', 'STATUS', 'LAST SIGN-IN'],
        body.users.map((u) => [u.email, u.name, u.role, u.environments?.join(',') ?? 'all', u.status, time(u.lastSignInAt)]),
      ),
    );
  },
};

export const usersInvite: Command = {
  name: 'users invite',
  summary: 'invite a person; prints only the single-use invitation link on stdout',
  arguments: [],
  usage: '--email <email> --role <viewer|killer|editor|admin> [--env <env,…>]',
  options: {
    email: { type: 'string', placeholder: '<email>', description: 'the address they sign in with (and their identity provider knows)' },
    role: { type: 'string', placeholder: '<role>', description: 'viewer, killer (only the kill switch), editor or admin' },
    env: { type: 'string', placeholder: '<env>', description: 'the environments they may change, comma-separated (default all)' },
  },
  details: 'The link sets a password, works once and expires in 7 days. With single sign-on, they can sign in at once instead.',
  async run(ctx, _args, values) {
    const email = requiredOption(values, 'email', ctx.command);
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`--email "${email}" is not an email address`, ctx.command);
    const role = oneOf(requiredOption(values, 'role', ctx.command), ROLES, 'role', ctx.command);
    const env = stringOption(values, 'env');
    const environments = env === undefined ? undefined : env.split(',').map((e) => key(e.trim(), 'environment', ctx.command));
    const invited = await ctx.api().users.invite({ email, role, ...(environments ? { environments } : {}) });
    if (ctx.json) return ctx.printJson(invited);
    ctx.note(`invited ${invited.user.email} as ${role}; send them this link (single use, until ${time(invited.expiresAt)}):`);
    ctx.out(invited.invitationUrl);
  },
};
