/**
 * `schedule`: a config change applied by the server at a set time, even with nobody
 * watching; `schedule list` and `schedule cancel` to see and withdraw them.
 */
import type { CreateScheduledChangeBody, PatchConfigBody, ScheduledChange, ScheduledChangeStatus } from '@switchboard/api-client';
import { key, oneOf, percentage, positiveInteger, requiredOption, stringOption } from '../arguments.js';
import { ENV_OPTION, YES_OPTION, type Command } from '../command.js';
import { checkConfirmable, confirm } from '../confirm.js';
import { UsageError } from '../errors.js';
import { describeServe, table, time } from '../format.js';

const STATUSES: readonly ScheduledChangeStatus[] = ['pending', 'applied', 'conflicted', 'expired', 'cancelled', 'failed'];
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/i;
const WALL = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2})?)$/;
const RELATIVE = /^\+(\d{1,6})([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `--at`: an instant with its offset (`2026-12-08T02:00Z`), a wall time read in `timeZone`
 * (`2026-12-08 03:00`), or a delay from now (`+30m`).
 */
export function runAtOf(
  at: string,
  timeZone: string | undefined,
  offset: string | undefined,
  command: string,
  now = Date.now(),
): CreateScheduledChangeBody['runAt'] {
  const relative = RELATIVE.exec(at);
  if (relative) return new Date(now + Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]).toISOString();
  if (INSTANT.test(at)) {
    if (timeZone !== undefined || offset !== undefined) throw new UsageError('--at already has an offset; drop --tz and --offset', command);
    // RFC 3339 needs seconds: 02:00Z → 02:00:00Z.
    return at.replace(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?=Z|[+-])/i, '$1:00');
  }
  const wall = WALL.exec(at);
  if (!wall) {
    throw new UsageError(
      `--at "${at}" is not a time: use 2026-12-08T02:00:00Z (an instant), "2026-12-08 03:00" with --tz (a wall time), or +30m`,
      command,
    );
  }
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return { local: `${wall[1]}T${wall[2]}`, timeZone: zone, ...(offset === undefined ? {} : { offset }) };
}

function when(change: ScheduledChange): string {
  const local = change.runAtLocal;
  return `${time(change.runAt)}${local ? ` (${local.local.replace('T', ' ')} ${local.timeZone})` : ''}`;
}

function describeChange(change: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof change.enabled === 'boolean') parts.push(change.enabled ? 'enable' : 'disable');
  if (change.fallthrough !== undefined) parts.push(`serve ${describeServe(change.fallthrough as Parameters<typeof describeServe>[0])}`);
  const rest = Object.keys(change).filter((k) => k !== 'enabled' && k !== 'fallthrough');
  if (rest.length > 0) parts.push(`set ${rest.join(', ')}`);
  return parts.join(', ');
}

