/** `audit`: who changed what, newest first. */
import { key, positiveInteger, stringOption } from '../arguments.js';
import { ENV_OPTION, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { table, time } from '../format.js';

const MAX_LIMIT = 500;

/**
 * `3 → 4` for an event that wrote a flag's config (its before and after are configs: they
 * name their environment and version), `-` for any other: a flag's own version is not a config's.
 */
function configVersion(before: unknown, after: unknown): string {
  const version = (doc: unknown): number | undefined => {
    if (typeof doc !== 'object' || doc === null) return undefined;
    const { environment, version } = doc as { environment?: unknown; version?: unknown };
    return typeof environment === 'string' && typeof version === 'number' ? version : undefined;
  };
  const from = version(before);
  const to = version(after);
  if (to === undefined) return '-';
  return from === undefined ? String(to) : `${from} → ${to}`;
}

export const audit: Command = {
  name: 'audit',
  summary: 'recent changes, newest first',
  arguments: [],
  usage: '[--flag <flag>] [--env <env>] [--action <action>] [--limit <n>]',
  options: {
    flag: { type: 'string', placeholder: '<flag>', description: 'only this flag' },
    env: { ...ENV_OPTION, description: 'only this environment' },
    action: { type: 'string', placeholder: '<action>', description: 'only this action, e.g. config.kill, config.rollout, api-key.create' },
    limit: { type: 'string', placeholder: '<n>', description: `events shown, 1 to ${MAX_LIMIT} (default 20)` },
  },
  async run(ctx, _args, values) {
    const flag = stringOption(values, 'flag');
    if (flag !== undefined) key(flag, 'flag', ctx.command);
    const env = stringOption(values, 'env');
    if (env !== undefined) key(env, 'environment', ctx.command);
    const action = stringOption(values, 'action');
    if (action !== undefined && !/^[a-z.-]{1,64}$/.test(action))
      throw new UsageError(`--action "${action}" is not an action (like config.kill)`, ctx.command);
    const rawLimit = stringOption(values, 'limit');
    const limit = rawLimit === undefined ? 20 : positiveInteger(rawLimit, 'limit', ctx.command, MAX_LIMIT);

    const body = await ctx.api().audit.list({ flag, environment: env, action, limit });
    if (ctx.json) return ctx.printJson(body);
    if (body.events.length === 0) return ctx.note('no audit events');
    ctx.out(
      table(
        ['AT', 'ACTOR', 'ACTION', 'SUBJECT', 'ENVIRONMENT', 'VERSION', 'REVISION', 'REASON'],
        body.events.map((e) => [
          time(e.at),
          e.actor,
          e.action,
          e.flagKey ?? e.subject ?? '-',
          e.environment ?? '-',
          configVersion(e.before, e.after),
          e.revision === null ? '-' : String(e.revision),
          e.reason ?? '-',
        ]),
      ),
    );
  },
};
