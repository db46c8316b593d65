/**
 * `requests`: change requests, the writes held for approval in environments that require it.
 * `list`, `show` (the diff), and `approve`, `reject`, `apply`, `cancel` at the revision just read,
 * so an approval is always of what was shown.
 */
import type { ChangeRequest, ChangeRequestStatus } from '@switchboard/api-client';
import { key, oneOf, positiveInteger, stringOption } from '../arguments.js';
import type { Command } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { changes, table, time } from '../format.js';

const STATUSES: readonly ChangeRequestStatus[] = ['open', 'approved', 'applied', 'rejected', 'cancelled', 'conflicted'];

function idOf(value: string, command: string): number {
  const id = value.startsWith('#') ? value.slice(1) : value;
  if (!/^[1-9]\d{0,8}$/.test(id)) throw new UsageError(`"${value}" is not a change request number (like 12)`, command);
  return Number(id);
}

function approvalsOf(cr: ChangeRequest): string {
  return `${cr.approvals.length}/${cr.requiredApprovals}`;
}

/** The request as a reviewer needs it: what, where, who, why, and each field before → after. */
export function describeRequest(cr: ChangeRequest): string {
  // The contract's serve shape is looser than the flag document's; the server checked both when it was written.
  type Fields = Parameters<typeof changes>[0];
  const lines = changes(cr.base as Fields, { ...cr.base, ...cr.patch } as Fields);
  const approvals = cr.approvals.map((a) => `${a.by} (${time(a.at)})`).join(', ') || 'none yet';
  return (
    `change request #${cr.id}: ${cr.flag} in ${cr.environment} (${cr.action}), ${cr.status}\n` +
    `  by        ${cr.author}, ${time(cr.createdAt)}\n` +
    `  reason    ${cr.reason ?? '-'}\n` +
    `  base      version ${cr.baseVersion}\n` +
    `  approvals ${approvalsOf(cr)}: ${approvals}\n` +
    (cr.resolvedBy
      ? `  ${cr.status.padEnd(9)} by ${cr.resolvedBy}, ${time(cr.resolvedAt)}${cr.appliedVersion ? ` as version ${cr.appliedVersion}` : ''}\n`
      : '') +
    'changes:\n' +
    (lines.length > 0 ? lines.map((l) => `  ${l}\n`).join('') : '  nothing\n')
  );
}

export const requestsList: Command = {
  name: 'requests list',
  summary: 'change requests waiting for approval (or any status)',
  arguments: [],
  usage: '[--status <status>] [--flag <flag>] [--env <env>] [--limit <n>]',
  options: {
    status: { type: 'string', placeholder: '<status>', description: `${STATUSES.join(', ')} (default: open)` },
    flag: { type: 'string', placeholder: '<flag>', description: 'only this flag' },
    env: { type: 'string', placeholder: '<env>', description: 'only this environment' },
    limit: { type: 'string', placeholder: '<n>', description: 'at most this many, newest first (default 50)' },
  },
  async run(ctx, _args, values) {
    const status = oneOf(stringOption(values, 'status') ?? 'open', STATUSES, 'status', ctx.command);
    const flag = stringOption(values, 'flag');
    const env = stringOption(values, 'env');
    const limitText = stringOption(values, 'limit');
    const query = {
      status,
      limit: limitText === undefined ? 50 : positiveInteger(limitText, 'limit', ctx.command, 500),
      ...(flag === undefined ? {} : { flag: key(flag, 'flag', ctx.command) }),
      ...(env === undefined ? {} : { environment: key(env, 'environment', ctx.command) }),
    };
    const { changeRequests } = await ctx.api().changeRequests.list(query);
    if (ctx.json) return ctx.printJson({ changeRequests });
    if (changeRequests.length === 0) return ctx.out(`no ${status} change requests`);
    ctx.out(
      table(
        ['#', 'FLAG', 'ENV', 'ACTION', 'STATUS', 'APPROVALS', 'BY', 'REASON', 'CREATED'],
        changeRequests.map((cr) => [
          String(cr.id),
          cr.flag,
          cr.environment,
          cr.action,
          cr.status,
          approvalsOf(cr),
          cr.author,
          cr.reason ?? '-',
          time(cr.createdAt),
        ]),
      ),
    );
  },
};

export const requestsShow: Command = {
  name: 'requests show',
  summary: 'one change request: who, why, approvals and what it changes',
  arguments: ['id'],
  usage: '<id>',
  options: {},
  async run(ctx, args) {
    const cr = await ctx.api().changeRequests.get(idOf(args[0]!, ctx.command));
    if (ctx.json) return ctx.printJson(cr);
    ctx.out(describeRequest(cr));
  },
};

type Action = 'approve' | 'reject' | 'apply' | 'cancel';

const DONE: Record<Action, string> = { approve: 'approved', reject: 'rejected', apply: 'applied', cancel: 'cancelled' };

function action(name: Action, summary: string, details: string): Command {
  return {
    name: `requests ${name}`,
    summary,
    arguments: ['id'],
    usage: '<id> [--reason <text>]',
    options: {},
    details,
    async run(ctx: Context, args) {
      const id = idOf(args[0]!, ctx.command);
      const api = ctx.api();
      // The revision just read is the one acted on: if it was edited meanwhile, the server refuses (412).
      const read = await api.changeRequests.get(id);
      const after = await api.changeRequests[name](id, { ifMatch: read.revision });
      if (ctx.json) return ctx.printJson(after);
      const tail =
        name === 'approve'
          ? ` (${approvalsOf(after)} approvals${after.status === 'approved' ? '; ready: switchboard requests apply ' + id : ''})`
          : name === 'apply'
            ? ` as version ${after.appliedVersion} of ${after.flag} in ${after.environment}`
            : '';
      ctx.out(`${DONE[name]} change request #${id}${tail}`);
    },
  };
}

export const requestsApprove = action(
  'approve',
  'approve a change request as shown (not your own)',
  'Approves the revision `requests show` printed; an edit after that makes the approval a 412.',
);
export const requestsReject = action('reject', 'reject a change request (not your own: cancel it)', 'Closes it; nothing is written.');
export const requestsApply = action(
  'apply',
  'write an approved change request',
  'Written only if the config is still at the version the request was made against; otherwise the\nrequest becomes conflicted and nothing is written.',
);
export const requestsCancel = action('cancel', 'withdraw your change request', 'Closes it; nothing is written.');
