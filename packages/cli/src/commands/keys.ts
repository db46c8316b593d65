/** `keys list`, `keys create`, `keys revoke`: API keys. Secrets are shown once, on create, on stdout only. */
import { key, keyId, oneOf, requiredOption, stringOption } from '../arguments.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { table, time } from '../format.js';

const KINDS = ['admin', 'server', 'client'] as const;

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
    const header = ['ID', 'KIND', 'ENVIRONMENT', 'NAME', 'HINT', 'CREATED', 'LAST USED', ...(revoked ? ['REVOKED'] : [])];
    ctx.out(
      table(
        header,
        body.apiKeys.map((k) => [
          k.id,
          k.kind,
          k.environment ?? '-',
          k.name,
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
  usage: '--kind <admin|server|client> --name <name> [--env <env>]',
  options: {
    kind: {
      type: 'string',
      placeholder: '<kind>',
      description: 'admin (the admin API), server (full snapshot) or client (client projection)',
    },
    env: { type: 'string', placeholder: '<env>', description: 'the environment of a server or client key (admin keys have none)' },
    name: { type: 'string', placeholder: '<name>', description: 'who or what uses it, e.g. checkout-svc' },
  },
  details:
    'The secret is shown this once and never again: it goes alone to stdout, everything else to stderr,\n' +
    'so it can be captured:\n\n' +
    '  SWITCHBOARD_KEY=$(switchboard keys create --kind server --env production --name checkout-svc)',
  async run(ctx, _args, values) {
    const kind = oneOf(requiredOption(values, 'kind', ctx.command), KINDS, 'kind', ctx.command);
    const name = requiredOption(values, 'name', ctx.command);
    if (name.trim().length === 0 || name.length > 200) throw new UsageError('--name must be 1 to 200 characters', ctx.command);
    const env = stringOption(values, 'env');
    if (kind === 'admin' && env !== undefined) throw new UsageError('admin keys belong to no environment; leave out --env', ctx.command);
    if (kind !== 'admin' && env === undefined) throw new UsageError(`${kind} keys need --env`, ctx.command);
    if (env !== undefined) key(env, 'environment', ctx.command);

    const created = await ctx.api().apiKeys.create({ kind, name, ...(env === undefined ? {} : { environment: env }) });
    if (ctx.json) return ctx.printJson(created);
    ctx.note(
      `created ${created.kind} key "${created.name}"${created.environment ? ` for ${created.environment}` : ''} (id ${created.id}); its secret, shown only this once:`,
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
