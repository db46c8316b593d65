/** `history` and `restore`: a config's earlier versions, and bringing one back as a new version. */
import { key, positiveInteger, requiredOption, stringOption } from '../arguments.js';
import type { FlagConfig } from '@switchboard/api-client';
import { ENV_OPTION, YES_OPTION, type Command } from '../command.js';
import { checkConfirmable, confirm, needsConfirmation } from '../confirm.js';
import { changes, describeServe, state, table, time } from '../format.js';
import { changedMeanwhile, isPreconditionFailed, reportWrite } from './config-write.js';

const MAX_HISTORY = 500;

export const history: Command = {
  name: 'history',
  summary: "a flag's earlier versions in an environment, newest first",
  arguments: ['flag'],
  usage: '<flag> --env <env> [--limit <n>]',
  options: {
    env: ENV_OPTION,
    limit: { type: 'string', placeholder: '<n>', description: `versions shown, 1 to ${MAX_HISTORY} (default 20)` },
  },
  async run(ctx, [flagArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const rawLimit = stringOption(values, 'limit');
    const limit = rawLimit === undefined ? 20 : positiveInteger(rawLimit, 'limit', ctx.command, MAX_HISTORY);
    const body = await ctx.api().configs.versions(flag, env, { limit });
    if (ctx.json) return ctx.printJson(body);
    ctx.out(
      table(
        ['VERSION', 'CREATED', 'STATE', 'SERVES', 'RULES', 'BY', 'REASON'],
        body.versions.map((v, i) => [
          `${v.version}${i === 0 ? ' (current)' : ''}`,
          time(v.createdAt),
          state(v.enabled),
          describeServe(v.fallthrough),
          String(v.rules.length),
          v.actor ?? '-',
          v.reason ?? '-',
        ]),
      ),
    );
  },
};

export const restore: Command = {
  name: 'restore',
  summary: 'roll a flag back to an earlier version in an environment (asks in production)',
  arguments: ['flag'],
  usage: '<flag> --env <env> --version <n> [--yes]',
  options: {
    env: ENV_OPTION,
    version: { type: 'string', placeholder: '<n>', description: 'the version to bring back (see `switchboard history`)' },
    yes: YES_OPTION,
  },
  details:
    'Writes a new version equal to version <n>, made against the current version (If-Match): if\n' +
    'someone changes the flag meanwhile, nothing is written and the command says so. It can turn the\n' +
    'flag on, so it asks in production like enable.',
  async run(ctx, [flagArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const version = positiveInteger(requiredOption(values, 'version', ctx.command), 'version', ctx.command);
    const yes = values.yes === true;
    const guard = await checkConfirmable(ctx, env, yes);

    const api = ctx.api();
    const current = await api.configs.get(flag, env);
    if (needsConfirmation(guard)) {
      // Show what the restore would change, when that version is among the recent ones.
      const { versions } = await api.configs.versions(flag, env, { limit: MAX_HISTORY });
      const target = versions.find((v) => v.version === version);
      const preview = target ? changes(current, target) : [];
      const summary = target
        ? preview.length > 0
          ? `: ${preview.map((l) => l.replace(/\s+/, ' ')).join('; ')}`
          : ' (same content as now)'
        : ` (now ${state(current.enabled)}, serving ${describeServe(current.fallthrough)})`;
      await confirm(ctx.io, guard, `Restore ${flag} in ${env} to version ${version}${summary}?`);
    }
    let after: FlagConfig;
    try {
      after = await api.configs.restore(flag, env, version, { ifMatch: current.version });
    } catch (err) {
      throw isPreconditionFailed(err) ? changedMeanwhile(err, flag, env, current.version) : err;
    }
    reportWrite(ctx, `restored version ${version} of`, current, after);
  },
};
