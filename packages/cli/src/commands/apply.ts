/**
 * `apply`: writes a file to an environment in one transaction. It shows the plan first (a
 * dry run) and, in production, asks; the write itself checks every version in the file
 * again, so an edit made between the plan and the answer fails the apply and writes nothing.
 */
import { key, requiredOption } from '../arguments.js';
import { ENV_OPTION, YES_OPTION, type Command } from '../command.js';
import { checkConfirmable, confirm } from '../confirm.js';
import { readExport } from './export.js';
import { describePlan } from './plan.js';

export const apply: Command = {
  name: 'apply',
  summary: 'write a file from `export` to an environment, all or nothing',
  arguments: ['file'],
  usage: '<file> --env <env> [--yes]',
  options: { env: ENV_OPTION, yes: YES_OPTION },
  details:
    'Prints the plan, asks in production (--yes in CI), then writes everything in one transaction. A flag,\n' +
    'config or segment changed on the server since the file was exported fails the whole apply (412).\n' +
    'Example:\n  switchboard apply flags/production.yaml --env production --yes',
  async run(ctx, [file], values) {
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const yes = values.yes === true;
    const doc = readExport(file!, env, ctx.command);
    const guard = await checkConfirmable(ctx, env, yes);
    const api = ctx.api();
    const planned = await api.environments.import(env, { ...doc, dryRun: true });
    if (planned.changes.length === 0) {
      if (ctx.json) return ctx.printJson(planned);
      return ctx.out(describePlan(planned));
    }
    ctx.note(describePlan(planned));
    await confirm(ctx.io, guard, `Apply ${planned.changes.length} change${planned.changes.length === 1 ? '' : 's'} to ${env}?`);
    const result = await api.environments.import(env, { ...doc, dryRun: false });
    if (ctx.json) return ctx.printJson(result);
    ctx.out(`applied ${result.changes.length} change${result.changes.length === 1 ? '' : 's'} to ${env}`);
  },
};