export const schedule: Command = {
  name: 'schedule',
  summary: 'have the server turn a flag on or off, or change its rollout, at a set time (asks in production)',
  arguments: ['flag'],
  usage: '<flag> --env <env> --at <time> (--enable | --disable | --rollout <percentage>) [options]',
  options: {
    env: ENV_OPTION,
    at: {
      type: 'string',
      placeholder: '<time>',
      description: 'when: 2026-12-08T02:00:00Z, "2026-12-08 03:00" (with --tz), or +30m / +2h / +1d',
    },
    tz: { type: 'string', placeholder: '<zone>', description: 'IANA time zone of a wall-clock --at (default: this machine’s)' },
    offset: { type: 'string', placeholder: '<±hh:mm>', description: 'which of the two 02:30s of a DST fall-back night is meant' },
    enable: { type: 'boolean', description: 'turn the flag on' },
    disable: { type: 'boolean', description: 'turn the flag off' },
    rollout: {
      type: 'string',
      placeholder: '<percentage>',
      description: 'serve --variant to this share of users, the rest the off variant',
    },
    variant: { type: 'string', placeholder: '<variant>', description: 'the variant --rollout serves (default "on")' },
    'if-unchanged': { type: 'boolean', description: 'skip the change (status conflicted) if anyone edits the flag before then' },
    'max-lateness': {
      type: 'string',
      placeholder: '<seconds>',
      description: 'if no server runs at that time, still apply this late (default 3600)',
    },
    comment: { type: 'string', placeholder: '<text>', description: 'why, kept with the change' },
    yes: YES_OPTION,
  },
  details:
    'The server applies the change once, at that time, as an ordinary versioned and audited edit (made by\n' +
    '"scheduled change <id>"). A wall time the clocks skip (DST spring-forward) is refused; one they repeat\n' +
    '(fall-back) needs --offset. See what is pending with `switchboard schedule list`.\n\n' +
    'examples:\n' +
    '  switchboard schedule new-checkout --env production --at "2026-12-08 03:00" --tz Europe/Berlin --enable --yes\n' +
    '  switchboard schedule new-checkout --env staging --at +2h --rollout 25',
  async run(ctx, [flagArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const runAt = runAtOf(
      requiredOption(values, 'at', ctx.command),
      stringOption(values, 'tz'),
      stringOption(values, 'offset'),
      ctx.command,
    );
    if (values.enable === true && values.disable === true)
      throw new UsageError('--enable and --disable contradict each other', ctx.command);
    const rawRollout = stringOption(values, 'rollout');
    const share = rawRollout === undefined ? undefined : percentage(rawRollout, ctx.command);
    if (values.enable !== true && values.disable !== true && share === undefined) {
      throw new UsageError('say what to change: --enable, --disable or --rollout <percentage>', ctx.command);
    }
    const variant = stringOption(values, 'variant');
    if (variant !== undefined) {
      if (share === undefined) throw new UsageError('--variant goes with --rollout', ctx.command);
      key(variant, 'variant', ctx.command);
    }
    const rawLateness = stringOption(values, 'max-lateness');
    const maxLatenessSec = rawLateness === undefined ? undefined : positiveInteger(rawLateness, 'max-lateness', ctx.command, 604_800);
    const comment = stringOption(values, 'comment');
    const yes = values.yes === true;
    const guard = await checkConfirmable(ctx, env, yes);

    const api = ctx.api();
    const current = await api.configs.get(flag, env);
    const change: PatchConfigBody = {};
    if (values.enable === true) change.enabled = true;
    if (values.disable === true) change.enabled = false;
    if (share !== undefined) {
      const served = variant ?? 'on';
      if (served === current.offVariant) throw new UsageError(`--variant must differ from the off variant "${served}"`, ctx.command);
      const weight = Math.round(share * 1000);
      const bucketBy = 'rollout' in current.fallthrough ? current.fallthrough.bucketBy : undefined;
      change.fallthrough = {
        rollout: [
          { variant: served, weight },
          { variant: current.offVariant, weight: 100_000 - weight },
        ],
        ...(bucketBy === undefined ? {} : { bucketBy }),
      };
    }
    const at = typeof runAt === 'string' ? runAt : `${runAt.local.replace('T', ' ')} ${runAt.timeZone}`;
    await confirm(
      ctx.io,
      guard,
      `Schedule ${flag} in ${env} to ${describeChange(change)} at ${at}? It is ${current.enabled ? 'on' : 'off'} now (version ${current.version}).`,
    );
    const created = await api.scheduledChanges.create(flag, env, {
      runAt,
      change,
      ...(values['if-unchanged'] === true ? { baseVersion: current.version } : {}),
      ...(maxLatenessSec === undefined ? {} : { maxLatenessSec }),
      ...(comment === undefined ? {} : { comment }),
    });
    if (ctx.json) return ctx.printJson(created);
    ctx.out(`scheduled ${created.id}: ${describeChange(created.change)} ${flag} in ${env} at ${when(created)}`);
    ctx.note(`cancel with: switchboard schedule cancel ${flag} ${created.id} --env ${env}`);
  },
};

export const scheduleList: Command = {
  name: 'schedule list',
  summary: 'scheduled changes, soonest first',
  arguments: [],
  usage: '[--flag <flag> --env <env>] [--status <status>] [--limit <n>]',
  options: {
    flag: { type: 'string', placeholder: '<flag>', description: 'only this flag' },
    env: { ...ENV_OPTION, description: 'only this environment' },
    status: { type: 'string', placeholder: '<status>', description: `only this status: ${STATUSES.join(', ')} (default: all)` },
    limit: { type: 'string', placeholder: '<n>', description: 'changes shown, 1 to 500 (default 100)' },
  },
  async run(ctx, _args, values) {
    const flag = stringOption(values, 'flag');
    if (flag !== undefined) key(flag, 'flag', ctx.command);
    const env = stringOption(values, 'env');
    if (env !== undefined) key(env, 'environment', ctx.command);
    const rawStatus = stringOption(values, 'status');
    const status = rawStatus === undefined ? undefined : oneOf(rawStatus, STATUSES, 'status', ctx.command);
    const rawLimit = stringOption(values, 'limit');
    const limit = rawLimit === undefined ? undefined : positiveInteger(rawLimit, 'limit', ctx.command, 500);

    const body = await ctx.api().scheduledChanges.listAll({ flag, environment: env, status, limit });
    if (ctx.json) return ctx.printJson(body);
    if (body.scheduledChanges.length === 0) return ctx.note('no scheduled changes');
    ctx.out(
      table(
        ['ID', 'FLAG', 'ENVIRONMENT', 'RUN AT', 'CHANGE', 'STATUS'],
        body.scheduledChanges.map((c) => [
          c.id,
          c.flag,
          c.environment,
          when(c),
          describeChange(c.change),
          c.error === null ? c.status : `${c.status}: ${c.error}`,
        ]),
      ),
    );
  },
};

export const scheduleCancel: Command = {
  name: 'schedule cancel',
  summary: 'withdraw a pending scheduled change',
  arguments: ['flag', 'id'],
  usage: '<flag> <id> --env <env>',
  options: { env: ENV_OPTION },
  async run(ctx, [flagArg, id], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    if (!UUID.test(id!))
      throw new UsageError(`"${id}" is not a scheduled change id (a UUID, as \`switchboard schedule list\` shows)`, ctx.command);
    const cancelled = await ctx.api().scheduledChanges.cancel(flag, env, id!);
    if (ctx.json) return ctx.printJson(cancelled);
    ctx.out(`cancelled ${cancelled.id}: it would have run at ${when(cancelled)}`);
  },
};
