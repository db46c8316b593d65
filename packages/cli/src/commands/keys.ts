/** `keys list`, `keys create`, `keys revoke`: API keys. Secrets are shown once, on create, on stdout only. */
import { key, keyId, oneOf, requiredOption, stringOption } from '../arguments.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { table, time } from '../format.js';

const KINDS = ['admin', 'server', 'client'] as const;
const ROLES = ['viewer', 'killer', 'editor', 'admin'] as const;

export const keysList: Command = {
  name: 'keys list',
  summary: 'list API keys (never their secrets)',
  arguments: [],
  usage: '[--revoked]',
  options: { revoked: { type: 'boolean', description: 'include revoked keys' } },
  async run(ctx, _args, values) {
    const revoked = values.revoked === true;
    const body = await ctx.api().apiKeys.list({ revoked: revoked ? true : undefined });
    if (ctx.json) return ctx.printJson(body);
    if (body.apiKeys.length === 0) return ctx.note('no keys');
    const header = ['ID', 'KIND', 'ENVIRONMENT', 'NAME', 'ROLE', 'HINT', 'CREATED', 'LAST USED', ...(revoked ? ['REVOKED'] : [])];
    ctx.out(
      table(
        header,
        body.apiKeys.map((k) => [
          k.id,
          k.kind,
          // An admin key's environments are the ones it may change.
          k.environment ?? k.environments?.join(',') ?? '-',
          k.name,
          k.role ?? '-',
          k.hint,
          time(k.createdAt),
          time(k.lastUsedAt),
          ...(revoked ? [time(k.revokedAt)] : []),
        ]),
      ),
    );
  },
};

export const keysCreate: Command = {
  name: 'keys create',
  summary: 'create a key; prints only its secret on stdout',
  arguments: [],
  usage: '--kind <admin|server|client> --name <name> [--env <env>] [--role <viewer|killer|editor|admin>]',
  options: {
    kind: {
      type: 'string',
      placeholder: '<kind>',
      description: 'admin (the admin API), server (full snapshot) or client (client projection)',
    },
    env: {
      type: 'string',
      placeholder: '<env>',
      description:
        'the environment of a server or client key; for an admin key, the environments it may change (comma-separated; default all)',
    },
    role: {
      type: 'string',
      placeholder: '<role>',
      description: "an admin key's role: viewer, killer (only the kill switch), editor or admin (default)",
    },
    name: { type: 'string', placeholder: '<name>', description: 'who or what uses it, e.g. checkout-svc' },
  },
  details:
    'The secret is shown this once and never again: it goes alone to stdout, everything else to stderr,\n' +
    'so it can be captured:\n\n' +
    '  SWITCHBOARD_KEY=$(switchboard keys create --kind server --env production --name checkout-svc)\n\n' +
    'A CI job that may only turn flags off in production:\n\n' +
    '  switchboard keys create --kind admin --role killer --env production --name ci-kill-switch',
  async run(ctx, _args, values) {
    const kind = oneOf(requiredOption(values, 'kind', ctx.command), KINDS, 'kind', ctx.command);
    const name = requiredOption(values, 'name', ctx.command);
    if (name.trim().length === 0 || name.length > 200) throw new UsageError('--name must be 1 to 200 characters', ctx.command);
    const env = stringOption(values, 'env');
    const roleText = stringOption(values, 'role');
    if (kind !== 'admin' && env === undefined) throw new UsageError(`${kind} keys need --env`, ctx.command);
    if (kind !== 'admin' && roleText !== undefined)
      throw new UsageError(`--role is for admin keys; a ${kind} key serves its one environment`, ctx.command);
    const role = roleText === undefined ? undefined : oneOf(roleText, ROLES, 'role', ctx.command);
    const envs = env === undefined ? undefined : env.split(',').map((e) => key(e.trim(), 'environment', ctx.command));
    if (kind !== 'admin' && envs!.length !== 1) throw new UsageError(`a ${kind} key serves one environment`, ctx.command);

    const body =
      kind === 'admin'
        ? { kind, name, ...(role ? { role } : {}), ...(envs ? { environments: envs } : {}) }
        : { kind, name, environment: envs![0]! };
    const created = await ctx.api().apiKeys.create(body);
    if (ctx.json) return ctx.printJson(created);
    ctx.note(
      `created ${created.kind} key "${created.name}"${created.environment ? ` for ${created.environment}` : ''}${created.role ? ` (${created.role} in ${created.environments?.join(', ') ?? 'every environment'})` : ''} (id ${created.id}); its secret, shown only this once:`,
    );
    // Only a replayed create (an Idempotency-Key, which the CLI never sends) comes without it.
    ctx.out(created.key ?? '');
  },
};

export const keysRevoke: Command = {
  name: 'keys revoke',
  summary: 'revoke a key at once (its SDK streams close)',
  arguments: ['id'],
  usage: '<id>',
  options: {},
  async run(ctx, [idArg]) {
    const id = keyId(idArg!, ctx.command);
    await ctx.api().apiKeys.revoke(id);
    if (ctx.json) return ctx.printJson({ id, revoked: true });
    ctx.out(`revoked key ${id}`);
  },
};
