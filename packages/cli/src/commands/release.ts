/**
 * `release start|status|pause|resume|advance|cancel`: a flag's release plan in one
 * environment. Starting (and resuming, which writes the stage again) asks in production.
 */
import type { PutReleasePlanBody, ReleasePlan } from '@switchboard/api-client';
import { key, oneOf, percentage, positiveInteger, requiredOption, stringOption } from '../arguments.js';
import { ENV_OPTION, YES_OPTION, type Command } from '../command.js';
import { checkConfirmable, confirm } from '../confirm.js';
import { UsageError } from '../errors.js';
import { table, time } from '../format.js';
import { runAtOf } from './schedule.js';

const DURATION = /^(\d{1,7})(s|m|h|d)?$/;
const SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const ACTIONS = ['rollback', 'kill', 'pause', 'notify'] as const;

/** `10m`, `2h`, `90` (seconds). */
export function durationSec(value: string, command: string): number {
  const m = DURATION.exec(value.trim());
  if (!m) throw new UsageError(`--stage-duration "${value}" is not a duration: use 90 (seconds), 10m, 2h or 1d`, command);
  return Number(m[1]) * SECONDS[(m[2] ?? 's') as keyof typeof SECONDS];
}

/** `1,5,25,50,100` → growing percentages. */
export function stagesOf(value: string, durationSecEach: number, command: string): PutReleasePlanBody['stages'] {
  const percents = value.split(',').map((p) => percentage(p.trim(), command));
  percents.forEach((p, i) => {
    if (i > 0 && p <= percents[i - 1]!) throw new UsageError(`--stages must grow: ${p} comes after ${percents[i - 1]}`, command);
  });
  return percents.map((percent, i) => (i < percents.length - 1 ? { percent, minDurationSec: durationSecEach } : { percent }));
}

function describe(plan: ReleasePlan): string {
  const stage = plan.stages[plan.stage];
  const lines = [
    `${plan.flag} in ${plan.environment}: ${plan.status}` +
      (stage ? `, stage ${plan.stage + 1} of ${plan.stages.length} (${stage.percent}% on "${plan.variant}")` : '') +
      (plan.nextStageAt ? `, next stage from ${time(plan.nextStageAt)}` : '') +
      (plan.pausedReason ? `\npaused: ${plan.pausedReason}` : ''),
  ];
  const arm = (a: ReleasePlan['arms']['treatment']) => [
    a.variant,
    String(a.exposures),
    ...plan.guards.map((g) => {
      const e = a.events[g.event];
      return e ? `${e.units} (${e.rate === null ? '-' : `${(e.rate * 100).toFixed(2)}%`})` : '0';
    }),
  ];
  if (plan.stage >= 0) {
    lines.push(
      table(['ARM', 'UNITS', ...plan.guards.map((g) => g.event.toUpperCase())], [arm(plan.arms.treatment), arm(plan.arms.control)]),
    );
  }
  if (plan.decisions.length > 0) {
    lines.push(
      table(
        ['AT', 'STAGE', 'ACTION', 'REASON'],
        plan.decisions.map((d) => [time(d.at), String(d.stage + 1), d.action, d.reason]),
      ),
    );
  }
  return lines.join('\n');
}

