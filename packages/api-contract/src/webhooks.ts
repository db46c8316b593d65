/** Webhooks: signed (Standard Webhooks) deliveries of flag, release and schedule events, with a delivery log. */
import { Type, type Static } from 'typebox';
import { Key, Timestamp, ref } from './common.js';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

/** `flag.changed`, `flag.stale`, `release.*`, `schedule.applied`, `change_request.*`, or `*` for everything. */
export const WebhookEventPattern = Type.String({
  pattern: '^(\\*|flag\\.(\\*|changed|stale)|(release|schedule|change_request)\\.(\\*|[a-z][a-z0-9_]{0,63}))$',
  description: 'an event name (`flag.changed`, `flag.stale`), a family (`flag.*`, `release.*`, `schedule.*`, `change_request.*`) or `*`',
  examples: ['flag.changed'],
});

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'http(s) URL; private, loopback and link-local targets are refused unless WEBHOOK_ALLOW_PRIVATE=true',
  examples: ['https://hooks.example.com/switchboard'],
});
const Events = Type.Array(WebhookEventPattern, { minItems: 1, maxItems: 20, uniqueItems: true, examples: [['flag.changed', 'release.*']] });
const Environments = Type.Array(Key, { minItems: 1, maxItems: 50, uniqueItems: true, examples: [['production']] });
const Description = Type.String({ maxLength: 500, examples: ['Post flag changes to #releases'] });

const webhookProperties = {
  id: Type.String({ pattern: UUID, examples: ['6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b'] }),
  url: Url,
  events: Events,
  environments: Nullable(Environments, 'the environments whose events it receives; null for all'),
  description: Description,
  enabled: Type.Boolean({ description: 'a disabled webhook gets no new events; queued ones wait until it is enabled again' }),
  createdBy: Type.String({ examples: ['alice (admin key)'] }),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
  previousSecretExpiresAt: Nullable(Timestamp(), 'during a secret rotation: until when the previous secret still signs'),
};

const WEBHOOK_EXAMPLE = {
  id: '6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b',
  url: 'https://hooks.example.com/switchboard',
  events: ['flag.changed', 'release.*'],
  environments: ['production'],
  description: 'Post flag changes to #releases',
  enabled: true,
  createdBy: 'alice (admin key)',
  createdAt: '2026-03-01T12:00:00.000Z',
  updatedAt: '2026-03-01T12:00:00.000Z',
  previousSecretExpiresAt: null,
};
const SECRET_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A webhook as listed: never its secret. */
export const Webhook = Type.Object(webhookProperties, { $id: 'Webhook', additionalProperties: false, examples: [WEBHOOK_EXAMPLE] });
export type Webhook = Static<typeof Webhook>;

const Secret = Type.String({
  pattern: '^whsec_[A-Za-z0-9+/=]+$',
  description: 'the signing secret (Standard Webhooks format), shown this once',
  examples: [SECRET_EXAMPLE],
});

export const WebhookCreated = Type.Object(
  { ...webhookProperties, secret: Secret },
  { $id: 'WebhookCreated', additionalProperties: false, examples: [{ ...WEBHOOK_EXAMPLE, secret: SECRET_EXAMPLE }] },
);
export type WebhookCreated = Static<typeof WebhookCreated>;

export const WebhookSecretRotated = Type.Object(
  {
    id: webhookProperties.id,
    secret: Secret,
    previousSecretExpiresAt: Timestamp('until then deliveries are signed with both secrets (two signatures in webhook-signature)'),
  },
  {
    $id: 'WebhookSecretRotated',
    additionalProperties: false,
    examples: [{ id: WEBHOOK_EXAMPLE.id, secret: SECRET_EXAMPLE, previousSecretExpiresAt: '2026-03-02T12:00:00.000Z' }],
  },
);
export type WebhookSecretRotated = Static<typeof WebhookSecretRotated>;

export const WebhookList = Type.Object({ webhooks: Type.Array(ref(Webhook)) }, { $id: 'WebhookList', additionalProperties: false });
export type WebhookList = Static<typeof WebhookList>;

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    environments: Type.Optional(Environments),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    examples: [{ url: 'https://hooks.example.com/switchboard', events: ['flag.changed', 'release.*'], environments: ['production'] }],
  },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    environments: Type.Optional(Nullable(Environments, 'null: every environment')),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ enabled: false }] },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const WebhookParams = Type.Object({ id: Type.String({ pattern: UUID }) });
