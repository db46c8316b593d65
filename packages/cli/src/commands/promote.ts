/**
 * `promote`: copies targeting from one environment to another. One flag goes through the
 * promote route; `--all` is an import of the source's export into the target carrying the
 * target's versions, so every flag moves in one transaction or none does.
 */
import type { EnvironmentExport, PromoteResult } from '@switchboard/api-client';
import { key, requiredOption } from '../arguments.js';
import { YES_OPTION, type Command } from '../command.js';
import { checkConfirmable, confirm } from '../confirm.js';
import { UsageError } from '../errors.js';
import { describePlan } from './plan.js';

const show = (value: unknown): string => JSON.stringify(value);

export function describePromotion(r: PromoteResult): string {
  if (r.fields.length === 0) return `${r.flag}: ${r.to} already has ${r.from}'s config (version ${r.config.version}); nothing to promote`;
  const lines = [
    `~ config ${r.flag} in ${r.to} (version ${show(r.before.version)} → ${show(r.after.version)}), from ${r.from} version ${r.fromVersion}`,
  ];
  for (const field of r.fields) lines.push(`    - ${field}: ${show(r.before[field])}`, `    + ${field}: ${show(r.after[field])}`);
  return lines.join('\n');
}

/** The source's flags and segments with the target's versions: an import that fails if the target moved on. */
function promotionOf(source: EnvironmentExport, target: EnvironmentExport): EnvironmentExport {
  const flags = new Map(target.flags.map((f) => [f.key, f]));
  const segments = new Map(target.segments.map((s) => [s.key, s]));
  return {
    environment: target.environment,
    segments: source.segments.map((s) => ({ ...s, version: segments.get(s.key)?.version })),
    flags: source.flags.map((f) => ({
      ...f,
      version: flags.get(f.key)?.version,
      config: { ...f.config, version: flags.get(f.key)?.config.version },
    })),
  };
}

export const promote: Command = {
  name: 'promote',
  summary: "copy a flag's targeting (or every flag's) from one environment to another",
  arguments: ['flag'],
  optionalArguments: 1,
  usage: '(<flag> | --all) --from <env> --to <env> [--yes]',
  options: {
    all: { type: 'boolean', description: 'every flag, in one transaction' },
    from: { type: 'string', placeholder: '<env>', description: 'the environment to copy from, e.g. staging' },
    to: { type: 'string', placeholder: '<env>', description: 'the environment to copy to, e.g. production' },
    yes: YES_OPTION,
  },
  details:
    'Copies rules, rollout (bucketBy and salt included), prerequisites and the kill switch; prints the\n' +
    'difference, asks when the target is production, then writes. An edit on either side in between fails\n' +
    'it and writes nothing. Examples:\n' +
    '  switchboard promote new-checkout --from staging --to production\n' +
    '  switchboard promote --all --from staging --to production --yes',
  async run(ctx, [flagArg], values) {
    const all = values.all === true;
    if (all === (flagArg !== undefined)) throw new UsageError('give either a flag or --all', ctx.command);
    const from = key(requiredOption(values, 'from', ctx.command), 'environment', ctx.command);
    const to = key(requiredOption(values, 'to', ctx.command), 'environment', ctx.command);
    if (from === to) throw new UsageError('--from and --to must differ', ctx.command);
    const yes = values.yes === true;
    const guard = await checkConfirmable(ctx, to, yes);
    const api = ctx.api();

    if (!all) {
      const flag = key(flagArg!, 'flag', ctx.command);
      const planned = await api.flags.promote(flag, { from, to, dryRun: true });
      if (planned.fields.length === 0) return ctx.json ? ctx.printJson(planned) : ctx.out(describePromotion(planned));
      ctx.note(describePromotion(planned));
      await confirm(ctx.io, guard, `Promote ${flag} from ${from} to ${to}?`);
      const result = await api.flags.promote(flag, { from, to, fromVersion: planned.fromVersion, toVersion: planned.config.version });
      return ctx.json ? ctx.printJson(result) : ctx.out(`promoted ${flag} to ${to} (version ${result.config.version})`);
    }

    const [source, target] = await Promise.all([api.environments.export(from), api.environments.export(to)]);
    const body = promotionOf(source, target);
    const planned = await api.environments.import(to, { ...body, dryRun: true });
    if (planned.changes.length === 0) return ctx.json ? ctx.printJson(planned) : ctx.out(describePlan(planned));
    ctx.note(describePlan(planned));
    await confirm(
      ctx.io,
      guard,
      `Promote ${planned.changes.length} change${planned.changes.length === 1 ? '' : 's'} from ${from} to ${to}?`,
    );
    const result = await api.environments.import(to, body);
    if (ctx.json) return ctx.printJson(result);
    ctx.out(`promoted ${result.changes.length} change${result.changes.length === 1 ? '' : 's'} from ${from} to ${to}`);
  },
};
