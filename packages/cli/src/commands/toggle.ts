/**
 * `kill` and `enable`: `PATCH {"enabled": …}` at the version just read (`If-Match`).
 *
 * A kill must not be lost to a concurrent edit: on 412 it re-reads and tries again, since
 * "off" means the same whatever else changed. `enable` retries only while what it would
 * switch on (fallthrough, rules, prerequisites, off variant, salt) is still what was read
 * — and, in production, confirmed; otherwise it stops and says so.
 */
import { key, requiredOption, type Values } from '../arguments.js';
import { ApiError } from '@switchboard/api-client';
import { ENV_OPTION, YES_OPTION, type Command } from '../command.js';
import { checkConfirmable, confirm } from '../confirm.js';
import type { Context } from '../context.js';
import { describeServe, state, targeting } from '../format.js';
import { isPreconditionFailed, reportWrite } from './config-write.js';

/** Writes tried before giving up on a config that keeps changing. */
export const MAX_ATTEMPTS = 5;

async function setEnabled(ctx: Context, args: readonly string[], values: Values, enabled: boolean): Promise<void> {
  const flag = key(args[0]!, 'flag', ctx.command);
  const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
  const yes = values.yes === true;
  // A kill never asks: nothing to look up.
  const guard = await checkConfirmable(ctx, env, yes || !enabled);

  const api = ctx.api();
  let current = await api.configs.get(flag, env);
  if (enabled && !current.enabled) {
    const rules = current.rules.length > 0 ? ` after ${current.rules.length} rule${current.rules.length === 1 ? '' : 's'}` : '';
    await confirm(
      ctx.io,
      guard,
      `Enable ${flag} in ${env}? It will serve ${describeServe(current.fallthrough)}${rules} (version ${current.version}).`,
    );
  }
  const expected = targeting(current);

  for (let attempt = 1; ; attempt++) {
    if (current.enabled === enabled) {
      if (ctx.json) return ctx.printJson(current);
      return ctx.out(`${flag} is already ${state(enabled)} in ${env} (version ${current.version}); nothing written`);
    }
    if (enabled && targeting(current) !== expected) {
      throw new ApiError({
        status: 412,
        code: 'PRECONDITION_FAILED',
        message: `${flag} in ${env} was edited by someone else (now version ${current.version}, serving ${describeServe(current.fallthrough)}); not enabled. Check it and run the command again`,
        currentVersion: current.version,
      });
    }
    try {
      const after = await api.configs.patch(flag, env, { enabled }, { ifMatch: current.version });
      return reportWrite(ctx, enabled ? 'enabled' : 'killed', current, after);
    } catch (err) {
      if (!isPreconditionFailed(err)) throw err;
      if (attempt === MAX_ATTEMPTS) {
        throw new ApiError({
          status: err.status,
          code: err.code,
          message: `${flag} in ${env} changed ${MAX_ATTEMPTS} times while this command was writing; gave up. It is still ${state(!enabled)}: run the command again`,
          field: err.field,
          requestId: err.requestId,
          currentVersion: err.currentVersion,
        });
      }
      ctx.note(`${flag} in ${env} changed after version ${current.version}; reading it again (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`);
      current = await api.configs.get(flag, env);
    }
  }
}

export const kill: Command = {
  name: 'kill',
  summary: 'turn a flag off in an environment (the kill switch); never asks',
  arguments: ['flag'],
  usage: '<flag> --env <env>',
  options: { env: ENV_OPTION },
  details:
    'Serves the off variant to everyone in the environment. If someone edits the flag at the same\n' +
    `moment, the kill is re-read and retried (up to ${MAX_ATTEMPTS} writes) rather than lost. Already off: nothing is written.`,
  run: (ctx, args, values) => setEnabled(ctx, args, values, false),
};

export const enable: Command = {
  name: 'enable',
  summary: 'turn a flag on in an environment (asks in production)',
  arguments: ['flag'],
  usage: '<flag> --env <env> [--yes]',
  options: { env: ENV_OPTION, yes: YES_OPTION },
  details:
    'The flag then serves its rules and fallthrough as configured (shown in the confirmation).\n' +
    'If someone edits what it would serve between the read and the write, nothing is enabled and the\n' +
    'command says so; a concurrent change of only the on/off state is retried.',
  run: (ctx, args, values) => setEnabled(ctx, args, values, true),
};
