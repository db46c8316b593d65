/**
 * `webhooks list|create|delete|rotate|deliveries|redeliver`. Signing secrets are shown once
 * (create, rotate), alone on stdout so they can be captured; everything else goes to stderr.
 */
import type { WebhookDeliveryStatus } from '@switchboard/api-client';
import { key, keyId, oneOf, positiveInteger, requiredOption, stringOption } from '../arguments.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { table, time } from '../format.js';

const STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'delivering', 'succeeded', 'failed'];
const EVENT_PATTERN = /^(\*|flag\.(\*|changed)|(release|schedule)\.(\*|[a-z][a-z0-9_]{0,63}))$/;

function webhookId(value: string, command: string): string {
  try {
    return keyId(value, command);
  } catch {
    throw new UsageError(`"${value}" is not a webhook id (a UUID, as \`switchboard webhooks list\` shows)`, command);
  }
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export const webhooksList: Command = {
  name: 'webhooks list',
  summary: 'list webhooks (never their secrets)',
  arguments: [],
  usage: '',
  options: {},
  async run(ctx) {
    const body = await ctx.api().webhooks.list();
    if (ctx.json) return ctx.printJson(body);
    if (body.webhooks.length === 0) return ctx.note('no webhooks');
    ctx.out(
      table(
        ['ID', 'URL', 'EVENTS', 'ENVIRONMENTS', 'ENABLED', 'CREATED'],
        body.webhooks.map((w) => [
          w.id,
          w.url,
          w.events.join(','),
          w.environments?.join(',') ?? 'all',
          w.enabled ? 'yes' : 'no',
          time(w.createdAt),
        ]),
      ),
    );
  },
};

export const webhooksCreate: Command = {
  name: 'webhooks create',
  summary: 'create a webhook; prints only its signing secret on stdout',
  arguments: [],
  usage: '--endpoint <url> --events <list> [--envs <list>] [--description <text>]',
  options: {
    endpoint: { type: 'string', placeholder: '<url>', description: 'where deliveries are POSTed (http or https; --url is the server)' },
    events: {
      type: 'string',
      placeholder: '<list>',
      description: 'comma-separated: flag.changed, flag.stale, release.*, schedule.*, change_request.*, or * for everything',
    },
    envs: { type: 'string', placeholder: '<list>', description: 'only these environments (comma-separated; default: all)' },
    description: { type: 'string', placeholder: '<text>', description: 'what it is for' },
  },
  details:
    'Deliveries are signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature);\n' +
    'verify them with the secret, which is shown this once and goes alone to stdout:\n\n' +
    '  WEBHOOK_SECRET=$(switchboard webhooks create --endpoint https://hooks.example.com/in --events flag.changed)',
  async run(ctx, _args, values) {
    const url = requiredOption(values, 'endpoint', ctx.command);
    if (!/^https?:\/\//i.test(url)) throw new UsageError('--endpoint must start with http:// or https://', ctx.command);
    const events = list(requiredOption(values, 'events', ctx.command));
    if (events.length === 0) throw new UsageError('--events needs at least one event', ctx.command);
    for (const e of events) {
      if (!EVENT_PATTERN.test(e)) throw new UsageError(`event "${e}" is not flag.changed, release.*, schedule.* or *`, ctx.command);
    }
    const envsText = stringOption(values, 'envs');
    const environments = envsText === undefined ? undefined : list(envsText).map((e) => key(e, 'environment', ctx.command));
    const description = stringOption(values, 'description');
    const created = await ctx.api().webhooks.create({
      url,
      events,
      ...(environments === undefined ? {} : { environments }),
      ...(description === undefined ? {} : { description }),
    });
    if (ctx.json) return ctx.printJson(created);
    ctx.note(`created webhook ${created.id} for ${created.url}; its signing secret, shown only this once:`);
    ctx.out(created.secret);
  },
};

export const webhooksDelete: Command = {
  name: 'webhooks delete',
  summary: 'delete a webhook with its delivery log',
  arguments: ['id'],
  usage: '<id>',
  options: {},
  async run(ctx, [idArg]) {
    const id = webhookId(idArg!, ctx.command);
    await ctx.api().webhooks.delete(id);
    if (ctx.json) return ctx.printJson({ id, deleted: true });
    ctx.out(`deleted webhook ${id}`);
  },
};

export const webhooksRotate: Command = {
  name: 'webhooks rotate',
  summary: 'new signing secret (stdout, once); the old one keeps signing for a while',
  arguments: ['id'],
  usage: '<id>',
  options: {},
  details: 'Until the time printed, deliveries carry two signatures, one per secret, so receivers can switch at their pace.',
  async run(ctx, [idArg]) {
    const id = webhookId(idArg!, ctx.command);
    const rotated = await ctx.api().webhooks.rotateSecret(id);
    if (ctx.json) return ctx.printJson(rotated);
    ctx.note(`rotated webhook ${id}; the previous secret still signs until ${time(rotated.previousSecretExpiresAt)}. New secret:`);
    ctx.out(rotated.secret);
  },
};

export const webhooksDeliveries: Command = {
  name: 'webhooks deliveries',
  summary: "a webhook's delivery log, newest first",
  arguments: ['id'],
  usage: '<id> [--status <status>] [--limit <n>]',
  options: {
    status: { type: 'string', placeholder: '<status>', description: 'pending, delivering, succeeded or failed' },
    limit: { type: 'string', placeholder: '<n>', description: 'at most this many (1-200, default 50)' },
  },
  async run(ctx, [idArg], values) {
    const id = webhookId(idArg!, ctx.command);
    const statusText = stringOption(values, 'status');
    const status = statusText === undefined ? undefined : oneOf(statusText, STATUSES, 'status', ctx.command);
    const limitText = stringOption(values, 'limit');
    const limit = limitText === undefined ? undefined : positiveInteger(limitText, 'limit', ctx.command, 200);
    const page = await ctx.api().webhooks.deliveries(id, { status, limit });
    if (ctx.json) return ctx.printJson(page);
    if (page.deliveries.length === 0) return ctx.note('no deliveries');
    ctx.out(
      table(
        ['ID', 'EVENT', 'ENVIRONMENT', 'STATUS', 'ATTEMPTS', 'LAST RESULT', 'NEXT ATTEMPT', 'CREATED'],
        page.deliveries.map((d) => [
          d.id,
          d.eventType,
          d.environment ?? '-',
          d.status,
          String(d.attempts),
          d.lastError ?? (d.lastStatusCode === null ? '-' : `HTTP ${d.lastStatusCode}`),
          time(d.nextAttemptAt),
          time(d.createdAt),
        ]),
      ),
    );
  },
};

export const webhooksRedeliver: Command = {
  name: 'webhooks redeliver',
  summary: 'send a delivery again (same webhook-id), with a fresh retry schedule',
  arguments: ['id', 'delivery'],
  usage: '<id> <delivery>',
  options: {},
  async run(ctx, [idArg, deliveryArg]) {
    const id = webhookId(idArg!, ctx.command);
    if (!/^msg_[A-Za-z0-9_-]{1,64}$/.test(deliveryArg!)) {
      throw new UsageError(`"${deliveryArg}" is not a delivery id (msg_…, as \`switchboard webhooks deliveries\` shows)`, ctx.command);
    }
    const delivery = await ctx.api().webhooks.redeliver(id, deliveryArg!);
    if (ctx.json) return ctx.printJson(delivery);
    ctx.out(`queued delivery ${delivery.id} again`);
  },
};