export const releaseStart: Command = {
  name: 'release start',
  summary: 'roll a variant out in stages, with an error guard that rolls it back (asks in production)',
  arguments: ['flag'],
  usage: '<flag> --env <env> [--stages 1,5,25,50,100] [--stage-duration 30m] [--guard-event $error] [options]',
  options: {
    env: ENV_OPTION,
    variant: { type: 'string', placeholder: '<variant>', description: 'the variant to release (default "on")' },
    stages: { type: 'string', placeholder: '<list>', description: 'percentages, growing (default 1,5,25,50,100)' },
    'stage-duration': { type: 'string', placeholder: '<duration>', description: 'each stage but the last: 90, 10m, 2h, 1d (default 30m)' },
    'guard-event': {
      type: 'string',
      placeholder: '<event>',
      description: 'the event the guard watches (default $error); "none" for no guard',
    },
    'guard-action': {
      type: 'string',
      placeholder: '<action>',
      description: `what a regression does: ${ACTIONS.join(', ')} (default rollback)`,
    },
    'min-units': { type: 'string', placeholder: '<n>', description: 'units per arm before the guard decides (default 1000)' },
    tolerance: { type: 'string', placeholder: '<percent>', description: 'relative increase of the error rate allowed, % (default 0)' },
    at: { type: 'string', placeholder: '<time>', description: 'start later: as `schedule --at` (with --tz)' },
    tz: { type: 'string', placeholder: '<zone>', description: 'IANA time zone of a wall-clock --at' },
    yes: YES_OPTION,
  },
  details:
    'Each stage is a versioned, audited config write by the plan; users who got the variant keep it as the\n' +
    'percentage grows. The guard compares the rate of --guard-event among users on the variant with the\n' +
    'rest, in distinct users, and acts on a regression; a manual edit or the kill switch pauses the plan.\n\n' +
    'examples:\n' +
    '  switchboard release start new-checkout --env production --stages 1,5,25,50,100 --stage-duration 1h --yes\n' +
    '  switchboard release start new-checkout --env staging --stage-duration 5m --guard-event none',
  async run(ctx, [flagArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const each = durationSec(stringOption(values, 'stage-duration') ?? '30m', ctx.command);
    const stages = stagesOf(stringOption(values, 'stages') ?? '1,5,25,50,100', each, ctx.command);
    const variant = key(stringOption(values, 'variant') ?? 'on', 'variant', ctx.command);
    const event = stringOption(values, 'guard-event') ?? '$error';
    const action = oneOf(stringOption(values, 'guard-action') ?? 'rollback', ACTIONS, 'guard-action', ctx.command);
    const rawMin = stringOption(values, 'min-units');
    const minUnits = rawMin === undefined ? undefined : positiveInteger(rawMin, 'min-units', ctx.command, 100_000_000);
    const rawTolerance = stringOption(values, 'tolerance');
    const tolerance = rawTolerance === undefined ? undefined : percentage(rawTolerance, ctx.command) / 100;
    const at = stringOption(values, 'at');
    const body: PutReleasePlanBody = { variant, stages };
    if (event !== 'none') {
      body.guards = [
        {
          event,
          metric: 'rate',
          worseWhen: 'higher',
          action,
          ...(minUnits === undefined ? {} : { minUnits }),
          ...(tolerance === undefined ? {} : { tolerance }),
        },
      ];
    }
    if (at !== undefined) body.startAt = runAtOf(at, stringOption(values, 'tz'), undefined, ctx.command);
    const yes = values.yes === true;
    const guard = await checkConfirmable(ctx, env, yes);
    await confirm(
      ctx.io,
      guard,
      `Release "${variant}" of ${flag} in ${env}: ${stages.map((s) => `${s.percent}%`).join(' → ')}` +
        `${body.guards ? `, guarded by ${event} (${action})` : ', no guard'}?`,
    );
    const plan = await ctx.api().releasePlans.put(flag, env, body);
    if (ctx.json) return ctx.printJson(plan);
    ctx.out(describe(plan));
  },
};

export const releaseStatus: Command = {
  name: 'release status',
  summary: "a flag's release plan: stage, arms, decisions",
  arguments: ['flag'],
  usage: '<flag> --env <env>',
  options: { env: ENV_OPTION },
  async run(ctx, [flagArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const plan = await ctx.api().releasePlans.get(flag, env);
    if (ctx.json) return ctx.printJson(plan);
    ctx.out(describe(plan));
  },
};

const control = (op: 'pause' | 'resume' | 'advance' | 'cancel', summary: string, asks: boolean): Command => ({
  name: `release ${op}`,
  summary,
  arguments: ['flag'],
  usage: `<flag> --env <env>${asks ? ' [--yes]' : ''}`,
  options: asks ? { env: ENV_OPTION, yes: YES_OPTION } : { env: ENV_OPTION },
  async run(ctx, [flagArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    if (asks) {
      const yes = values.yes === true;
      const guard = await checkConfirmable(ctx, env, yes);
      await confirm(ctx.io, guard, `${op[0]!.toUpperCase()}${op.slice(1)} the release plan of ${flag} in ${env}?`);
    }
    const plan = await ctx.api().releasePlans[op](flag, env);
    if (ctx.json) return ctx.printJson(plan);
    ctx.out(describe(plan));
  },
});

/** Pausing and cancelling only stop things: they never ask. */
export const releasePause = control('pause', 'hold the running stage', false);
export const releaseResume = control('resume', 'run a paused plan again: its stage is written again (asks in production)', true);
export const releaseAdvance = control('advance', 'move to the next stage now (asks in production)', true);
export const releaseCancel = control('cancel', 'stop the plan; the flag keeps its current config', false);
