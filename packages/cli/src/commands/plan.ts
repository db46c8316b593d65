/**
 * `plan`: what `apply` would change, as a diff, computed by the server's own import in a
 * dry run (validation included, rolled back), so a plan that prints is one that applies.
 */
import type { ImportChange, ImportResult } from '@switchboard/api-client';
import { key, requiredOption } from '../arguments.js';
import { ENV_OPTION, type Command } from '../command.js';
import { readExport } from './export.js';

const show = (value: unknown): string => JSON.stringify(value);

function changeLines(change: ImportChange): string[] {
  const before = change.before ?? {};
  const version =
    change.kind === 'config' && typeof before.version === 'number' ? ` (version ${before.version} → ${show(change.after.version)})` : '';
  const mark = change.action === 'create' ? '+' : '~';
  const lines = [`${mark} ${change.kind} ${change.key}${version}`];
  for (const field of change.fields) {
    if (change.action === 'update') lines.push(`    - ${field}: ${show(before[field])}`);
    lines.push(`    + ${field}: ${show(change.after[field])}`);
  }
  return lines;
}

/** The result as a diff: `+` creates, `~` updates with each field's `-` before and `+` after. */
export function describePlan(result: ImportResult): string {
  if (result.changes.length === 0) return `${result.environment}: no changes`;
  const n = result.changes.length;
  return [`${result.environment}: ${n} change${n === 1 ? '' : 's'}`, ...result.changes.flatMap(changeLines)].join('\n');
}

export const plan: Command = {
  name: 'plan',
  summary: 'show what applying a file would change in an environment (writes nothing)',
  arguments: ['file'],
  usage: '<file> --env <env>',
  options: { env: ENV_OPTION },
  details:
    'The server runs the import and rolls it back: the same validation and version checks as apply.\n' +
    'Flags and segments not in the file are left alone. Example:\n  switchboard plan flags/production.yaml --env production',
  async run(ctx, [file], values) {
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const doc = readExport(file!, env, ctx.command);
    const result = await ctx.api().environments.import(env, { ...doc, dryRun: true });
    if (ctx.json) return ctx.printJson(result);
    ctx.out(describePlan(result));
  },
};
