/** `rollout`: `percentage` % of the fallthrough get `variant`; the other variants keep their proportions. */
import type { FlagConfig } from '@switchboard/api-client';
import { LIMITS } from '@switchboard/core/validate';
import { key, percentage, requiredOption, stringOption } from '../arguments.js';
import { ENV_OPTION, YES_OPTION, type Command } from '../command.js';
import { checkConfirmable, confirm } from '../confirm.js';
import { UsageError } from '../errors.js';
import { describeServe } from '../format.js';
import { changedMeanwhile, isPreconditionFailed, reportWrite } from './config-write.js';

export const rollout: Command = {
  name: 'rollout',
  summary: 'serve a variant to a percentage of users (asks in production)',
  arguments: ['flag', 'percentage'],
  usage: '<flag> <percentage> --env <env> [--variant <v>] [--bucket-by <attribute>] [--yes]',
  options: {
    env: ENV_OPTION,
    variant: { type: 'string', placeholder: '<variant>', description: 'the variant rolled out (default: "on" for boolean flags)' },
    'bucket-by': { type: 'string', placeholder: '<attribute>', description: 'context attribute users are bucketed by (default: userId)' },
    yes: YES_OPTION,
  },
  details:
    'percentage: 0 to 100 in 0.001 steps (12.5, 0.001, 100; a trailing % is accepted).\n' +
    'The other variants the flag serves share the rest in their current proportions (light 50 / dark 30 /\n' +
    'contrast 20 with dark set to 40: light 42.857 / dark 40 / contrast 17.143); a flag serving one variant\n' +
    'gives the rest to the off variant. The bucketing attribute stays unless --bucket-by is given.\n' +
    'Users keep their bucket: raising 10 → 20 keeps everyone who was in at 10. Rules still apply first,\n' +
    'and a flag that is off stays off: this changes what it serves once enabled. Not retried on a\n' +
    'concurrent edit: the command stops and says so.\n\n' +
    'example: switchboard rollout new-checkout 25 --env production --yes',
  async run(ctx, [flagArg, percentageArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const share = percentage(percentageArg!, ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const variant = stringOption(values, 'variant');
    if (variant !== undefined) key(variant, 'variant', ctx.command);
    const bucketBy = stringOption(values, 'bucket-by');
    if (bucketBy !== undefined && !LIMITS.attributePattern.test(bucketBy)) {
      throw new UsageError(`--bucket-by "${bucketBy}" is not an attribute name`, ctx.command);
    }
    const yes = values.yes === true;
    const guard = await checkConfirmable(ctx, env, yes);

    const api = ctx.api();
    const current = await api.configs.get(flag, env);
    await confirm(
      ctx.io,
      guard,
      `Roll ${flag} out to ${share}%${variant === undefined ? '' : ` (${variant})`} in ${env}? Its fallthrough is ${describeServe(current.fallthrough)} now` +
        `${current.enabled ? '' : ' (the flag is off)'} (version ${current.version}).`,
    );
    let after: FlagConfig;
    try {
      after = await api.configs.rollout(
        flag,
        env,
        { percentage: share, ...(variant === undefined ? {} : { variant }), ...(bucketBy === undefined ? {} : { bucketBy }) },
        { ifMatch: current.version },
      );
    } catch (err) {
      throw isPreconditionFailed(err) ? changedMeanwhile(err, flag, env, current.version) : err;
    }
    reportWrite(ctx, 'rolled out', current, after);
    if (!after.enabled && !ctx.json)
      ctx.note(`note: ${flag} is off in ${env}; users get "${after.offVariant}" until: switchboard enable ${flag} --env ${env}`);
  },
};
