/** `flags list`, `flags get`: read-only views of flags and their configs (`--stale`: the ones code can drop). */
import type { FlagStaleness } from '@switchboard/api-client';
import { key, stringOption } from '../arguments.js';
import { ENV_OPTION, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { describeConfig, describeServe, state, table, time } from '../format.js';

/** `production: on, staging: on` — what each environment served within the flag's threshold. */
function served(s: FlagStaleness): string {
  const parts = Object.entries(s.environments).map(
    ([env, u]) => `${env}: ${u.variantsServed.length > 0 ? u.variantsServed.join('/') : '-'}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'never evaluated';
}

/** A threshold in days as people say it: `14d`, `1.5d`, `6h`, `30m`, `2s` (fractions of a day are allowed). */
export function days(d: number): string {
  const round = (n: number) => String(Number(n.toFixed(1)));
  if (d >= 1) return `${round(d)}d`;
  const seconds = d * 86_400;
  if (seconds >= 3600) return `${round(seconds / 3600)}h`;
  if (seconds >= 60) return `${round(seconds / 60)}m`;
  return `${round(seconds)}s`;
}

/** One line for `flags get`: the status, why, and when it was last evaluated. */
export function describeStaleness(s: FlagStaleness): string {
  const verdict = s.stale ? 'STALE' : 'not stale';
  return `usage: ${s.status} (${verdict}, threshold ${days(s.staleAfterDays)}${s.staleAfterDaysOverride === null ? '' : ', this flag’s own'}); last evaluated ${time(s.lastEvaluatedAt)}; ${served(s)}\n`;
}

export const flagsList: Command = {
  name: 'flags list',
  summary: 'list flags; with --env, their state there; with --stale, the ones code can drop',
  arguments: [],
  usage: '[--env <env>] [--archived] [--stale]',
  options: {
    env: { ...ENV_OPTION, description: 'show each flag’s state in this environment' },
    archived: { type: 'boolean', description: 'include archived flags' },
    stale: { type: 'boolean', description: 'only stale flags: temporary, one variant served everywhere (or none) for their threshold' },
  },
  async run(ctx, _args, values) {
    const env = stringOption(values, 'env');
    if (env !== undefined) key(env, 'environment', ctx.command);
    const stale = values.stale === true ? true : undefined;
    const body = await ctx.api().flags.list({ environment: env, archived: values.archived === true ? true : undefined, stale });
    if (ctx.json) return ctx.printJson(body);
    if (body.flags.length === 0) return ctx.note(stale ? 'no stale flags' : 'no flags');
    if (stale) {
      ctx.out(
        table(
          ['FLAG', 'STATUS', 'THRESHOLD', 'LAST EVALUATED', 'SERVED', 'STALE SINCE'],
          body.flags.map((f) => {
            const s = f.staleness;
            if (!s) return [f.key, '?', '', '', '', ''];
            return [f.key, s.status, days(s.staleAfterDays), time(s.lastEvaluatedAt), served(s), time(s.staleSince)];
          }),
        ),
      );
      return;
    }
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
    if (body.staleness) text += describeStaleness(body.staleness);
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

/** The most days a flag's threshold may be (the server's limit). */
const MAX_STALE_AFTER_DAYS = 3650;

export const flagsStaleAfter: Command = {
  name: 'flags stale-after',
  summary: 'set how long a flag serves one variant (or goes unevaluated) before it is stale; "default" for the server’s',
  arguments: ['flag', 'days'],
  usage: '<flag> <days|default>',
  options: {},
  async run(ctx, [flagArg, daysArg]) {
    const flag = key(flagArg!, 'flag', ctx.command);
    let days: number | null = null;
    if (daysArg !== 'default') {
      days = Number(daysArg);
      if (!/^\d+(\.\d+)?$/.test(daysArg!) || !(days > 0) || days > MAX_STALE_AFTER_DAYS)
        throw new UsageError(
          `days must be a number above 0 and at most ${MAX_STALE_AFTER_DAYS} (fractions allowed), or "default"`,
          ctx.command,
        );
    }
    const api = ctx.api();
    const { version } = await api.flags.get(flag);
    const staleness = await api.flags.setStaleAfterDays(flag, days, { ifMatch: version });
    if (ctx.json) return ctx.printJson(staleness);
    ctx.out(`${flag}: ${describeStaleness(staleness)}`);
  },
};