export type WebhookParams = Static<typeof WebhookParams>;

export const WebhookDeliveryParams = Type.Object({
  id: Type.String({ pattern: UUID }),
  deliveryId: Type.String({ pattern: '^msg_[A-Za-z0-9_-]{1,64}$' }),
});
export type WebhookDeliveryParams = Static<typeof WebhookDeliveryParams>;

export const WebhookDeliveryStatus = Type.Unsafe<'pending' | 'delivering' | 'succeeded' | 'failed'>({
  type: 'string',
  enum: ['pending', 'delivering', 'succeeded', 'failed'],
});
export type WebhookDeliveryStatus = Static<typeof WebhookDeliveryStatus>;

export const WebhookAttempt = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1 }),
    startedAt: Timestamp(),
    durationMs: Type.Integer({ minimum: 0 }),
    statusCode: Nullable(Type.Integer(), "the receiver's HTTP status; null when none came (refused, timeout, connection error)"),
    error: Nullable(Type.String(), 'why the attempt failed; null when it succeeded'),
    responseExcerpt: Nullable(Type.String(), "the first 1 KiB of the receiver's answer at most"),
  },
  { additionalProperties: false },
);
export type WebhookAttempt = Static<typeof WebhookAttempt>;

const DELIVERY_EXAMPLE = {
  id: 'msg_2Kq8dYb0Vq3o1xW9mJt7Rg',
  webhookId: WEBHOOK_EXAMPLE.id,
  eventType: 'flag.changed',
  environment: 'production',
  status: 'succeeded',
  attempts: 2,
  nextAttemptAt: null,
  createdAt: '2026-03-14T09:26:53.600Z',
  completedAt: '2026-03-14T09:26:59.112Z',
  lastStatusCode: 204,
  lastError: null,
  payload: {
    type: 'flag.changed',
    timestamp: '2026-03-14T09:26:53.589Z',
    data: {
      environment: 'production',
      flagKey: 'new-checkout',
      action: 'config.kill',
      actor: 'alice (admin key)',
      auditId: 5120,
      version: 8,
      changes: [{ field: 'enabled', before: true, after: false }],
    },
  },
  attemptLog: [
    { attempt: 1, startedAt: '2026-03-14T09:26:53.700Z', durationMs: 31, statusCode: 503, error: 'HTTP 503', responseExcerpt: 'busy' },
    { attempt: 2, startedAt: '2026-03-14T09:26:59.080Z', durationMs: 32, statusCode: 204, error: null, responseExcerpt: null },
  ],
};

export const WebhookDelivery = Type.Object(
  {
    id: Type.String({ description: 'the message id, sent as webhook-id on every attempt', examples: [DELIVERY_EXAMPLE.id] }),
    webhookId: webhookProperties.id,
    eventType: Type.String({ examples: ['flag.changed'] }),
    environment: Nullable(Type.String()),
    status: WebhookDeliveryStatus,
    attempts: Type.Integer({ minimum: 0 }),
    nextAttemptAt: Nullable(Timestamp(), 'when pending: when the next attempt is due'),
    createdAt: Timestamp(),
    completedAt: Nullable(Timestamp()),
    lastStatusCode: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    payload: Type.Unknown({ description: 'the body sent: { type, timestamp, data }' }),
    attemptLog: Type.Array(WebhookAttempt, { description: 'oldest first' }),
  },
  { $id: 'WebhookDelivery', additionalProperties: false, examples: [DELIVERY_EXAMPLE] },
);
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookDeliveryPage = Type.Object(
  {
    deliveries: Type.Array(ref(WebhookDelivery), { description: 'newest first' }),
    nextCursor: Nullable(Type.String(), 'pass as cursor for the next page; null on the last'),
  },
  { $id: 'WebhookDeliveryPage', additionalProperties: false },
);
export type WebhookDeliveryPage = Static<typeof WebhookDeliveryPage>;

export const WebhookDeliveriesQuery = Type.Object(
  {
    status: Type.Optional(WebhookDeliveryStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type WebhookDeliveriesQuery = Static<typeof WebhookDeliveriesQuery>;
