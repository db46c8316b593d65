/**
 * Standard Webhooks signing: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * keyed with the base64 part of a `whsec_` secret. During a rotation both secrets sign and the
 * signatures are space-separated, so a receiver holding either one verifies.
 */
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** 32 random bytes, in the Standard Webhooks secret format. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

export function sign(secret: string, id: string, timestampSec: number, body: string): string {
  return `v1,${createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSec}.${body}`).digest('base64')}`;
}

/** The three Standard Webhooks headers of one attempt, signed with every active secret. */
export function signedHeaders(secrets: readonly string[], id: string, timestampSec: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': secrets.map((s) => sign(s, id, timestampSec, body)).join(' '),
  };
}

/** A message id: the `webhook-id` receivers deduplicate on, the same on every attempt. */
export function messageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}
