/** `flags list`, `flags get`: read-only views of flags and their configs. */
import { key, stringOption } from '../arguments.js';
import { ENV_OPTION, type Command } from '../command.js';
import { describeConfig, describeServe, state, table, time } from '../format.js';

export const flagsList: Command = {
  name: 'flags list',
  summary: 'list flags; with --env, their state there',
  arguments: [],
  usage: '[--env <env>] [--archived]',
  options: {
    env: { ...ENV_OPTION, description: 'show each flag’s state in this environment' },
    archived: { type: 'boolean', description: 'include archived flags' },
  },
  async run(ctx, _args, values) {
    const env = stringOption(values, 'env');
    if (env !== undefined) key(env, 'environment', ctx.command);
    const body = await ctx.api().flags.list({ environment: env, archived: values.archived === true ? true : undefined });
    if (ctx.json) return ctx.printJson(body);
    if (body.flags.length === 0) return ctx.note('no flags');
    if (env === undefined) {
      ctx.out(
        table(
          ['FLAG', 'TYPE', 'CLIENT', 'NAME'],
          body.flags.map((f) => [f.key + (f.archived ? ' (archived)' : ''), f.type, f.clientSide ? 'yes' : 'no', f.name]),
        ),
      );
      return;
    }
    ctx.out(
      table(
        ['FLAG', 'STATE', 'SERVES', 'RULES', 'VERSION', 'LAST CHANGE'],
        body.flags.map((f) => {
          const s = f.summary;
          if (!s) return [f.key, '?', '', '', '', ''];
          const last = s.lastChange ? `${time(s.lastChange.at)} ${s.lastChange.action} by ${s.lastChange.actor}` : '-';
          return [
            f.key + (f.archived ? ' (archived)' : ''),
            state(s.enabled),
            describeServe(s.fallthrough),
            String(s.ruleCount),
            String(s.version),
            last,
          ];
        }),
      ),
    );
  },
};

export const flagsGet: Command = {
  name: 'flags get',
  summary: 'show a flag in every environment, or its full config in one',
  arguments: ['flag'],
  usage: '<flag> [--env <env>]',
  options: { env: { ...ENV_OPTION, description: 'show the full config (rules included) in this environment' } },
  async run(ctx, [flagArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = stringOption(values, 'env');
    if (env !== undefined) {
      key(env, 'environment', ctx.command);
      const config = await ctx.api().configs.get(flag, env);
      return ctx.json ? ctx.printJson(config) : ctx.out(describeConfig(config));
    }
    const body = await ctx.api().flags.get(flag);
    if (ctx.json) return ctx.printJson(body);
    const variants = Object.entries(body.variants)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join(', ');
    let text = `${body.key}  ${body.type}${body.clientSide ? ', client-side' : ''}${body.archived ? ', archived' : ''}  ${body.name}\n`;
    if (body.description) text += `${body.description}\n`;
    text += `variants: ${variants}\n`;
    if (body.tags.length > 0) text += `tags: ${body.tags.join(', ')}\n`;
    ctx.out(text);
    const configs = Object.values(body.environments ?? {});
    ctx.out(
      table(
        ['ENVIRONMENT', 'STATE', 'SERVES', 'RULES', 'VERSION', 'UPDATED'],
        configs.map((c) => [
          c.environment,
          state(c.enabled),
          describeServe(c.fallthrough),
          String(c.rules.length),
          String(c.version),
          time(c.updatedAt),
        ]),
      ),
    );
  },
};
